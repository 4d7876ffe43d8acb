/* SPDX-License-Identifier: MIT */
/* free_never_allocated_in_segment.c — free of a block-aligned address in a brisk page that was never handed out.
 * Expected: SIGABRT and one stderr line matching free_never_allocated_in_segment.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(32);
  char *q = p + 32 * 50; /* same page, block boundary, not yet allocated */
  printf("PTR=%p\n", (void *)q);
  fflush(stdout);
  free(q);
  return 0; /* not reached when the bug is caught */
}
