/* SPDX-License-Identifier: MIT */
/* unit_purge — the purge policy (core/purge.c) against an injected clock.
 *
 * Large blocks of 256 KiB (four slices) with live neighbours, so that each
 * freed one stays a span of its own: a freed span is dirty (dirty_bytes,
 * free_since, purge_due_ms = free time + purge_delay_ms); PURGE_EXPIRED
 * purges nothing before purge_delay_ms and exactly the expired spans after
 * (their memory reads zero, they are clean, purge_due_ms moves to the next
 * expiry or 0); brisk_purge_tick reads the clock once per 16 calls and
 * purges when due; PURGE_OVER_LIMIT purges the oldest spans first until
 * 3/4 of dirty_max_kib is left (halving age thresholds), and is run at once
 * by a free that passes the limit (purge_due_ms == 1) or by the next
 * brisk_purge_tick; PURGE_ALL purges everything; expired empty segments
 * beyond the first are released; calloc and brisk_large_alloc's *zeroed
 * follow the spans' dirty state.
 */
#include <string.h>

#include "brisk.h"
#include "unit.h"

#define KiB ((size_t)1024)
#define BLK (256 * KiB)
enum { NK = 11 };

static uint64_t fake_now = 1000000;
static uint64_t fake_clock(void) { return fake_now; }

static heap_t *h;
static uint8_t *K[NK]; /* K[even] stay allocated, K[odd] come and go */

static page_t *span_of(const void *p) { return page_of(segment_of_ptr(p), p); }

static bool all_zero(const void *p, size_t n) {
  const uint64_t *w = p;
  for (size_t i = 0; i < n / 8; i++)
    if (w[i] != 0) return false;
  return true;
}

static void is_dirty(int i, bool want) {
  page_t *s = span_of(K[i]);
  UCHECK(s->kind == SPAN_FREE && page_area(s) == K[i] && s->slice_count == 4,
         "K%d: kind %u count %u (a span of its own expected)", i, s->kind, s->slice_count);
  UCHECK(s->dirty == want, "K%d: dirty %u, want %d", i, s->dirty, want);
  if (!want) UCHECK(all_zero(K[i], BLK), "K%d purged but does not read zero", i);
}

/* Re-allocate the odd holes (all clean): each comes back reading zero. */
static void refill_odd(void) {
  for (int n = 0; n < NK / 2; n++) {
    uint8_t *p = brisk_malloc(BLK);
    int i = 1;
    while (i < NK && K[i] != p) i += 2;
    UCHECK(i < NK, "256 KiB block %p not from an odd hole", (void *)p);
    UCHECK(all_zero(p, BLK), "K%d reused after a purge, not zero", i);
    memset(p, 0xcd, BLK);
  }
  UCHECK(h->dirty_bytes == 0, "dirty %zu after refill", h->dirty_bytes);
}

/* Free the odd blocks K9, K7, ..., K1 (highest address first), `step` ms
 * apart; the clock reading of each free is refreshed by an expired-only
 * purge (which purges nothing while all are younger than the delay). */
static void free_odd_staggered(uint64_t step) {
  for (int i = NK - 2; i >= 1; i -= 2) {
    brisk_purge_heap(h, PURGE_EXPIRED);
    brisk_free(K[i]);
    if (i > 1) fake_now += step;
  }
}

