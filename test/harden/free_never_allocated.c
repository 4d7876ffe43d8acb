/* SPDX-License-Identifier: MIT */
/* free_never_allocated.c — free of a block start in the page of a
 * 176-byte block that the program was never given (never carved, or
 * carved and still free: both are invalid).
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: (free\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: (free\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: " */
#include "harden.h"

int main(void) {
  size_t n = opaque(176);
  char *p = malloc(n);
  char *q = never_given_block(p, n);
  show(q);
  free(q);
  return GOAL_REACHED;
}
