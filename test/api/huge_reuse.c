/* SPDX-License-Identifier: MIT */
/* huge_reuse.c — a working set of big blocks (2-25 MiB) whose sizes
 * change reuses the memory it freed.
 *
 * 1. Three freed blocks of 6, 7 and 9 MiB are enough for one of 20 MiB:
 *    on brisk, writing every page of that block takes fewer than a
 *    quarter of the page faults fresh memory would (the freed blocks'
 *    pages are moved into it, not faulted anew).
 * 2. calloc over blocks freed dirty reads zero everywhere.
 * 3. A random working set (20 live blocks, 400 replacements, 1/4 calloc,
 *    some realloc) keeps every block's contents: blocks built from the
 *    pieces of others never share a page.
 * The fault bound needs the default huge cache (BRISK_HUGE_CACHE_KIB);
 * the rest holds on any allocator. */
#include "check.h"
#include "pattern.h"
#include <malloc.h>
#include <stdint.h>
#include <sys/resource.h>

static long minflt(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

/* The block's pattern (pattern.h: its sampled regions, 64 bytes every
 * 64 KiB among them, so a piece moved to the wrong place shows). */
static void verify(const unsigned char *p, size_t n, size_t limit, uint64_t tag) {
  size_t bad = pat_check(p, n, limit, tag);
  CHECK(bad == SIZE_MAX, "byte %zu of a %zu-byte block lost", bad, n);
}

static void check_zero(const unsigned char *p, size_t n) {
  size_t bad = pat_check_zero(p, n);
  CHECK(bad == SIZE_MAX, "calloc(%zu) not zero at %zu", n, bad);
  for (size_t off = 0; off < n; off += 4096) CHECK(p[off] == 0, "calloc(%zu) not zero at %zu", n, off);
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next(void) { return rng_next(&rng); }

int main(void) {
  /* 1. pieces of 6 + 7 + 9 MiB make one of 20 MiB */
  size_t sizes[3] = {6 * MiB, 7 * MiB, 9 * MiB};
  unsigned char *b[3];
  for (int i = 0; i < 3; i++) {
    b[i] = malloc(sizes[i]);
    CHECK(b[i] != NULL, "malloc(%zu)", sizes[i]);
    memset(b[i], 0xA5, sizes[i]);
  }
  for (int i = 0; i < 3; i++) free(b[i]);
  size_t big = 20 * MiB;
  long before = minflt();
  unsigned char *p = malloc(big);
  CHECK(p != NULL, "malloc(20 MiB)");
  CHECK(malloc_usable_size(p) >= big, "usable %zu < %zu", malloc_usable_size(p), big);
  for (size_t off = 0; off < big; off += 4096) p[off + 8] = (unsigned char)(off >> 12);
  pat_fill(p, big, 1);
  long faults = minflt() - before;
  long fresh = (long)(big / 4096);
  NOTE("20 MiB block over freed 6+7+9 MiB: %ld page faults (fresh memory: %ld)", faults, fresh);
  if (on_brisk() && getenv("BRISK_HUGE_CACHE_KIB") == NULL)
    CHECK(faults < fresh / 4, "%ld faults writing a block that freed blocks could have made up", faults);
  verify(p, big, big, 1);

  /* 2. calloc over dirty pieces */
  unsigned char *q = malloc(5 * MiB);
  CHECK(q != NULL, "malloc(5 MiB)");
  memset(q, 0x5A, 5 * MiB);
  free(q);
  memset(p, 0x3C, big);
  free(p);
  size_t cz = 24 * MiB + 12345;
  unsigned char *c = calloc(1, cz);
  CHECK(c != NULL, "calloc(%zu)", cz);
  check_zero(c, cz);
  free(c);

  /* 3. random working set with contents */
  enum { LIVE = 20, OPS = 400 };
  unsigned char *v[LIVE] = {0};
  size_t len[LIVE] = {0};
  uint64_t seed[LIVE] = {0};
  for (uint64_t op = 0; op < OPS; op++) {
    int k = (int)(next() % LIVE);
    if (v[k] != NULL) {
      verify(v[k], len[k], len[k], seed[k]);
      if (next() % 8 == 0) { /* realloc: contents kept up to the smaller size */
        size_t m = 2 * MiB + next() % (23 * MiB);
        unsigned char *r = realloc(v[k], m);
        CHECK(r != NULL, "realloc(%zu)", m);
        verify(r, len[k], m < len[k] ? m : len[k], seed[k]);
        v[k] = r;
        len[k] = m;
        seed[k] = op + 1000;
        pat_fill(r, m, seed[k]);
        continue;
      }
      memset(v[k], 0xEE, len[k]); /* dirty when freed */
      free(v[k]);
    }
    size_t n = 2 * MiB + next() % (23 * MiB);
    if (next() % 4 == 0) {
      v[k] = calloc(n, 1);
      CHECK(v[k] != NULL, "calloc(%zu)", n);
      check_zero(v[k], n);
    } else {
      v[k] = malloc(n);
      CHECK(v[k] != NULL, "malloc(%zu)", n);
    }
    len[k] = n;
    seed[k] = op;
    pat_fill(v[k], n, op);
  }
  for (int k = 0; k < LIVE; k++) {
    if (v[k] == NULL) continue;
    verify(v[k], len[k], len[k], seed[k]);
    free(v[k]);
  }
  puts("ok");
  return 0;
}
