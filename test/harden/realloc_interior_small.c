/* SPDX-License-Identifier: MIT */
/* realloc_interior_small.c — realloc of a pointer 16 bytes into a 48-byte
 * block, to a size that would fit in place.
 * Survives: exit 3 (the invalid pointer went unnoticed). */
/* expect default: abort "^brisk: realloc\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: realloc\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: realloc\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  char *p = malloc(opaque(48));
  char *q = (char *)opaque_ptr(p) + 16;
  show(q);
  void *r = realloc(q, opaque(20));
  (void)r;
  return GOAL_REACHED;
}
