/* SPDX-License-Identifier: MIT */
/* realloc_stack.c — realloc of a stack address.
 * Expected: SIGABRT and one stderr line matching realloc_stack.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  char buf[64];
  memset(buf, 0, sizeof buf);
  printf("PTR=%p\n", (void *)buf);
  fflush(stdout);
  void *q = realloc(buf, 100);
  printf("%p\n", q);
  return 0; /* not reached when the bug is caught */
}
