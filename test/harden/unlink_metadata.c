/* SPDX-License-Identifier: MIT */
/* unlink_metadata.c — the classic unlink: fake fd/bk pointers and sizes
 * written into the words before and after a 24-byte block (where an
 * inline-header allocator keeps its chunk metadata), the block freed,
 * then a few mallocs of its size.  Goal: the allocator wrote to the
 * target word the fake pointers aim at (a write-what-where). */
/* expect default: safe */
/* expect hardened: stop */
/* expect sampled: stop */
#include "harden.h"

static volatile uintptr_t target = 0x1111;

int main(void) {
  size_t n = opaque(24);
  char *p = malloc(n);
  show(p);
  const ptrdiff_t w = (ptrdiff_t)sizeof(uintptr_t);
  poke_word(p, -2 * w, 0);                               /* prev_size */
  poke_word(p, -w, 0x20);                                /* size, prev in use clear */
  poke_word(p, 24, (uintptr_t)&target - 3 * (uintptr_t)w); /* next chunk's fd */
  poke_word(p, 32, (uintptr_t)&target - 2 * (uintptr_t)w); /* next chunk's bk */
  free(p);
  for (int i = 0; i < 8; i++) (void)malloc(n);
  if (target != 0x1111) return GOAL_REACHED;
  return HARMLESS;
}
