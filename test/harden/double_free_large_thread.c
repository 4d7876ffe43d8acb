/* SPDX-License-Identifier: MIT */
/* double_free_large_thread.c — a 300 KiB block freed by another thread
 * (remote large frees go to the owner's delayed list), then by its owner.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(300 << 10));
  show(p);
  if (free_in_thread(p) != 0) return SETUP_FAILED;
  free(p);
  return GOAL_REACHED;
}
