/* SPDX-License-Identifier: MIT */
/* free_slice_tail.c — free of the 16 bytes at the end of the 64 KiB slice
 * of a 48-byte page: offset 65520 = 48 * 1365 is a multiple of the block
 * size, but the page holds only 65536 / 48 = 1365 blocks (indices 0..1364),
 * so no block starts there.
 * Expected: SIGABRT and one stderr line matching free_slice_tail.expect. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(48);
  /* one-slice page (blocks <= 8 KiB): the area starts at the slice start */
  char *area = (char *)((uintptr_t)p & ~(uintptr_t)0xffff);
  char *q = area + 65520; /* "block" 1365: past the last block */
  printf("PTR=%p\n", (void *)q);
  fflush(stdout);
  free(q);
  return 0; /* not reached when the bug is caught */
}
