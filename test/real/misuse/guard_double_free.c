/* SPDX-License-Identifier: MIT */
/* guard_double_free.c — a 24-byte sampled block freed twice.
 * Run with BRISK_GUARD_SAMPLE=1 (guard_double_free.env): the block is a guarded sample.
 * Expected: SIGABRT and one stderr line matching guard_double_free.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char *p = malloc(24);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  free(p);
  free(p);
  return 0; /* not reached when the bug is caught */
}
