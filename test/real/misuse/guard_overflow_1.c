/* SPDX-License-Identifier: MIT */
/* guard_overflow_1.c — one byte written past the end of a 32-byte sampled block
 * (a multiple of 16: the block ends on its page end, before a guard page).
 * Run with BRISK_GUARD_SAMPLE=1 (guard_overflow_1.env): the block is a guarded sample.
 * Expected: SIGSEGV and one stderr line matching guard_overflow_1.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  volatile char *p = malloc(32);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  p[32] = 1;
  return 0; /* not reached when the bug is caught */
}
