/* SPDX-License-Identifier: MIT */
/* free_interior_large.c — free of an interior pointer of a 1 MiB block.
 * Expected: SIGABRT and one stderr line matching free_interior_large.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(1 << 20);
  printf("PTR=%p\n", (void *)(p + 4096));
  fflush(stdout);
  free(p + 4096);
  return 0; /* not reached when the bug is caught */
}
