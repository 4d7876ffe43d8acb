/* SPDX-License-Identifier: MIT */
/* core/owned.c — heaps that can be destroyed (core/owned.h has the thread
 * rules and why destroying is safe).
 *
 * Invariants:
 *  - an owned heap's huge blocks are on its list in core/huge.c;
 *  - after a reset or destroy the heap has no live block and no huge
 *    block, and its counters say every block it handed out was freed; a
 *    reset heap keeps up to options_empty_segments_max() of its segments
 *    as empty dirty segments (the purge policy returns their pages), a
 *    destroyed one none.
 */
#include <errno.h>
#include <string.h>

#include "core/heap.h"
#include "core/heaplist.h"
#include "core/huge.h"
#include "core/options.h"
#include "core/owned.h"
#include "core/page.h"
#include "core/segment.h"
#include "core/span.h"
#include "observe/event.h"

void brisk_owned_atfork_child(void) {
  for (heap_t *h = brisk_heaplist_first(); h != NULL; h = h->all_next)
    if (h->kind != HEAP_THREAD) brisk_huge_owner_atfork(h);
}

/* ------------------------------------------------------------ census */

/* Live blocks and bytes in h's segments (pushed frees already collected). */
static void census_segments(heap_t *h, owned_census_t *c) {
  for (segment_t *seg = h->segments; seg != NULL; seg = seg->next) {
    c->segments++;
    c->mapped_bytes += BRISK_SEGMENT_SIZE;
    for (uint32_t i = 1; i < BRISK_SLICES_PER_SEGMENT;) {
      const page_t *span = &seg->pages[i];
      if (span->kind == SPAN_PAGE) {
        c->live_blocks += span->used;
        c->live_bytes += (size_t)span->used * span->block_size;
      } else if (span->kind == SPAN_LARGE) {
        c->live_blocks++;
        c->large_spans++;
        c->live_bytes += span->block_size;
      }
      i += span->slice_count ? span->slice_count : 1;
    }
  }
}

void brisk_owned_census(heap_t *h, owned_census_t *c) {
  *c = (owned_census_t){0};
  brisk_page_collect_all(h, false);
  census_segments(h, c);
  size_t usable = 0, mapped = 0;
  size_t n = brisk_huge_owner_census(h, &usable, &mapped);
  c->huge_blocks += n;
  c->live_blocks += n;
  c->live_bytes += usable;
  c->mapped_bytes += mapped;
}

/* ------------------------------------------------------------ life cycle */

/* Free every block of h: count the live ones as freed, free the huge
 * blocks, and reset every field but the counters and the registry link.
 * Returns h's former segment list (all their spans dead), unlinked. */
static segment_t *drop_all(heap_t *h) {
  owned_census_t c = {0};
  brisk_page_collect_all(h, true);
  census_segments(h, &c);
  size_t usable = 0;
  c.live_blocks += brisk_huge_owner_free_all(h, &usable);
  c.live_bytes += usable;
  STAT_ADD(h->stats.free_calls, c.live_blocks);
  STAT_ADD(h->stats.freed_bytes, c.live_bytes);
  brisk_event_peak(h, true);
  segment_t *segs = h->segments;
  heap_stats_t keep = h->stats;
  memset(keep.class_pages, 0, sizeof keep.class_pages); /* the pages are gone */
  keep.large_spans -= c.large_spans; /* dropped, counted as freed (other
                                       threads' frees of its blocks counted
                                       theirs: observe/event.h) */
  heap_t *all_next = h->all_next;
  memset(h, 0, sizeof *h);
  h->stats = keep;
  h->all_next = all_next;
  return segs;
}

/* Link seg (of a dropped list) to h again. */
static void relink(heap_t *h, segment_t *seg) {
  seg->prev = NULL;
  seg->next = h->segments;
  if (seg->next != NULL) seg->next->prev = seg;
  h->segments = seg;
}

/* The dropped segments: the first `keep` become empty segments of h
 * again (dirty, on the purge clock), the others go to the graveyard. */
static void settle_segments(heap_t *h, segment_t *segs, unsigned keep) {
  for (unsigned n = 0; segs != NULL; n++) {
    segment_t *next = segs->next;
    relink(h, segs);
    if (n < keep)
      brisk_span_reset_segment(h, segs);
    else
      brisk_segment_discard(h, segs);
    segs = next;
  }
}

heap_t *brisk_owned_new(void) {
  bool fresh;
  heap_t *h = brisk_heaplist_take_owned(&fresh);
  if (h == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  brisk_heap_setup(h, HEAP_OWNED);
  if (fresh) brisk_heaplist_publish(h);
  return h;
}

void brisk_owned_reset(heap_t *h) {
  segment_t *segs = drop_all(h);
  brisk_heap_setup(h, HEAP_OWNED);
  settle_segments(h, segs, options_empty_segments_max()); /* the next cycle's memory */
}

void brisk_owned_destroy(heap_t *h) {
  segment_t *segs = drop_all(h);
  brisk_heap_setup(h, HEAP_DEAD); /* empty direct slots: any use reaches the slow path */
  settle_segments(h, segs, 0);
  brisk_heaplist_retire(h);
}
