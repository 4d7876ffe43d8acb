/* SPDX-License-Identifier: MIT */
/* free_wild.c — free of a pointer brisk never returned (arbitrary address).
 * Expected: SIGABRT and one stderr line matching free_wild.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char *p = (char *)0x10000000;
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  free(p);
  return 0; /* not reached when the bug is caught */
}
