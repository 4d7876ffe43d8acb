/* SPDX-License-Identifier: MIT */
/* free_global.c — free of a static (data segment) address.
 * Expected: SIGABRT and one stderr line matching free_global.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  static char buf[64];
  printf("PTR=%p\n", (void *)(buf + 16));
  fflush(stdout);
  free(buf + 16);
  return 0; /* not reached when the bug is caught */
}