int main(void) {
  brisk_os_clock_hook = fake_clock;
  h = brisk_heap_get_or_init();
  UCHECK(h != NULL && h != &brisk_heap_empty, "no heap");
  const uint64_t delay = (uint64_t)brisk_options.purge_delay_ms;
  UCHECK(delay >= 40, "purge_delay_ms %lu too small for this test", (unsigned long)delay);
  const long saved_max = brisk_options.dirty_max_kib;

  for (int i = 0; i < NK; i++) K[i] = brisk_malloc(BLK);
  for (int i = 0; i < NK; i++) {
    UCHECK(segment_of_ptr(K[i]) == segment_of_ptr(K[0]), "K%d in another segment", i);
    UCHECK(i == 0 || K[i] == K[i - 1] + BLK, "K%d not after K%d", i, i - 1);
    memset(K[i], 0xcd, BLK);
  }
  UCHECK(h->dirty_bytes == 0 && h->purge_due_ms == 0, "fresh segment: dirty %zu due %lu",
         h->dirty_bytes, (unsigned long)h->purge_due_ms);

  /* ---- A: nothing before the delay, everything expired after */
  uint64_t t0 = fake_now;
  brisk_free(K[1]);
  brisk_free(K[3]);
  UCHECK(h->dirty_bytes == 2 * BLK, "dirty %zu after two frees", h->dirty_bytes);
  UCHECK(h->purge_due_ms == t0 + delay, "due %lu, want %lu", (unsigned long)h->purge_due_ms,
         (unsigned long)(t0 + delay));
  UCHECK(span_of(K[1])->free_since == (uint32_t)t0, "free_since %u", span_of(K[1])->free_since);
  is_dirty(1, true);
  is_dirty(3, true);
  fake_now = t0 + delay - 1;
  UCHECK(brisk_purge_heap(h, PURGE_EXPIRED) == 0, "purged before the delay");
  UCHECK(h->dirty_bytes == 2 * BLK && h->purge_due_ms == t0 + delay, "dirty %zu due %lu",
         h->dirty_bytes, (unsigned long)h->purge_due_ms);
  size_t clean_before = h->clean_bytes;
  fake_now = t0 + delay;
  UCHECK(brisk_purge_heap(h, PURGE_EXPIRED) == 2 * BLK, "expired spans not purged");
  UCHECK(h->dirty_bytes == 0 && h->clean_bytes == clean_before + 2 * BLK && h->purge_due_ms == 0,
         "after purge: dirty %zu clean %zu due %lu", h->dirty_bytes, h->clean_bytes,
         (unsigned long)h->purge_due_ms);
  is_dirty(1, false);
  is_dirty(3, false);
  /* a block from a purged span is reported zeroed */
  bool zeroed = false;
  void *z = brisk_large_alloc(h, BLK, &zeroed);
  UCHECK(z == K[1] || z == K[3], "best fit did not take a 4-slice hole");
  UCHECK(zeroed, "block from a purged span not reported zeroed");
  brisk_span_free(h, span_of(z)); /* dirty again, not yet due */
  brisk_purge_heap(h, PURGE_ALL);
  brisk_check_heap(h);

  /* ---- B: staggered frees expire one after the other */
  uint64_t t1 = ++fake_now;
  brisk_free(K[5]);
  UCHECK(h->purge_due_ms == t1 + delay, "due %lu", (unsigned long)h->purge_due_ms);
  fake_now = t1 + 30;
  UCHECK(brisk_purge_heap(h, PURGE_EXPIRED) == 0, "K5 purged at 30 ms");
  UCHECK(h->purge_due_ms == t1 + delay, "due moved to %lu", (unsigned long)h->purge_due_ms);
  brisk_free(K[7]); /* dated by the last clock reading: t1 + 30 */
  UCHECK(span_of(K[7])->free_since == (uint32_t)(t1 + 30), "K7 free_since %u",
         span_of(K[7])->free_since);
  fake_now = t1 + delay + 5;
  UCHECK(brisk_purge_heap(h, PURGE_EXPIRED) == BLK, "not exactly K5 purged");
  is_dirty(5, false);
  is_dirty(7, true);
  UCHECK(h->purge_due_ms == t1 + 30 + delay, "next due %lu, want K7's expiry %lu",
         (unsigned long)h->purge_due_ms, (unsigned long)(t1 + 30 + delay));
  fake_now = t1 + 30 + delay;
  UCHECK(brisk_purge_heap(h, PURGE_EXPIRED) == BLK && h->dirty_bytes == 0 && h->purge_due_ms == 0,
         "K7 not purged at its expiry");
  is_dirty(7, false);

  /* ---- C: brisk_purge_tick, one clock read per 16 calls */
  uint64_t t2 = ++fake_now;
  brisk_free(K[9]);
  fake_now = t2 + delay - 1;
  for (int n = 0; n < 48; n++) brisk_purge_tick(h);
  UCHECK(h->dirty_bytes == BLK, "tick purged before the span expired");
  fake_now = t2 + delay;
  int calls = 0;
  while (h->dirty_bytes != 0 && calls < 100) {
    brisk_purge_tick(h);
    calls++;
  }
  UCHECK(calls >= 1 && calls <= 16, "tick needed %d calls to purge", calls);
  UCHECK(h->purge_due_ms == 0, "due %lu after the tick purge", (unsigned long)h->purge_due_ms);
  is_dirty(9, false);
  for (int n = 0; n < 32; n++) brisk_purge_tick(h); /* nothing due: no effect */
  /* the next span: since the last clock reading, exactly 16 calls */
  z = brisk_large_alloc(h, BLK, &zeroed);
  UCHECK(z != NULL && zeroed, "4-slice hole");
  memset(z, 0xee, BLK);
  brisk_span_free(h, span_of(z));
  UCHECK(h->purge_due_ms == fake_now + delay, "due %lu", (unsigned long)h->purge_due_ms);
  fake_now += delay;
  calls = 0;
  while (h->dirty_bytes != 0 && calls < 100) {
    brisk_purge_tick(h);
    calls++;
  }
  UCHECK(calls == 16, "tick read the clock after %d calls, want 16", calls);
  brisk_check_heap(h);

  /* ---- D: over the limit, the oldest go first, down to 3/4 of it */
  refill_odd();
  uint64_t t3 = ++fake_now;
  free_odd_staggered(10); /* K9 at t3, K7 +10, K5 +20, K3 +30, K1 +40 */
  UCHECK(fake_now == t3 + 40 && h->dirty_bytes == 5 * BLK, "dirty %zu", h->dirty_bytes);
  brisk_options.dirty_max_kib = 1024; /* 1 MiB: target 768 KiB */
  size_t got = brisk_purge_heap(h, PURGE_OVER_LIMIT);
  UCHECK(got == 2 * BLK && h->dirty_bytes == 3 * BLK, "over limit: purged %zu, dirty %zu", got,
         h->dirty_bytes);
  is_dirty(9, false);
  is_dirty(7, false);
  is_dirty(5, true);
  is_dirty(3, true);
  is_dirty(1, true);
  UCHECK(h->purge_due_ms == t3 + 20 + delay, "due %lu, want K5's expiry %lu",
         (unsigned long)h->purge_due_ms, (unsigned long)(t3 + 20 + delay));
  brisk_options.dirty_max_kib = 640; /* target 480 KiB: K5 then K3, K1 stays */
  got = brisk_purge_heap(h, PURGE_OVER_LIMIT);
  UCHECK(got == 2 * BLK && h->dirty_bytes == BLK, "over 640 KiB: purged %zu, dirty %zu", got,
         h->dirty_bytes);
  is_dirty(5, false);
  is_dirty(3, false);
  is_dirty(1, true);
  brisk_options.dirty_max_kib = 0; /* everything, even what was freed just now */
  UCHECK(brisk_purge_heap(h, PURGE_OVER_LIMIT) == BLK && h->dirty_bytes == 0, "limit 0");
  is_dirty(1, false);
  brisk_options.dirty_max_kib = saved_max;
  brisk_check_heap(h);

  /* ---- E: a free that passes the limit purges at once */
  refill_odd();
  brisk_options.dirty_max_kib = 1024;
  uint64_t t4 = ++fake_now;
  free_odd_staggered(10);
  UCHECK(h->dirty_bytes == 3 * BLK && h->purge_due_ms != 1, "after passing the limit: dirty %zu due %lu",
         h->dirty_bytes, (unsigned long)h->purge_due_ms);
  is_dirty(9, false);
  is_dirty(7, false);
  is_dirty(1, true);
  UCHECK(h->purge_due_ms == t4 + 20 + delay, "due %lu", (unsigned long)h->purge_due_ms);

  /* ---- F: purge_due_ms == 1 makes the next tick run the over-limit purge */
  z = brisk_large_alloc(h, 2 * BLK, &zeroed); /* from the free tail of the segment */
  UCHECK(z != NULL && (uint8_t *)z >= K[NK - 1] + BLK, "512 KiB not from the tail");
  brisk_span_free(h, span_of(z)); /* no purge_after_free here */
  UCHECK(h->purge_due_ms == 1 && h->dirty_bytes > 1024 * KiB, "due %lu dirty %zu",
         (unsigned long)h->purge_due_ms, h->dirty_bytes);
  brisk_purge_tick(h);
  UCHECK(h->purge_due_ms != 1 && h->dirty_bytes <= 768 * KiB, "tick: due %lu dirty %zu",
         (unsigned long)h->purge_due_ms, h->dirty_bytes);
  brisk_options.dirty_max_kib = saved_max;
  brisk_check_heap(h);

  /* ---- G: PURGE_ALL, whatever the age; calloc over dirty spans */
  brisk_purge_heap(h, PURGE_ALL);
  refill_odd();
  for (int i = 1; i < NK; i += 2) brisk_free(K[i]);
  UCHECK(h->dirty_bytes >= 5 * BLK, "dirty %zu", h->dirty_bytes);
  uint8_t *c = brisk_calloc(1, BLK); /* a dirty hole, cleared */
  UCHECK(c != NULL && all_zero(c, BLK), "calloc over a dirty span not zero");
  z = brisk_large_alloc(h, BLK, &zeroed);
  UCHECK(z != NULL && !zeroed, "block from a dirty span reported zeroed");
  brisk_span_free(h, span_of(z));
  brisk_free(c);
  size_t dirty = h->dirty_bytes;
  UCHECK(brisk_purge_heap(h, PURGE_ALL) == dirty && h->dirty_bytes == 0 && h->purge_due_ms == 0,
         "PURGE_ALL left %zu dirty", h->dirty_bytes);
  for (int i = 1; i < NK; i += 2) is_dirty(i, false);
  brisk_check_heap(h);

  /* ---- H: expired empty segments beyond the first are released */
  void *seg_blocks[3];
  for (int i = 0; i < 3; i++) seg_blocks[i] = brisk_malloc(2 * 1024 * KiB); /* one per segment */
  uint64_t segs = brisk_segment_count();
  uint64_t t5 = ++fake_now;
  for (int i = 0; i < 3; i++) brisk_free(seg_blocks[i]);
  UCHECK(h->empty_segments == 3, "empty segments %u", h->empty_segments);
  fake_now = t5 + delay - 1;
  UCHECK(brisk_purge_heap(h, PURGE_EXPIRED) == 0 && h->empty_segments == 3, "released early");
  fake_now = t5 + delay;
  brisk_purge_heap(h, PURGE_EXPIRED);
  UCHECK(h->empty_segments == 1 && h->dirty_bytes == 0, "after expiry: %u empty, %zu dirty",
         h->empty_segments, h->dirty_bytes);
  UCHECK(brisk_segment_count() == segs - 2 || brisk_segment_cached_bytes() > 0,
         "released segments neither unmapped nor cached");
  brisk_check_heap(h);

  for (int i = 0; i < NK; i += 2) brisk_free(K[i]);
  brisk_purge_heap(h, PURGE_ALL);
  brisk_check_heap(h);
  brisk_os_clock_hook = NULL;
  return 0;
}
