/* SPDX-License-Identifier: MIT */
/* usable_size_interior_huge.c — malloc_usable_size of an interior pointer
 * of a huge block (8 MiB, its own mapping): not a block, so it must abort
 * instead of returning the bytes from there to the end of the mapping.
 * Expected: SIGABRT and one stderr line matching usable_size_interior_huge.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(8 << 20);
  printf("PTR=%p\n", (void *)(p + 4096));
  fflush(stdout);
  size_t n = malloc_usable_size(p + 4096);
  printf("malloc_usable_size(interior) = %zu\n", n);
  return 0; /* not reached when the bug is caught */
}
