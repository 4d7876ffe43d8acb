/* SPDX-License-Identifier: MIT */
/* double_free_cross_thread.c — another thread frees a 48-byte block of
 * the main thread's heap (it lands in that thread's foreign cache or on
 * the owner's remote list), then the owner frees it again.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(48));
  show(p);
  if (free_in_thread(p) != 0) return SETUP_FAILED;
  free(p);
  return GOAL_REACHED;
}
