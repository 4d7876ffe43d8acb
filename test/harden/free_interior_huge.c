/* SPDX-License-Identifier: MIT */
/* free_interior_huge.c — free of a pointer 4 MiB + 4 KiB into a 16 MiB
 * block (a region of the huge mapping other than its first).
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  char *p = malloc(opaque(16 << 20));
  char *q = (char *)opaque_ptr(p) + (4 << 20) + 4096;
  show(q);
  free(q);
  return GOAL_REACHED;
}
