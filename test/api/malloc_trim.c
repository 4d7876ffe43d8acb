/* SPDX-License-Identifier: MIT */
/* malloc_trim.c — after allocating ~200 MiB (small and medium blocks, plus
 * one small block kept alive at the end so that nothing can be given back
 * by simply lowering the heap top) and freeing all but that block,
 * malloc_trim(0) returns 0 or 1 and RSS ends within 24 MiB of the level
 * before the allocations.  A second malloc_trim is harmless, and the heap
 * still works afterwards. */
#include "check.h"
#include <malloc.h>

enum { NSMALL = 150000, NMED = 400 };

int main(void) {
  static void *s[NSMALL], *m[NMED];
  size_t rss0 = rss_bytes();
  for (int i = 0; i < NSMALL; i++) {
    size_t n = 200 + (size_t)(i % 13) * 80; /* 200..1160 bytes, ~100 MiB */
    s[i] = malloc(n);
    CHECK(s[i] != NULL, "malloc(%zu)", n);
    memset(s[i], 0x5C, n);
  }
  for (int i = 0; i < NMED; i++) {
    size_t n = 100000 + (size_t)i * 400; /* ~100..260 KB, ~70 MiB */
    m[i] = malloc(n);
    CHECK(m[i] != NULL, "malloc(%zu)", n);
    memset(m[i], 0x6D, n);
  }
  void *keep = malloc(64);
  CHECK(keep != NULL, "malloc(64)");
  memset(keep, 1, 64);
  size_t rss_peak = rss_bytes();
  for (int i = 0; i < NSMALL; i++) free(s[i]);
  for (int i = 0; i < NMED; i++) free(m[i]);
  size_t rss_freed = rss_bytes();
  int rc = malloc_trim(0);
  size_t rss_trim = rss_bytes();
  NOTE("rss KiB: start %zu, peak %zu, after free %zu, after malloc_trim %zu "
       "(returned %d)", rss0 >> 10, rss_peak >> 10, rss_freed >> 10,
       rss_trim >> 10, rc);
  CHECK(rss_peak > rss0 + 150 * MiB, "allocations did not raise RSS (%zu KiB)",
        rss_peak >> 10);
  CHECK(rc == 0 || rc == 1, "malloc_trim returned %d", rc);
  CHECK(rss_trim < rss0 + 24 * MiB,
        "malloc_trim(0) left RSS at %zu KiB (start %zu KiB, peak %zu KiB)",
        rss_trim >> 10, rss0 >> 10, rss_peak >> 10);
  rc = malloc_trim(0);
  CHECK(rc == 0 || rc == 1, "second malloc_trim returned %d", rc);
  rc = malloc_trim(1 << 20); /* with a pad */
  CHECK(rc == 0 || rc == 1, "malloc_trim(1 MiB) returned %d", rc);
  /* heap still usable; the kept block intact */
  for (int i = 0; i < 64; i++)
    CHECK(((unsigned char *)keep)[i] == 1, "kept block changed by trim");
  for (int i = 0; i < 10000; i++) {
    s[i] = malloc(300);
    CHECK(s[i] != NULL, "malloc after trim");
    memset(s[i], 0x7E, 300);
  }
  for (int i = 0; i < 10000; i++) free(s[i]);
  free(keep);
  puts("ok");
  return 0;
}
