/* SPDX-License-Identifier: MIT */
/* free_interior_large.c — free of a pointer one slice (64 KiB) into a
 * 300 KiB block: the slice's descriptor belongs to the large span.
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  char *p = malloc(opaque(300 << 10));
  char *q = (char *)opaque_ptr(p) + (64 << 10);
  show(q);
  free(q);
  return GOAL_REACHED;
}
