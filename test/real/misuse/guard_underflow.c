/* SPDX-License-Identifier: MIT */
/* guard_underflow.c — a write 97 bytes before a 4000-byte sampled block (it
 * starts 96 bytes into its page: the write lands in the guard page before).
 * Run with BRISK_GUARD_SAMPLE=1 (guard_underflow.env): the block is a guarded sample.
 * Expected: SIGSEGV and one stderr line matching guard_underflow.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  volatile char *p = malloc(4000);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  p[-97] = 1;
  return 0; /* not reached when the bug is caught */
}
