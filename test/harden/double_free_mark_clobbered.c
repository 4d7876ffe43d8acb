/* SPDX-License-Identifier: MIT */
/* double_free_mark_clobbered.c — a use after free that erases the word
 * after the free-list link (where a free block keeps its free mark), then
 * a second free of the block, then two mallocs.  Goal: both mallocs
 * return the same block (the list now links the block to itself).  The
 * default build documents this combination as beyond its O(1) check. */
/* expect default: any */
/* expect hardened: safe */
/* expect sampled: stop */
#include "harden.h"

int main(void) {
  size_t n = opaque(64);
  void *a = malloc(n);
  void *keep = malloc(n);
  show(a);
  free(a);
  poke_word(a, sizeof(void *), 0);
  free(a);
  void *x = malloc(n), *y = malloc(n);
  (void)keep;
  if (x == y) return GOAL_REACHED;
  return HARMLESS;
}
