/* SPDX-License-Identifier: MIT */
/* oom.c — out of memory under a small RLIMIT_AS: every allocation entry
 * point fails with NULL + ENOMEM (never crashes or aborts), realloc keeps
 * the old block intact, and after freeing everything the program allocates
 * the same amount again successfully. */
#include <malloc.h>
#include <sys/resource.h>

#include "common.h"

#define HEADROOM ((size_t)64 << 20)
#define MAXBLK 2000000

static void *blk[MAXBLK];
static int fails;

static size_t vm_size(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  CHECK(f && fscanf(f, "%lu", &pages) == 1);
  fclose(f);
  return pages * 4096;
}

/* Allocate blocks of size n until failure; returns how many succeeded. */
static size_t exhaust(size_t n, int mode) {
  size_t k = 0;
  for (;;) {
    CHECK(k < MAXBLK);
    errno = 0;
    void *p;
    if (mode == 0) p = malloc(n);
    else if (mode == 1) p = calloc(1, n);
    else if (posix_memalign(&p, 4096, n) != 0) p = NULL;
    if (p == NULL) {
      if (mode < 2) CHECK(errno == ENOMEM);
      break;
    }
    memset(p, 0xab, n < 256 ? n : 256); /* touch it */
    blk[k++] = p;
  }
  return k;
}

static void release(size_t k) {
  for (size_t i = 0; i < k; i++) free(blk[i]);
}

int main(void) {
  watchdog(120);
  setvbuf(stdout, NULL, _IONBF, 0);
  struct rlimit rl;
  size_t base = vm_size();
  rl.rlim_cur = rl.rlim_max = base + HEADROOM;
  CHECK(setrlimit(RLIMIT_AS, &rl) == 0);

  static const size_t sizes[] = {64, 1000, 24000, 300000, 3u << 20, 20u << 20};
  for (int mode = 0; mode < 3; mode++) {
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      size_t n = sizes[s];
      size_t k1 = exhaust(n, mode);
      if (k1 == 0) {
        printf("FAIL size %zu mode %d: not even one block after the previous sizes were freed\n",
               n, mode);
        fails++;
        continue;
      }
      /* While exhausted: a huge request and realloc growth fail cleanly. */
      errno = 0;
      CHECK(malloc((size_t)256 << 20) == NULL && errno == ENOMEM);
      void *keep = blk[k1 - 1];
      size_t keep_n = n < 256 ? n : 256;
      errno = 0;
      void *q = realloc(keep, (size_t)256 << 20);
      CHECK(q == NULL && errno == ENOMEM);
      for (size_t i = 0; i < keep_n; i++) CHECK(((unsigned char *)keep)[i] == 0xab);
      release(k1);
      size_t k2 = exhaust(n, mode);
      /* Freed memory must be usable again (glibc's own fragmentation after
       * aligned blocks needs some slack). */
      if (k2 == 0 || k2 < k1 / 2) {
        printf("FAIL size %zu mode %d: %zu blocks first, only %zu after freeing\n", n, mode, k1,
               k2);
        fails++;
      }
      release(k2);
      printf("mode %d size %zu: ok\n", mode, n);
    }
  }
  /* Mixed sizes after all that: still works. */
  for (int i = 0; i < 1000; i++) {
    void *p = malloc((size_t)(i * 37 % 5000) + 1);
    CHECK(p != NULL);
    free(p);
  }
  if (fails) {
    printf("oom: %d checks failed\n", fails);
    return 1;
  }
  puts("oom: ok");
  return 0;
}
