/* SPDX-License-Identifier: MIT */
/* guard_overflow_16.c — 16 bytes written past the end of a 24-byte sampled block
 * (its end is rounded up to 32: the first 8 bytes go unseen, the 9th
 * touches the guard page).
 * Run with BRISK_GUARD_SAMPLE=1 (guard_overflow_16.env): the block is a guarded sample.
 * Expected: SIGSEGV and one stderr line matching guard_overflow_16.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  volatile char *p = malloc(24);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  for (int i = 24; i < 24 + 16; i++) p[i] = 1;
  return 0; /* not reached when the bug is caught */
}
