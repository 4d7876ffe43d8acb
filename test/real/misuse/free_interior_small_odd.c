/* SPDX-License-Identifier: MIT */
/* free_interior_small_odd.c — free of an unaligned interior pointer of a small block.
 * Expected: SIGABRT and one stderr line matching free_interior_small_odd.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(64);
  printf("PTR=%p\n", (void *)(p + 5));
  fflush(stdout);
  free(p + 5);
  return 0; /* not reached when the bug is caught */
}
