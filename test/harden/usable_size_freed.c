/* SPDX-License-Identifier: MIT */
/* usable_size_freed.c — malloc_usable_size of a 40-byte block already
 * freed.
 * Survives: exit 3 (the misuse went unnoticed). */
/* expect default: abort "^brisk: (malloc_usable_size\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: (malloc_usable_size\(\): invalid pointer|double free) \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: (malloc_usable_size\(\): invalid pointer|double free) \(pointer PTR\)$" */
#include <malloc.h>
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(40));
  show(p);
  free(p);
  size_t n = malloc_usable_size(p);
  (void)n;
  return GOAL_REACHED;
}
