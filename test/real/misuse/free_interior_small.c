/* SPDX-License-Identifier: MIT */
/* free_interior_small.c — free of an interior pointer of a small block.
 * Expected: SIGABRT and one stderr line matching free_interior_small.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(64);
  printf("PTR=%p\n", (void *)(p + 16));
  fflush(stdout);
  free(p + 16);
  return 0; /* not reached when the bug is caught */
}
