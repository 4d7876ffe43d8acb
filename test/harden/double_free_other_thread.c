/* SPDX-License-Identifier: MIT */
/* double_free_other_thread.c — the owner thread frees a 48-byte block,
 * then another thread frees it again (the remote free path).
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(48));
  show(p);
  free(p);
  if (free_in_thread(p) != 0) return SETUP_FAILED;
  return GOAL_REACHED;
}
