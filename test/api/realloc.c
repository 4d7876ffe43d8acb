/* SPDX-License-Identifier: MIT */
/* realloc.c — realloc(NULL, n) acts as malloc; growing and shrinking keep
 * the contents (across small, medium and large sizes, in both directions);
 * realloc(p, 0) frees p and returns NULL as glibc does (checked by a loop
 * that would leak 1 GiB if it did not free). */
#include "check.h"

static unsigned char pat(size_t i, unsigned seed) {
  return (unsigned char)((i * 2654435761u) >> 7 ^ seed);
}

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = pat(i, seed);
}

static void verify(const unsigned char *p, size_t n, unsigned seed,
                   size_t from, size_t to) {
  for (size_t i = 0; i < n; i++)
    CHECK(p[i] == pat(i, seed),
          "realloc %zu -> %zu lost byte %zu (%#x != %#x)", from, to, i, p[i],
          pat(i, seed));
}

int main(void) {
  unsigned char *p = realloc(NULL, 100);
  CHECK(p != NULL, "realloc(NULL, 100) returned NULL");
  memset(p, 1, 100);
  free(p);

  static const size_t sizes[] = {1,      7,      16,     17,       64,
                                 200,    1000,   4096,   5000,     32768,
                                 100000, 300000, 1 << 20, (3 << 20) + 5,
                                 20 << 20};
  const size_t ns = sizeof sizes / sizeof sizes[0];
  unsigned seed = 1;
  /* every ordered pair of sizes */
  for (size_t a = 0; a < ns; a++) {
    for (size_t b = 0; b < ns; b++) {
      size_t from = sizes[a], to = sizes[b];
      p = malloc(from);
      CHECK(p != NULL, "malloc(%zu)", from);
      fill(p, from, seed);
      unsigned char *q = realloc(p, to);
      CHECK(q != NULL, "realloc(%zu -> %zu) returned NULL", from, to);
      verify(q, from < to ? from : to, seed, from, to);
      memset(q, 0xEE, to); /* whole new size writable */
      free(q);
      seed++;
    }
  }
  /* a chain of grows then shrinks on the same block */
  size_t cur = 1;
  p = malloc(1);
  CHECK(p != NULL, "malloc(1)");
  p[0] = pat(0, 99);
  while (cur < (64 << 20)) {
    size_t nxt = cur * 3 + 1;
    unsigned char *q = realloc(p, nxt);
    CHECK(q != NULL, "realloc grow %zu -> %zu", cur, nxt);
    verify(q, cur, 99, cur, nxt);
    for (size_t i = cur; i < nxt; i++) q[i] = pat(i, 99);
    p = q;
    cur = nxt;
  }
  while (cur > 1) {
    size_t nxt = cur / 5;
    if (nxt == 0) nxt = 1;
    unsigned char *q = realloc(p, nxt);
    CHECK(q != NULL, "realloc shrink %zu -> %zu", cur, nxt);
    verify(q, nxt, 99, cur, nxt);
    p = q;
    cur = nxt;
  }
  free(p);

  /* in-place growth of a block surrounded by live blocks */
  void *before = malloc(64);
  p = malloc(64);
  void *after = malloc(64);
  CHECK(before && p && after, "malloc(64)");
  memset(before, 0x11, 64);
  memset(after, 0x22, 64);
  fill(p, 64, 7);
  p = realloc(p, 4000);
  CHECK(p != NULL, "realloc 64 -> 4000");
  verify(p, 64, 7, 64, 4000);
  memset(p + 64, 0x33, 4000 - 64);
  for (int i = 0; i < 64; i++) {
    CHECK(((unsigned char *)before)[i] == 0x11, "neighbour before corrupted");
    CHECK(((unsigned char *)after)[i] == 0x22, "neighbour after corrupted");
  }
  free(before);
  free(after);
  free(p);

  /* realloc(p, 0) frees and returns NULL: 16384 x 64 KiB would be 1 GiB */
  size_t rss0 = rss_bytes();
  for (int i = 0; i < 16384; i++) {
    unsigned char *b = malloc(opaque(65536));
    CHECK(b != NULL, "malloc(65536)");
    memset(b, 0x77, 65536);
    void *r = realloc(b, opaque(0));
    CHECK(r == NULL, "realloc(p, 0) returned %p, glibc returns NULL", r);
  }
  size_t rss1 = rss_bytes();
  NOTE("rss %zu KiB -> %zu KiB over 16384 realloc(p,0)", rss0 >> 10,
       rss1 >> 10);
  CHECK(rss1 < rss0 + 64 * MiB,
        "realloc(p, 0) does not free: RSS grew by %zu MiB", (rss1 - rss0) >> 20);
  puts("ok");
  return 0;
}
