/* SPDX-License-Identifier: MIT */
/* unit_huge_cache — huge blocks (> BRISK_LARGE_MAX) and their reuse cache.
 *
 * With the clock frozen (brisk_os_clock_hook) so that nothing expires by
 * accident: a freed huge mapping is cached (brisk_huge_cached_bytes) and
 * handed out again for the same or a smaller size (same address, contents
 * not cleared, *zeroed false) and for a bigger one (grown: contents kept);
 * calloc over a reused mapping reads zero; a much bigger cached mapping is
 * split at a 4 MiB boundary and its tail cached as a mapping of its own
 * (registered in the segmap, not live), split again by the next request;
 * the cache keeps at most BRISK_HUGE_CACHE_ENTRIES mappings (oldest
 * evicted) and huge_cache_kib bytes or the peak of live huge bytes if more
 * (0: no cache);
 * entries expire after 10 x purge_delay_ms (brisk_huge_cache_trim(false),
 * next huge allocation); brisk_huge_cache_trim(true) empties it; aligned
 * huge blocks are reused only when aligned; realloc of huge blocks grows,
 * shrinks in place, moves down to a segment and back, keeping contents;
 * live count/bytes follow; a double free of a huge block (cached or
 * trimmed) and a free of an interior pointer abort (forked children,
 * SIGABRT, one "brisk: " line).
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brisk.h"
#include "unit.h"

#define MiB ((size_t)1 << 20)
#define PG ((size_t)BRISK_OS_PAGE)

static uint64_t fake_now = 1000000;
static uint64_t fake_clock(void) { return fake_now; }

static huge_t *hdr(const void *p) {
  uintptr_t e = brisk_segmap_get((uintptr_t)p);
  UCHECK(e & SEGMAP_HUGE, "%p is not in a huge mapping (entry %#lx)", p, (unsigned long)e);
  return (huge_t *)SEGMAP_PTR(e);
}

static void fill(void *p, size_t n, unsigned seed) {
  uint8_t *b = p;
  for (size_t i = 0; i < n; i += 512) b[i] = (uint8_t)(seed + i / 512);
  b[n - 1] = (uint8_t)seed;
}

static void expect_fill(const void *p, size_t n, unsigned seed, const char *what) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i += 512)
    UCHECK(b[i] == (uint8_t)(seed + i / 512), "%s: byte %zu is %u", what, i, b[i]);
}

static bool all_zero(const void *p, size_t n) {
  const uint64_t *w = p;
  for (size_t i = 0; i < n / 8; i++)
    if (w[i] != 0) return false;
  return true;
}

/* ---- children that must die of SIGABRT with a given stderr prefix */

static void dies_with(void (*fn)(void), const char *prefix) {
  FILE *f = tmpfile();
  UCHECK(f != NULL, "tmpfile");
  fflush(NULL);
  pid_t pid = fork();
  UCHECK(pid >= 0, "fork");
  if (pid == 0) {
    dup2(fileno(f), 2);
    fn();
    _exit(0);
  }
  int st;
  UCHECK(waitpid(pid, &st, 0) == pid, "waitpid");
  UCHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "child status %#x, want SIGABRT", st);
  char buf[256] = {0};
  UCHECK(pread(fileno(f), buf, sizeof buf - 1, 0) > 0, "child printed nothing");
  UCHECK(strncmp(buf, prefix, strlen(prefix)) == 0 && strchr(buf, '\n') == buf + strlen(buf) - 1,
         "child said \"%s\", want one line starting \"%s\"", buf, prefix);
  fclose(f);
}

static void double_free_cached(void) {
  void *p = brisk_malloc(3 * MiB);
  brisk_free(p);
  UCHECK(brisk_huge_cached_bytes() > 0, "not cached");
  brisk_free(p); /* the mapping sits in the cache: live is 0 */
}

static void double_free_trimmed(void) {
  void *p = brisk_malloc(3 * MiB);
  brisk_free(p);
  brisk_huge_cache_trim(true);
  brisk_free(p); /* unmapped: not brisk's any more */
}

