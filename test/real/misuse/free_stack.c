/* SPDX-License-Identifier: MIT */
/* free_stack.c — free of a stack address.
 * Expected: SIGABRT and one stderr line matching free_stack.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char buf[64];
  memset(buf, 0, sizeof buf);
  printf("PTR=%p\n", (void *)(buf + 16));
  fflush(stdout);
  free(buf + 16);
  return 0; /* not reached when the bug is caught */
}
