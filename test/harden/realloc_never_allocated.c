/* SPDX-License-Identifier: MIT */
/* realloc_never_allocated.c — realloc, to a smaller size that would fit in
 * place, of a block start in the page of a 176-byte block that the
 * program was never given (never carved, or carved and still free).
 * Survives: exit 3 (the invalid pointer went unnoticed). */
/* expect default: abort "^brisk: (realloc\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: (realloc\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: " */
#include "harden.h"

int main(void) {
  size_t n = opaque(176);
  char *p = malloc(n);
  char *q = never_given_block(p, n);
  show(q);
  void *r = realloc(q, opaque(170));
  (void)r;
  return GOAL_REACHED;
}
