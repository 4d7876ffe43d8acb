/* SPDX-License-Identifier: MIT */
/* large_blocks.c — blocks of 1 MiB to 256 MiB can be allocated, written on
 * every page and read back; calloc of large sizes is zero; realloc growing a
 * large block (1 MiB -> 256 MiB in steps) and shrinking it again preserves
 * the contents; many large blocks can live at once. */
#include "check.h"
#include <stdint.h>

static uint64_t pat(uint64_t i, uint64_t seed) {
  return (i * 0x9E3779B97F4A7C15ull) ^ seed;
}

/* write one 8-byte word per 512 bytes (not overlapping the last word) and
 * the last word */
static void fill(unsigned char *p, size_t n, uint64_t seed) {
  for (size_t off = 0; off + 16 <= n; off += 512) {
    uint64_t w = pat(off, seed);
    memcpy(p + off, &w, 8);
  }
  uint64_t w = pat(n - 8, seed);
  memcpy(p + n - 8, &w, 8);
}

static void verify(const unsigned char *p, size_t n, uint64_t seed,
                   size_t full) {
  for (size_t off = 0; off + 16 <= n; off += 512) {
    uint64_t w;
    memcpy(&w, p + off, 8);
    CHECK(w == pat(off, seed), "word at %zu of %zu-byte block lost", off, n);
  }
  if (n == full) {
    uint64_t w;
    memcpy(&w, p + n - 8, 8);
    CHECK(w == pat(n - 8, seed), "last word of %zu-byte block lost", n);
  }
}

int main(void) {
  for (size_t n = MiB; n <= 256 * MiB; n *= 2) {
    size_t sz = n + (n >> 3) + 7; /* not a round size */
    unsigned char *p = malloc(sz);
    CHECK(p != NULL, "malloc(%zu)", sz);
    fill(p, sz, n);
    verify(p, sz, n, sz);
    free(p);
    unsigned char *c = calloc(sz, 1);
    CHECK(c != NULL, "calloc(%zu)", sz);
    for (size_t off = 0; off < sz; off += 4096)
      CHECK(c[off] == 0 && c[sz - 1] == 0, "calloc(%zu) not zero at %zu", sz,
            off);
    free(c);
  }
  /* realloc chain: grow 1 MiB -> 256 MiB, contents kept */
  size_t n = MiB;
  unsigned char *p = malloc(n);
  CHECK(p != NULL, "malloc(1 MiB)");
  fill(p, n, 42);
  while (n < 256 * MiB) {
    size_t m = n * 2 + 4096 * 3 + 1;
    if (m > 256 * MiB) m = 256 * MiB;
    unsigned char *q = realloc(p, m);
    CHECK(q != NULL, "realloc(%zu -> %zu)", n, m);
    verify(q, n, 42, n);
    /* extend the pattern to the new size: rewrite all words (cheap) */
    fill(q, m, 42);
    p = q;
    n = m;
  }
  while (n > MiB) {
    size_t m = n / 3;
    unsigned char *q = realloc(p, m);
    CHECK(q != NULL, "realloc shrink %zu -> %zu", n, m);
    verify(q, m, 42, n);
    p = q;
    n = m;
  }
  free(p);
  /* many large blocks at once */
  enum { K = 48 };
  unsigned char *v[K];
  for (int i = 0; i < K; i++) {
    size_t sz = MiB + (size_t)i * 300000;
    v[i] = malloc(sz);
    CHECK(v[i] != NULL, "malloc(%zu)", sz);
    fill(v[i], sz, (uint64_t)i);
  }
  for (int i = 0; i < K; i++) {
    verify(v[i], MiB + (size_t)i * 300000, (uint64_t)i,
           MiB + (size_t)i * 300000);
    free(v[i]);
  }
  puts("ok");
  return 0;
}
