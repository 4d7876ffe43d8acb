/* SPDX-License-Identifier: MIT */
/* realloc_freed.c — realloc of a freed small block.
 * Expected: SIGABRT and one stderr line matching realloc_freed.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(40);
  free(p);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  char *q = realloc(p, 4000);
  printf("%p\n", (void *)q);
  return 0; /* not reached when the bug is caught */
}
