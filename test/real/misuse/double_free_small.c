/* SPDX-License-Identifier: MIT */
/* double_free_small.c — double free of a small block (48 bytes).
 * Expected: SIGABRT and one stderr line matching double_free_small.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(48);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  free(p);
  free(p);
  return 0; /* not reached when the bug is caught */
}
