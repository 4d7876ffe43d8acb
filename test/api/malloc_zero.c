/* SPDX-License-Identifier: MIT */
/* malloc_zero.c — malloc(0) returns a non-NULL pointer (as glibc does),
 * distinct from every other live block, and free accepts it; realloc of
 * such a pointer to a real size works. */
#include "check.h"
#include <stdint.h>

static int cmp(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  enum { M = 10000 };
  static uintptr_t v[M];
  for (int i = 0; i < M; i++) {
    void *p = malloc(opaque(0));
    CHECK(p != NULL, "malloc(0) returned NULL (glibc returns a block)");
    v[i] = (uintptr_t)p;
  }
  void *other = malloc(1);
  CHECK(other != NULL, "malloc(1)");
  qsort(v, M, sizeof v[0], cmp);
  for (int i = 1; i < M; i++)
    CHECK(v[i] != v[i - 1], "malloc(0) returned %#lx twice",
          (unsigned long)v[i]);
  for (int i = 0; i < M; i++)
    CHECK(v[i] != (uintptr_t)other, "malloc(1) returned a live malloc(0)");
  for (int i = 0; i < M; i++) free((void *)v[i]);
  free(other);
  for (int i = 0; i < 1000; i++) {
    char *p = malloc(opaque(0));
    CHECK(p != NULL, "malloc(0)");
    p = realloc(p, 100);
    CHECK(p != NULL, "realloc(malloc(0), 100)");
    memset(p, 1, 100);
    free(p);
  }
  /* a malloc(0)/free loop does not leak */
  size_t rss0 = rss_bytes();
  for (int i = 0; i < 3000000; i++) free(malloc(opaque(0)));
  size_t rss1 = rss_bytes();
  CHECK(rss1 < rss0 + 8 * MiB, "malloc(0)/free loop grew RSS by %zu KiB",
        (rss1 - rss0) >> 10);
  puts("ok");
  return 0;
}
