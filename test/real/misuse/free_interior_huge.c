/* SPDX-License-Identifier: MIT */
/* free_interior_huge.c — free of an interior pointer of a 16 MiB block.
 * Expected: SIGABRT and one stderr line matching free_interior_huge.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(16 << 20);
  printf("PTR=%p\n", (void *)(p + 65536));
  fflush(stdout);
  free(p + 65536);
  return 0; /* not reached when the bug is caught */
}
