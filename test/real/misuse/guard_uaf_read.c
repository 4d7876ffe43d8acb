/* SPDX-License-Identifier: MIT */
/* guard_uaf_read.c — a read from a freed 24-byte sampled block.
 * Run with BRISK_GUARD_SAMPLE=1 (guard_uaf_read.env): the block is a guarded sample.
 * Expected: SIGSEGV and one stderr line matching guard_uaf_read.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  volatile char *p = malloc(24);
  p[0] = 42;
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  free((void *)p);
  printf("%d\n", p[0]);
  return 0; /* not reached when the bug is caught */
}
