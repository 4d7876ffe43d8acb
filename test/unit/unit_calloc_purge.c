/* SPDX-License-Identifier: MIT */
/* unit_calloc_purge — a purge that fails leaves the memory dirty.
 *
 * The calling thread's heap gets, for a while, a memory source whose map,
 * unmap and protect forward to the OS seam and whose purge fails (returns
 * 0, touching nothing).  Then: PURGE_ALL purges nothing, the span stays
 * dirty (dirty_bytes unchanged, re-dated, purge rescheduled), and a large
 * block allocated from it is reported not zeroed (brisk_large_alloc's
 * *zeroed false) and still holds the old bytes, so calloc from it must and
 * does clear it; a refused purge costs one call per pass, not one per span
 * (PURGE_ALL, PURGE_EXPIRED, PURGE_OVER_LIMIT, which also stops instead of
 * looping); an empty segment whose purge fails is unmapped, never put in
 * the global segment cache (whose segments must read zero).  With the
 * source restored the same spans purge and read zero.
 */
#include <string.h>

#include "brisk.h"
#include "unit.h"

#define KiB ((size_t)1024)
#define BLK (256 * KiB)

static uint64_t fake_now = 5000000;
static uint64_t fake_clock(void) { return fake_now; }

static unsigned purge_calls, map_calls, unmap_calls;

static void *fwd_map(void *ctx, size_t size, size_t align) {
  (void)ctx;
  map_calls++;
  return brisk_os_map_aligned(size, align);
}
static void fwd_unmap(void *ctx, void *p, size_t size) {
  (void)ctx;
  unmap_calls++;
  brisk_os_unmap(p, size);
}
static size_t failing_purge(void *ctx, void *p, size_t size) {
  (void)ctx, (void)p, (void)size;
  purge_calls++;
  return 0; /* refused: contents unchanged */
}
static int fwd_protect(void *ctx, void *p, size_t size, bool accessible) {
  (void)ctx;
  return brisk_os_protect(p, size, accessible);
}

static const brisk_source_t failing_source = {
    .map = fwd_map,
    .unmap = fwd_unmap,
    .purge = failing_purge,
    .protect = fwd_protect,
    .ctx = NULL,
    .shares_cache = true,
};

static page_t *span_of(const void *p) { return page_of(segment_of_ptr(p), p); }

static bool all_zero(const void *p, size_t n) {
  const uint64_t *w = p;
  for (size_t i = 0; i < n / 8; i++)
    if (w[i] != 0) return false;
  return true;
}

static bool all_byte(const void *p, size_t n, uint8_t v) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != v) return false;
  return true;
}

