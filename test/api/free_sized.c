/* SPDX-License-Identifier: MIT */
/* free_sized.c — C23 free_sized(p, size) and free_aligned_sized(p, al,
 * size) free blocks from malloc/calloc/realloc and aligned_alloc: the
 * memory is really released (a loop that would leak 2 GiB keeps RSS flat),
 * neighbours are untouched, and NULL is accepted.  brisk must export both;
 * glibc 2.36 has neither, so on glibc they are looked up with dlsym and the
 * test is skipped when absent. */
#include "check.h"
#include <stdint.h>

typedef void (*free_sized_fn)(void *, size_t);
typedef void (*free_aligned_sized_fn)(void *, size_t, size_t);

int main(void) {
  free_sized_fn fs = (free_sized_fn)dlsym(RTLD_DEFAULT, "free_sized");
  free_aligned_sized_fn fas =
      (free_aligned_sized_fn)dlsym(RTLD_DEFAULT, "free_aligned_sized");
  if (on_brisk()) {
    CHECK(fs != NULL, "brisk does not export free_sized");
    CHECK(fas != NULL, "brisk does not export free_aligned_sized");
  } else if (!fs || !fas) {
    NOTE("free_sized/free_aligned_sized absent from this libc: skipped");
    puts("ok");
    return 0;
  }
  fs(NULL, 0);
  fs(NULL, 100);
  fas(NULL, 64, 0);

  unsigned char *guard = malloc(64);
  CHECK(guard != NULL, "malloc");
  memset(guard, 0x5E, 64);
  size_t rss0 = rss_bytes();
  for (int i = 0; i < 32768; i++) {
    size_t n = opaque(65536 + (size_t)(i % 7) * 16);
    unsigned char *p;
    switch (i % 3) {
      case 0: p = malloc(n); break;
      case 1: p = calloc(n, 1); break;
      default: p = realloc(malloc(10), n); break;
    }
    CHECK(p != NULL, "allocation of %zu", n);
    memset(p, 0x11, n);
    fs(p, n);
    size_t al = (size_t)16 << (i % 9);
    size_t m = al * 3 + 100;
    p = aligned_alloc(al, m);
    CHECK(p != NULL && ((uintptr_t)p & (al - 1)) == 0, "aligned_alloc");
    memset(p, 0x22, m);
    fas(p, al, m);
  }
  /* small sizes, every size class */
  for (int r = 0; r < 200; r++)
    for (size_t n = 1; n <= 1024; n += 3) {
      void *p = malloc(n);
      CHECK(p != NULL, "malloc(%zu)", n);
      memset(p, 0x33, n);
      fs(p, n);
    }
  size_t rss1 = rss_bytes();
  NOTE("rss %zu KiB -> %zu KiB", rss0 >> 10, rss1 >> 10);
  CHECK(rss1 < rss0 + 128 * MiB, "free_sized leaks: RSS +%zu MiB",
        (rss1 - rss0) >> 20);
  for (int i = 0; i < 64; i++) CHECK(guard[i] == 0x5E, "guard clobbered");
  free(guard);
  puts("ok");
  return 0;
}
