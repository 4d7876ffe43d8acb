/* SPDX-License-Identifier: MIT */
/* overlap_forged_size.c — overlapping blocks by forging a size: the word
 * before a 40-byte block (where an inline-header allocator keeps the chunk
 * size) overwritten with 0x421, the block freed, then malloc(0x410).
 * Goal: the big block starts at or just before the small one, so it
 * overlaps its neighbours. */
/* expect default: harmless */
/* expect hardened: safe */
/* expect sampled: any */
#include "harden.h"

int main(void) {
  size_t n = opaque(40);
  void *before = malloc(n);
  char *p = malloc(n);
  void *after = malloc(n);
  show(p);
  poke_word(p, -(ptrdiff_t)sizeof(uintptr_t), 0x421);
  free(p);
  char *q = malloc(opaque(0x410));
  (void)before;
  (void)after;
  if (q != NULL && q <= p && q + 0x410 > p + n) return GOAL_REACHED;
  return HARMLESS;
}
