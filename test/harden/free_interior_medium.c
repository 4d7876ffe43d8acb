/* SPDX-License-Identifier: MIT */
/* free_interior_medium.c — free of a pointer 4096 bytes into a 20000-byte
 * block (page-aligned inside a multi-slice page).
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  char *p = malloc(opaque(20000));
  char *q = (char *)opaque_ptr(p) + 4096;
  show(q);
  free(q);
  return GOAL_REACHED;
}
