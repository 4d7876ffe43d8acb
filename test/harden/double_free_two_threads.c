/* SPDX-License-Identifier: MIT */
/* double_free_two_threads.c — two threads other than the owner free the
 * same 48-byte block one after the other (the second thread's free takes
 * the remote path too; the first one's foreign cache was flushed when it
 * exited).
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(48));
  show(p);
  for (int i = 0; i < 2; i++)
    if (free_in_thread(p) != 0) return SETUP_FAILED;
  return GOAL_REACHED;
}
