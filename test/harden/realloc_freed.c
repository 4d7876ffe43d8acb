/* SPDX-License-Identifier: MIT */
/* realloc_freed.c — realloc of a 40-byte block already freed.
 * Survives: exit 3 (the misuse went unnoticed). */
/* expect default: abort "^brisk: (realloc\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: (realloc\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: (realloc\(\): invalid pointer|double free) \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(40));
  show(p);
  free(p);
  void *q = realloc(p, opaque(400));
  (void)q;
  return GOAL_REACHED;
}