int main(void) {
  brisk_os_clock_hook = fake_clock;
  heap_t *h = brisk_heap_get_or_init();
  UCHECK(h != NULL && h != &brisk_heap_empty, "no heap");
  const brisk_source_t *saved_source = h->source;
  const uint64_t delay = (uint64_t)brisk_options.purge_delay_ms;

  /* K0 A K1 B K2: A and B become free spans of their own */
  uint8_t *k0 = brisk_malloc(BLK), *a = brisk_malloc(BLK), *k1 = brisk_malloc(BLK);
  uint8_t *b = brisk_malloc(BLK), *k2 = brisk_malloc(BLK);
  UCHECK(a == k0 + BLK && k1 == a + BLK && b == k1 + BLK && k2 == b + BLK, "blocks not consecutive");
  memset(a, 0xa5, BLK);
  memset(b, 0x5a, BLK);
  brisk_free(a);
  brisk_free(b);
  UCHECK(h->dirty_bytes == 2 * BLK, "dirty %zu", h->dirty_bytes);

  /* ---- PURGE_ALL with a failing source: nothing purged, one call */
  h->source = &failing_source;
  purge_calls = 0;
  fake_now += 7;
  size_t got = brisk_purge_heap(h, PURGE_ALL);
  UCHECK(got == 0 && h->dirty_bytes == 2 * BLK, "failed purge: purged %zu, dirty %zu", got, h->dirty_bytes);
  UCHECK(purge_calls == 1, "%u purge calls for one pass (want 1)", purge_calls);
  page_t *sa = span_of(a), *sb = span_of(b);
  UCHECK(sa->kind == SPAN_FREE && sa->dirty && sb->kind == SPAN_FREE && sb->dirty, "span marked clean");
  UCHECK(sa->free_since == (uint32_t)fake_now, "refused span not re-dated: %u", sa->free_since);
  UCHECK(h->purge_due_ms == fake_now + delay, "due %lu, want %lu", (unsigned long)h->purge_due_ms,
         (unsigned long)(fake_now + delay));
  brisk_check_heap(h);

  /* the span's block is not zeroed: old bytes still there */
  bool zeroed = true;
  uint8_t *x = brisk_large_alloc(h, BLK, &zeroed);
  UCHECK(x == a || x == b, "best fit missed the 4-slice holes: %p", (void *)x);
  UCHECK(!zeroed, "block of a span whose purge failed reported zeroed");
  /* (the first two words held the free mark while the block was free) */
  UCHECK(all_byte(x + 16, BLK - 16, x == a ? 0xa5 : 0x5a), "contents changed by a refused purge");
  brisk_span_free(h, span_of(x));
  /* calloc over it clears it */
  uint8_t *c = brisk_calloc(1, BLK);
  UCHECK(c == a || c == b, "calloc missed the holes");
  UCHECK(all_zero(c, BLK), "calloc after a failed purge not zero");
  brisk_free(c);
  brisk_check_heap(h);

  /* ---- PURGE_EXPIRED: one refused call, then nothing until re-due */
  fake_now += delay;
  purge_calls = 0;
  UCHECK(brisk_purge_heap(h, PURGE_EXPIRED) == 0 && purge_calls == 1, "expired: %u calls", purge_calls);
  UCHECK(h->dirty_bytes == 2 * BLK, "dirty %zu", h->dirty_bytes);

  /* ---- PURGE_OVER_LIMIT with a limit that cannot be met: stops */
  long saved_max = brisk_options.dirty_max_kib;
  brisk_options.dirty_max_kib = 0;
  purge_calls = 0;
  UCHECK(brisk_purge_heap(h, PURGE_OVER_LIMIT) == 0, "over limit purged with a failing source");
  UCHECK(purge_calls == 1 && h->dirty_bytes == 2 * BLK && h->purge_due_ms == fake_now + delay,
         "over limit: %u calls, dirty %zu, due %lu", purge_calls, h->dirty_bytes,
         (unsigned long)h->purge_due_ms);
  /* a free over the limit runs it at once: refused once, no loop */
  purge_calls = 0;
  brisk_free(k1); /* coalesces A, K1, B into one dirty span of 12 slices */
  UCHECK(purge_calls == 1 && h->purge_due_ms != 1, "free over the limit: %u calls, due %lu",
         purge_calls, (unsigned long)h->purge_due_ms);
  UCHECK(span_of(a)->slice_count == 12 && span_of(a)->dirty, "A+K1+B not one dirty span");
  brisk_options.dirty_max_kib = saved_max;
  brisk_check_heap(h);

  /* ---- an empty segment whose purge fails is unmapped, not cached */
  /* three 2 MiB blocks: one fills the first segment's tail, two get
   * segments of their own (mapped through the failing source) */
  uint8_t *s[3], *keep = NULL;
  map_calls = 0;
  for (int i = 0; i < 3; i++) s[i] = brisk_malloc(2048 * KiB);
  UCHECK(map_calls == 2, "%u segments mapped through the heap's source (want 2)", map_calls);
  uint64_t cached = brisk_segment_cached_bytes(), segs = brisk_segment_count();
  for (int i = 0; i < 3; i++) {
    memset(s[i], i + 1, 2048 * KiB);
    if (segment_of_ptr(s[i]) == segment_of_ptr(k0))
      keep = s[i];
    else
      brisk_free(s[i]);
  }
  UCHECK(keep != NULL, "no 2 MiB block in the first segment");
  UCHECK(h->empty_segments >= 2, "empty segments %u", h->empty_segments);
  unmap_calls = 0;
  purge_calls = 0;
  brisk_purge_spare_segments(h);
  UCHECK(h->empty_segments == 0, "empty segments %u after release", h->empty_segments);
  UCHECK(brisk_segment_cached_bytes() == cached, "a segment whose purge failed went to the cache");
  UCHECK(brisk_segment_count() == segs - 2 && unmap_calls == 2, "segments %lu (want %lu), unmaps %u",
         (unsigned long)brisk_segment_count(), (unsigned long)(segs - 2), unmap_calls);
  brisk_check_heap(h);

  /* ---- the source restored: the same span purges and reads zero */
  h->source = saved_source;
  got = brisk_purge_heap(h, PURGE_ALL);
  UCHECK(got == 12 * (BLK / 4) && h->dirty_bytes == 0, "restored: purged %zu, dirty %zu", got, h->dirty_bytes);
  UCHECK(all_zero(a, 3 * BLK), "purged span does not read zero");
  x = brisk_large_alloc(h, 3 * BLK, &zeroed);
  UCHECK(x == a && zeroed, "restored: %p zeroed %d", (void *)x, zeroed);
  brisk_span_free(h, span_of(x));

  brisk_free(keep);
  brisk_free(k0);
  brisk_free(k2);
  brisk_purge_heap(h, PURGE_ALL);
  brisk_check_heap(h);
  brisk_os_clock_hook = NULL;
  return 0;
}
