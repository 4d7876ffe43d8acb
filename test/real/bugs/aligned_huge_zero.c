/* SPDX-License-Identifier: MIT */
/* aligned_huge_zero.c — minimal reproducer (found by make fuzz):
 * aligned_alloc(4 MiB, 0) aborts inside brisk with
 *   "brisk: malloc_usable_size(): invalid pointer (pointer 0x...)"
 * (brisk_alloc_aligned's huge path calls brisk_usable_impl on the new
 * block, which a zero-byte huge block is not registered for).
 * glibc: returns a 4 MiB-aligned block.  Expected: a block (or NULL), no
 * abort.  Also tries the other entry points and sizes 0 and 1. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  size_t aligns[] = {(size_t)1 << 21, (size_t)1 << 22, (size_t)1 << 23};
  for (int i = 0; i < 3; i++) {
    for (size_t n = 0; n < 2; n++) {
      void *p = aligned_alloc(aligns[i], n);
      void *q = memalign(aligns[i], n);
      void *r = NULL;
      int e = posix_memalign(&r, aligns[i], n);
      printf("align %zu size %zu: %s %s %s\n", aligns[i], n, p ? "ok" : "NULL", q ? "ok" : "NULL",
             e == 0 ? "ok" : "err");
      if (((uintptr_t)p | (uintptr_t)q | (uintptr_t)r) & (aligns[i] - 1)) return 1;
      free(p);
      free(q);
      free(r);
    }
  }
  return 0;
}
