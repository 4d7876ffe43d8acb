/* SPDX-License-Identifier: MIT */
/* oom_after_free.c — minimal reproducer: memory freed after an
 * out-of-memory episode cannot be reused for a different size.
 *
 * Under RLIMIT_AS = current + 64 MiB: allocate 300000-byte blocks until
 * malloc fails, free them all, then malloc(3 MiB).  glibc: succeeds.
 * Expected: a block (everything was freed).  Exit 0 when correct, 1 when
 * the bug shows (prints what happened). */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static void *blk[4096];

int main(void) {
  unsigned long pages = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f || fscanf(f, "%lu", &pages) != 1) return 2;
  fclose(f);
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = pages * 4096 + (64u << 20);
  if (setrlimit(RLIMIT_AS, &rl) != 0) return 2;
  int k = 0;
  while (k < 4096 && (blk[k] = malloc(300000)) != NULL) k++;
  for (int i = 0; i < k; i++) free(blk[i]);
  errno = 0;
  void *p = malloc(3u << 20);
  printf("%d blocks of 300000 bytes, all freed; then malloc(3 MiB) = %s (errno %d)\n", k,
         p ? "a block" : "NULL", p ? 0 : errno);
  free(p);
  return p ? 0 : 1;
}
