/* SPDX-License-Identifier: MIT */
/* double_free_small_other.c — double free of a small block after other blocks of its page were freed.
 * Expected: SIGABRT and one stderr line matching double_free_small_other.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *v[8];
  for (int i = 0; i < 8; i++) v[i] = malloc(100);
  printf("PTR=%p\n", (void *)v[3]);
  fflush(stdout);
  free(v[3]);
  free(v[4]);
  free(v[3]);
  return 0; /* not reached when the bug is caught */
}
