/* SPDX-License-Identifier: MIT */
/* guard_uaf_write.c — a write into a freed 24-byte sampled block (its page is
 * PROT_NONE while the slot is in quarantine).
 * Run with BRISK_GUARD_SAMPLE=1 (guard_uaf_write.env): the block is a guarded sample.
 * Expected: SIGSEGV and one stderr line matching guard_uaf_write.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  volatile char *p = malloc(24);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  free((void *)p);
  p[8] = 1;
  return 0; /* not reached when the bug is caught */
}
