/* SPDX-License-Identifier: MIT */
/* guard_free_interior.c — free of a pointer 8 bytes into a 24-byte sampled block.
 * Run with BRISK_GUARD_SAMPLE=1 (guard_free_interior.env): the block is a guarded sample.
 * Expected: SIGABRT and one stderr line matching guard_free_interior.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char *p = malloc(24);
  printf("PTR=%p\n", (void *)(p + 8));
  fflush(stdout);
  free(p + 8);
  return 0; /* not reached when the bug is caught */
}
