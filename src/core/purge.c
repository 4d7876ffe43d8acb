/* SPDX-License-Identifier: MIT */
/* core/purge.c — the purge policy over a heap's free spans and empty
 * segments.
 *
 * Policy: a free span stays committed (dirty) for purge_delay_ms so that
 * a program that frees and allocates again pays no page faults; then it is
 * purged (MADV_DONTNEED through the heap's source).  Beyond dirty_max_kib
 * of dirty memory per heap, the oldest spans go first until 3/4 of the
 * limit is left.  A heap keeps at most options_empty_segments_max() empty
 * segments (half the dirty limit's worth); expired ones beyond the first
 * are released whole.
 * Invariant kept: a span is marked clean only after its purge succeeded.
 * Thread ownership: the owner heap's thread only; no locks.
 */
#include "core/purge.h"
#include "core/options.h"
#include "core/segment.h"
#include "core/source.h"
#include "core/span.h"
#include "os/os.h"

/* Release empty segment seg whose one free span is `span`. */
static size_t release_empty(heap_t *heap, segment_t *seg, page_t *span) {
  bool dirty = span->dirty;
  brisk_span_unbin(heap, span);
  brisk_segment_release(heap, seg, dirty);
  return BRISK_SEGMENT_SIZE;
}

/* One pass over heap's free spans: purge the dirty ones free for at least
 * `min_age` ms while dirty_bytes > `floor`; release expired empty segments
 * beyond the first.  Returns bytes purged; *due receives the earliest time
 * a span still dirty expires.  Stops at the first purge the kernel refuses
 * (*failed set): that span stays dirty and is dated anew, so that locked
 * memory costs one refused call per pass, not one per span. */
static size_t purge_pass(heap_t *heap, uint64_t now, uint64_t min_age, size_t floor, uint64_t *due,
                         bool *failed) {
  uint64_t delay = (uint64_t)brisk_options.purge_delay_ms;
  size_t purged = 0;
  bool kept_empty = false;
  segment_t *next;
  for (segment_t *seg = heap->segments; seg != NULL && heap->dirty_bytes > floor; seg = next) {
    next = seg->next;
    for (uint32_t i = 1; i < BRISK_SLICES_PER_SEGMENT; i += seg->pages[i].slice_count) {
      page_t *span = &seg->pages[i];
      if (span->kind != SPAN_FREE || !span->dirty) continue;
      uint32_t elapsed = (uint32_t)now - span->free_since;
      bool expired = elapsed >= min_age;
      if (expired && seg->used_slices == 0 && kept_empty) {
        purged += release_empty(heap, seg, span);
        break;
      }
      if (seg->used_slices == 0) kept_empty = true;
      if (expired && heap->dirty_bytes > floor) {
        size_t bytes = (size_t)span->slice_count << BRISK_SLICE_SHIFT;
        if (source_purge(heap->source, page_area(span), bytes) == bytes) {
          brisk_span_mark_clean(heap, span);
          purged += bytes;
        } else {
          span->free_since = (uint32_t)now;
          *failed = true;
          if (*due == 0 || now + delay < *due) *due = now + delay;
          return purged;
        }
      } else if (elapsed < delay && (*due == 0 || now + (delay - elapsed) < *due)) {
        *due = now + (delay - elapsed);
      }
    }
  }
  return purged;
}

/* Purge the oldest dirty spans first (halving the age threshold from
 * `age`) until dirty_bytes <= target. */
static size_t purge_oldest(heap_t *heap, uint64_t now, uint64_t age, size_t target, uint64_t *due,
                           bool *failed) {
  size_t purged = 0;
  for (; !*failed && heap->dirty_bytes > target; age /= 2) {
    *due = 0;
    purged += purge_pass(heap, now, age, target, due, failed);
    if (age == 0) break;
  }
  return purged;
}

/* mode: PURGE_* or PURGE_DOWN_TO (down to `keep` dirty bytes). */
enum { PURGE_DOWN_TO = PURGE_ALL + 1 };

static size_t purge(heap_t *heap, int mode, size_t keep) {
  uint64_t now = brisk_os_now_ms();
  heap->now_ms = now;
  uint64_t delay = (uint64_t)brisk_options.purge_delay_ms;
  uint64_t due = 0;
  bool failed = false;
  size_t purged;
  if (mode == PURGE_ALL) {
    purged = purge_pass(heap, now, 0, 0, &due, &failed);
  } else if (mode == PURGE_DOWN_TO) {
    purged = purge_oldest(heap, now, delay, keep, &due, &failed);
  } else {
    purged = purge_pass(heap, now, delay, 0, &due, &failed);
    /* over the limit: the oldest until under 3/4 of the limit */
    if (mode == PURGE_OVER_LIMIT)
      purged += purge_oldest(heap, now, delay / 2, (size_t)brisk_options.dirty_max_kib * 768, &due, &failed);
  }
  heap->purge_due_ms = heap->dirty_bytes > 0 ? (due != 0 ? due : now + delay) : 0;
  return purged;
}

size_t brisk_purge_heap(heap_t *heap, int mode) { return purge(heap, mode, 0); }

size_t brisk_purge_down_to(heap_t *heap, size_t keep) { return purge(heap, PURGE_DOWN_TO, keep); }

void brisk_purge_tick(heap_t *heap) {
  if (heap->purge_due_ms == 0) return;
  if (heap->purge_due_ms == 1) {
    brisk_purge_heap(heap, PURGE_OVER_LIMIT);
    return;
  }
  if ((++heap->slow_ticks & 15) != 0) return; /* one clock read per 16 calls */
  heap->now_ms = brisk_os_now_ms();
  if (heap->now_ms >= heap->purge_due_ms) brisk_purge_heap(heap, PURGE_EXPIRED);
}

size_t brisk_purge_spare_segments(heap_t *heap) {
  size_t bytes = 0;
  segment_t *next;
  for (segment_t *seg = heap->segments; seg != NULL; seg = next) {
    next = seg->next;
    if (seg->used_slices == 0) bytes += release_empty(heap, seg, &seg->pages[1]);
  }
  return bytes;
}
