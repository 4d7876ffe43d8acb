/* SPDX-License-Identifier: MIT */
/* realloc_interior_huge.c — realloc of an interior pointer of a huge block
 * (8 MiB): must abort naming realloc() before it allocates or copies
 * anything (not later, in the free of the old pointer).
 * Expected: SIGABRT and one stderr line matching realloc_interior_huge.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(8 << 20);
  printf("PTR=%p\n", (void *)(p + 4096));
  fflush(stdout);
  char *q = realloc(p + 4096, 16 << 20);
  printf("realloc(interior) = %p\n", (void *)q);
  return 0; /* not reached when the bug is caught */
}
