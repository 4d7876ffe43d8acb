/* SPDX-License-Identifier: MIT */
/* free_sized_wrong.c — free_sized with a size larger than the block (debug build only).
 * Expected: SIGABRT and one stderr line matching free_sized_wrong.expect. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#include <sys/mman.h>

int main(void) {
  /* glibc 2.36 has no free_sized: find brisk's at run time. */
  void (*free_sized)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
  if (free_sized == NULL) return 2;
  char *p = malloc(16);
  printf("PTR=%p\n", (void *)p);
  fflush(stdout);
  free_sized(p, 4096);
  return 0; /* not reached when the bug is caught */
}
