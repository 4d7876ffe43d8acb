/* SPDX-License-Identifier: MIT */
/* realloc_zero.c — realloc(p, 0) frees p and returns NULL (glibc's
 * behaviour, which programs rely on), for blocks of every kind; freeing
 * is checked by doing it a million times with bounded memory (the block
 * is not leaked), and realloc(NULL, 0) behaves as malloc(0). */
#include <malloc.h>

#include "common.h"

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long a = 0, b = 0;
  CHECK(f && fscanf(f, "%ld %ld", &a, &b) == 2);
  fclose(f);
  return b * 4;
}

int main(void) {
  watchdog(60);
  static const size_t sizes[] = {1, 24, 1000, 20000, 200000, 3 << 20};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    for (int i = 0; i < 5; i++) {
      void *p = malloc(sizes[s]);
      CHECK(p);
      errno = 0;
      void *q = realloc(p, 0);
      CHECK(q == NULL);
    }
  }
  long before = rss_kib();
  for (int i = 0; i < 1000000; i++) {
    void *p = malloc((size_t)(i % 1500) + 1);
    CHECK(p);
    CHECK(realloc(p, 0) == NULL);
  }
  for (int i = 0; i < 2000; i++) {
    void *p = malloc(100000);
    CHECK(p);
    memset(p, 1, 100000);
    CHECK(realloc(p, 0) == NULL);
  }
  long after = rss_kib();
  if (after - before > 64 * 1024) {
    printf("realloc(p, 0) leaks: RSS %ld -> %ld KiB\n", before, after);
    return 1;
  }
  void *z = realloc(NULL, 0);
  CHECK(z != NULL); /* like malloc(0) under glibc */
  free(z);
  printf("realloc_zero: ok\n");
  return 0;
}
