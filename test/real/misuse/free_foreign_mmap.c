/* SPDX-License-Identifier: MIT */
/* free_foreign_mmap.c — free of a page-aligned pointer into memory brisk never returned (mmap).
 * Expected: SIGABRT and one stderr line matching free_foreign_mmap.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *m = mmap(NULL, 1 << 22, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("PTR=%p\n", (void *)(m + 4096));
  fflush(stdout);
  free(m + 4096);
  return 0; /* not reached when the bug is caught */
}