static void free_interior(void) {
  uint8_t *p = brisk_malloc(3 * MiB);
  brisk_free(p + PG);
}

static void double_free_split_tail(void) {
  uint8_t *big = brisk_malloc(20 * MiB);
  brisk_free(big);
  void *a = brisk_malloc(3 * MiB); /* splits: the tail is cached */
  (void)a;
  brisk_free(big + 4 * MiB); /* the tail's block start, never handed out */
}

int main(void) {
  brisk_os_clock_hook = fake_clock;
  heap_t *heap = brisk_heap_get_or_init();
  UCHECK(heap != NULL && heap != &brisk_heap_empty, "no heap");
  UCHECK(brisk_huge_cached_bytes() == 0 && brisk_huge_live_count() == 0, "cache not empty at start");

  /* ---- a fresh huge block: layout and accounting */
  uint8_t *p = brisk_malloc(3 * MiB);
  UCHECK(p != NULL && !segbits_test((uintptr_t)p), "3 MiB not a huge block");
  huge_t *h = hdr(p);
  UCHECK(((uintptr_t)h & (BRISK_SEGMENT_SIZE - 1)) == 0 && p == (uint8_t *)h + PG, "layout %p %p",
         (void *)h, (void *)p);
  UCHECK(h->map_size == 3 * MiB + PG && brisk_usable_size(p) == 3 * MiB, "map %zu usable %zu",
         h->map_size, brisk_usable_size(p));
  UCHECK(brisk_huge_live_count() == 1 && brisk_huge_live_bytes() == 3 * MiB + PG, "live %lu/%lu",
         (unsigned long)brisk_huge_live_count(), (unsigned long)brisk_huge_live_bytes());
  fill(p, 3 * MiB, 1);
  brisk_free(p);
  UCHECK(brisk_huge_cached_bytes() == 3 * MiB + PG, "cached %zu", brisk_huge_cached_bytes());
  UCHECK(brisk_huge_live_count() == 0 && brisk_huge_live_bytes() == 0, "live after free");
  UCHECK(brisk_segmap_get((uintptr_t)p) == ((uintptr_t)h | SEGMAP_HUGE), "cached mapping unregistered");

  /* ---- same size: same mapping, contents as left */
  uint8_t *q = brisk_malloc(3 * MiB);
  UCHECK(q == p && brisk_huge_cached_bytes() == 0, "same size not reused: %p vs %p", (void *)q, (void *)p);
  expect_fill(q, 3 * MiB, 1, "reused block");
  brisk_free(q);

  /* ---- smaller: used as it is (at most 4 MiB too big) */
  q = brisk_malloc(2 * MiB + MiB / 2);
  UCHECK(q == p && brisk_usable_size(q) == 3 * MiB, "smaller: %p usable %zu", (void *)q,
         brisk_usable_size(q));
  brisk_free(q);
  q = brisk_malloc(2 * MiB + 1); /* the smallest huge request */
  UCHECK(q == p && brisk_huge_cached_bytes() == 0, "2 MiB + 1 not reused");
  brisk_free(q);

  /* ---- bigger: the cached mapping grows (in place or moved), pages kept */
  bool zeroed = true;
  uint8_t *s = brisk_huge_alloc(5 * MiB, 0, &zeroed);
  UCHECK(s != NULL && !zeroed, "bigger from the cache: zeroed %d", zeroed);
  UCHECK(brisk_huge_cached_bytes() == 0 && hdr(s)->map_size == 5 * MiB + PG, "grown map %zu",
         hdr(s)->map_size);
  expect_fill(s, 3 * MiB, 1, "grown block");
  memset(s, 0xab, 5 * MiB);
  brisk_huge_free(hdr(s), s);
  UCHECK(brisk_huge_cached_bytes() == 5 * MiB + PG, "cached %zu", brisk_huge_cached_bytes());

  /* ---- calloc over a dirty cached mapping reads zero */
  uint8_t *c = brisk_calloc(1, 5 * MiB);
  UCHECK(c == s && all_zero(c, 5 * MiB), "calloc from the cache: %p vs %p or not zero", (void *)c,
         (void *)s);
  brisk_free(c);
  UCHECK(brisk_huge_cache_trim(true) == 5 * MiB + PG && brisk_huge_cached_bytes() == 0, "trim(true)");
  /* and a fresh mapping says so */
  s = brisk_huge_alloc(5 * MiB, 0, &zeroed);
  UCHECK(s != NULL && zeroed, "fresh mapping not reported zeroed");
  brisk_huge_free(hdr(s), s);
  brisk_huge_cache_trim(true);

  /* ---- split: a much bigger cached mapping is cut at 4 MiB */
  uint8_t *big = brisk_malloc(20 * MiB);
  huge_t *bh = hdr(big);
  fill(big, 20 * MiB, 7);
  brisk_free(big);
  UCHECK(brisk_huge_cached_bytes() == 20 * MiB + PG, "cached %zu", brisk_huge_cached_bytes());
  uint8_t *a = brisk_malloc(3 * MiB);
  UCHECK(a == big && hdr(a) == bh && bh->map_size == 4 * MiB, "split head: %p map %zu", (void *)a,
         bh->map_size);
  UCHECK(brisk_usable_size(a) == 4 * MiB - PG, "head usable %zu", brisk_usable_size(a));
  UCHECK(brisk_huge_cached_bytes() == 16 * MiB + PG, "tail cached %zu", brisk_huge_cached_bytes());
  huge_t *tail = (huge_t *)((uint8_t *)bh + 4 * MiB);
  UCHECK(hdr((uint8_t *)tail + 5 * MiB) == tail && tail->magic == BRISK_HUGE_MAGIC &&
             atomic_load(&tail->live) == 0 && tail->map_size == 16 * MiB + PG,
         "tail header: magic %#x live %u map %zu", tail->magic, atomic_load(&tail->live),
         tail->map_size);
  UCHECK(hdr(a + 4 * MiB - PG - 1) == bh, "head's last byte not in the head");
  /* a second request splits the tail again */
  uint8_t *b = brisk_malloc(3 * MiB);
  UCHECK(b == (uint8_t *)tail + PG && tail->map_size == 4 * MiB, "second split: %p map %zu",
         (void *)b, tail->map_size);
  UCHECK(brisk_huge_cached_bytes() == 12 * MiB + PG, "cached %zu", brisk_huge_cached_bytes());
  expect_fill(b, 3 * MiB, 7 + (unsigned)(4 * MiB / 512), "split tail pages"); /* big's bytes from 4 MiB */
  /* a request that fits the rest (up to 4 MiB too big) takes it whole */
  uint8_t *rest = brisk_malloc(10 * MiB);
  UCHECK(rest == (uint8_t *)bh + 8 * MiB + PG && hdr(rest)->map_size == 12 * MiB + PG,
         "rest: %p map %zu", (void *)rest, hdr(rest)->map_size);
  UCHECK(brisk_huge_cached_bytes() == 0 && brisk_huge_live_count() == 3, "after three pieces");
  UCHECK(brisk_huge_live_bytes() == 20 * MiB + PG, "live bytes %lu", (unsigned long)brisk_huge_live_bytes());
  memset(a, 1, 3 * MiB);
  memset(b, 2, 3 * MiB);
  memset(rest, 3, 10 * MiB);
  brisk_free(b);
  UCHECK(a[3 * MiB - 1] == 1 && rest[0] == 3, "neighbours damaged by a piece's free");
  brisk_free(a);
  brisk_free(rest);
  UCHECK(brisk_huge_cached_bytes() == 20 * MiB + PG && brisk_huge_live_count() == 0, "pieces cached");
  UCHECK(brisk_huge_cache_trim(true) == 20 * MiB + PG, "trim pieces");
  UCHECK(brisk_segmap_get((uintptr_t)bh) == 0 && brisk_segmap_get((uintptr_t)bh + 10 * MiB) == 0,
         "trimmed mapping still registered");

  /* ---- at most BRISK_HUGE_CACHE_ENTRIES entries, the oldest goes */
  enum { N = BRISK_HUGE_CACHE_ENTRIES + 1 };
  void *v[N];
  for (int i = 0; i < N; i++) v[i] = brisk_malloc(3 * MiB);
  for (int i = 0; i < N; i++) {
    fake_now++;
    brisk_free(v[i]);
  }
  UCHECK(brisk_huge_cached_bytes() == BRISK_HUGE_CACHE_ENTRIES * (3 * MiB + PG), "cached %zu",
         brisk_huge_cached_bytes());
  UCHECK(brisk_segmap_get((uintptr_t)v[0]) == 0, "oldest entry not evicted");
  for (int i = 1; i < N; i++) UCHECK(brisk_segmap_get((uintptr_t)v[i]) & SEGMAP_HUGE, "entry %d lost", i);
  UCHECK(brisk_huge_cache_trim(true) == BRISK_HUGE_CACHE_ENTRIES * (3 * MiB + PG), "trim 16");

  /* ---- byte limit: huge_cache_kib, raised to the peak of live huge bytes;
   * 0 means no cache at all */
  long saved_kib = brisk_options.huge_cache_kib;
  brisk_options.huge_cache_kib = 0;
  UCHECK(brisk_huge_cache_limit() == 0, "limit %zu with huge_cache_kib 0", brisk_huge_cache_limit());
  void *none = brisk_malloc(3 * MiB);
  brisk_free(none);
  UCHECK(brisk_huge_cached_bytes() == 0 && brisk_segmap_get((uintptr_t)none) == 0,
         "cached with huge_cache_kib 0");
  brisk_options.huge_cache_kib = 8 * 1024;
  size_t limit = brisk_huge_cache_limit();
  UCHECK(limit >= 8 * MiB && limit >= brisk_huge_live_bytes(), "limit %zu", limit);
  void *w[4];
  size_t live0 = brisk_huge_live_bytes();
  for (int i = 0; i < 4; i++) w[i] = brisk_malloc(12 * MiB); /* raises the peak */
  UCHECK(brisk_huge_cache_limit() >= live0 + 4 * 12 * MiB, "peak did not raise the limit: %zu",
         brisk_huge_cache_limit());
  for (int i = 0; i < 4; i++) {
    fake_now++;
    brisk_free(w[i]);
  }
  UCHECK(brisk_huge_cached_bytes() == 4 * (12 * MiB + PG), "working set not cached: %zu",
         brisk_huge_cached_bytes());
  for (int i = 0; i < 4; i++) /* reused, no new mapping */
    UCHECK((w[i] = brisk_malloc(12 * MiB)) != NULL && brisk_huge_cached_bytes() == (size_t)(3 - i) * (12 * MiB + PG),
           "reuse %d: cached %zu", i, brisk_huge_cached_bytes());
  for (int i = 0; i < 4; i++) brisk_free(w[i]);
  brisk_huge_cache_trim(true);
  brisk_options.huge_cache_kib = saved_kib;

  /* ---- expiry after 10 x purge_delay_ms */
  uint64_t ttl = 10 * (uint64_t)brisk_options.purge_delay_ms;
  p = brisk_malloc(3 * MiB);
  brisk_free(p);
  fake_now += ttl - 1;
  UCHECK(brisk_huge_cache_trim(false) == 0 && brisk_huge_cached_bytes() == 3 * MiB + PG,
         "expired too early");
  fake_now += 1;
  UCHECK(brisk_huge_cache_trim(false) == 3 * MiB + PG && brisk_huge_cached_bytes() == 0,
         "not expired after the ttl");
  p = brisk_malloc(3 * MiB);
  brisk_free(p);
  fake_now += ttl;
  q = brisk_huge_alloc(3 * MiB, 0, &zeroed); /* the expired entry goes first */
  UCHECK(q != NULL && zeroed && brisk_huge_cached_bytes() == 0, "expired entry reused (zeroed %d)", zeroed);
  brisk_huge_free(hdr(q), q);
  brisk_huge_cache_trim(true);

  /* ---- aligned huge blocks */
  size_t al = 8 * MiB;
  uint8_t *x = brisk_aligned_alloc(al, 3 * MiB);
  UCHECK(x != NULL && ((uintptr_t)x & (al - 1)) == 0 && brisk_usable_size(x) >= 3 * MiB,
         "aligned huge %p", (void *)x);
  memset(x, 5, 3 * MiB);
  brisk_free(x);
  uint8_t *y = brisk_aligned_alloc(al, 3 * MiB);
  UCHECK(y == x, "aligned mapping not reused: %p vs %p", (void *)y, (void *)x);
  brisk_free(y);
  brisk_huge_cache_trim(true);

  /* ---- realloc: grow, shrink in place, down to a segment, back up */
  p = brisk_malloc(3 * MiB);
  fill(p, 3 * MiB, 3);
  uint8_t *p2 = brisk_realloc(p, 9 * MiB);
  UCHECK(p2 != NULL && brisk_usable_size(p2) >= 9 * MiB, "realloc grow");
  expect_fill(p2, 3 * MiB, 3, "realloc grow");
  UCHECK(brisk_huge_live_count() == 1 && brisk_huge_live_bytes() == hdr(p2)->map_size, "live after grow");
  fill(p2, 9 * MiB, 4);
  uint8_t *p3 = brisk_realloc(p2, 2 * MiB + MiB / 2);
  UCHECK(p3 == p2 && brisk_usable_size(p3) == 2 * MiB + MiB / 2, "realloc shrink: %p usable %zu",
         (void *)p3, brisk_usable_size(p3));
  expect_fill(p3, 2 * MiB + MiB / 2, 4, "realloc shrink");
  UCHECK(brisk_huge_live_bytes() == 2 * MiB + MiB / 2 + PG, "live bytes after shrink %lu",
         (unsigned long)brisk_huge_live_bytes());
  UCHECK(brisk_realloc(p3, 2 * MiB + MiB / 2) == p3, "realloc to the same size moved");
  uint8_t *p4 = brisk_realloc(p3, MiB);
  UCHECK(p4 != NULL && segbits_test((uintptr_t)p4), "realloc to 1 MiB stayed huge");
  expect_fill(p4, MiB, 4, "realloc down to a segment");
  UCHECK(brisk_huge_live_count() == 0 && brisk_huge_cached_bytes() == 2 * MiB + MiB / 2 + PG,
         "old huge mapping not cached");
  uint8_t *p5 = brisk_realloc(p4, 6 * MiB);
  UCHECK(p5 != NULL && !segbits_test((uintptr_t)p5) && brisk_usable_size(p5) >= 6 * MiB,
         "realloc back to huge");
  expect_fill(p5, MiB, 4, "realloc back up");
  brisk_free(p5);
  brisk_huge_cache_trim(true);
  UCHECK(brisk_huge_live_count() == 0 && brisk_huge_live_bytes() == 0 && brisk_huge_cached_bytes() == 0,
         "leftovers: live %lu cached %zu", (unsigned long)brisk_huge_live_count(),
         brisk_huge_cached_bytes());

  /* ---- misuse aborts */
  dies_with(double_free_cached, "brisk: double free (pointer 0x");
  dies_with(double_free_trimmed, "brisk: free(): invalid pointer (pointer 0x");
  dies_with(free_interior, "brisk: free(): invalid pointer (pointer 0x");
  dies_with(double_free_split_tail, "brisk: double free (pointer 0x");

  brisk_check_heap(heap);
  brisk_os_clock_hook = NULL;
  return 0;
}
