/* SPDX-License-Identifier: MIT */
/* free_interior_small.c — free of a pointer 8 bytes into a 24-byte block.
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  char *p = malloc(opaque(24));
  char *q = (char *)opaque_ptr(p) + 8;
  show(q);
  free(q);
  return GOAL_REACHED;
}
