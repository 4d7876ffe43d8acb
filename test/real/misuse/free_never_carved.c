/* SPDX-License-Identifier: MIT */
/* free_never_carved.c — free of a block-aligned address in a small page,
 * beyond the blocks carved so far.  A page carves its area lazily (4 KiB
 * of blocks at a time: ~85 blocks of 48 bytes), so block 1000 of the page
 * of a fresh 48-byte block was never handed out, and its memory is still
 * zero: no free mark to catch it, only the carved bound.
 * Expected: SIGABRT and one stderr line matching free_never_carved.expect. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(48);
  /* The page of a 48-byte block is one 64 KiB slice; its area starts at the
   * slice start and holds 65536 / 48 = 1365 blocks. */
  char *area = (char *)((uintptr_t)p & ~(uintptr_t)0xffff);
  char *q = area + 48 * 1000; /* a block start, never carved */
  printf("PTR=%p\n", (void *)q);
  fflush(stdout);
  free(q);
  return 0; /* not reached when the bug is caught */
}
