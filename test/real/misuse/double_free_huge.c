/* SPDX-License-Identifier: MIT */
/* double_free_huge.c — double free of a 16 MiB block (huge mapping).
 * Expected: SIGABRT and one stderr line matching double_free_huge.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = malloc(16 << 20);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  free(p);
  free(p);
  return 0; /* not reached when the bug is caught */
}
