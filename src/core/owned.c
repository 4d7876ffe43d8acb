/* SPDX-License-Identifier: MIT */
/* core/owned.c — heaps that can be destroyed (core/owned.h has the thread
 * rules and why destroying is safe).
 *
 * Invariants:
 *  - an owned heap's huge blocks are exactly those on its huge_list (each
 *    with owner == the heap), except while core/huge.c resizes one (off
 *    the list across the mremap) — a free of that block cannot run then;
 *  - huge_lock is held only for the few stores of a list update, never
 *    across a system call;
 *  - after a reset or destroy the heap has no live block and no huge
 *    block, and its counters say every block it handed out was freed; a
 *    reset heap keeps up to BRISK_EMPTY_SEGMENTS_MAX of its segments as
 *    empty dirty segments (the purge policy returns their pages), a
 *    destroyed one none.
 */
#include <errno.h>
#include <string.h>

#include "core/heap.h"
#include "core/heaplist.h"
#include "core/huge.h"
#include "core/owned.h"
#include "core/page.h"
#include "core/segmap.h"
#include "core/segment.h"
#include "core/span.h"
#include "observe/event.h"

/* ------------------------------------------------------------ huge list */

static void lock(heap_t *h) {
  while (__atomic_exchange_n(&h->huge_lock, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&h->huge_lock, __ATOMIC_RELAXED)) cpu_relax();
}
static void unlock(heap_t *h) { __atomic_store_n(&h->huge_lock, 0, __ATOMIC_RELEASE); }

void brisk_owned_huge_add(heap_t *h, huge_t *hh) {
  lock(h);
  hh->owner = h;
  hh->oprev = NULL;
  hh->onext = h->huge_list;
  if (hh->onext != NULL) hh->onext->oprev = hh;
  h->huge_list = hh;
  unlock(h);
}

void brisk_owned_huge_link(heap_t *h, void *block) {
  brisk_owned_huge_add(h, (huge_t *)SEGMAP_PTR(brisk_segmap_get((uintptr_t)block)));
}

void brisk_owned_huge_unlink(huge_t *hh) {
  heap_t *h = hh->owner;
  lock(h);
  if (hh->oprev != NULL)
    hh->oprev->onext = hh->onext;
  else
    h->huge_list = hh->onext;
  if (hh->onext != NULL) hh->onext->oprev = hh->oprev;
  hh->owner = NULL;
  hh->onext = hh->oprev = NULL;
  unlock(h);
}

void brisk_owned_atfork_child(void) {
  for (heap_t *h = brisk_heaplist_first(); h != NULL; h = h->all_next)
    if (h->kind != HEAP_THREAD) h->huge_lock = 0;
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
  lock(h);
  for (huge_t *hh = h->huge_list; hh != NULL; hh = hh->onext) {
    c->huge_blocks++;
    c->live_blocks++;
    c->live_bytes += brisk_huge_usable(hh, hh->block);
    c->mapped_bytes += hh->map_size;
  }
  unlock(h);
}

/* ------------------------------------------------------------ life cycle */

/* Free every block of h: count the live ones as freed, free the huge
 * blocks, and reset every field but the counters and the registry link.
 * Returns h's former segment list (all their spans dead), unlinked. */
static segment_t *drop_all(heap_t *h) {
  owned_census_t c = {0};
  brisk_page_collect_all(h, true);
  census_segments(h, &c);
  lock(h);
  huge_t *list = h->huge_list;
  h->huge_list = NULL;
  unlock(h);
  while (list != NULL) {
    huge_t *next = list->onext;
    list->owner = NULL;
    list->onext = list->oprev = NULL;
    c.live_blocks++;
    c.live_bytes += brisk_huge_usable(list, list->block);
    brisk_huge_free(list, list->block);
    list = next;
  }
  STAT_ADD(h->stats.free_calls, c.live_blocks);
  STAT_ADD(h->stats.freed_bytes, c.live_bytes);
  brisk_event_peak(h, true);
  segment_t *segs = h->segments;
  heap_stats_t keep = h->stats;
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
  settle_segments(h, segs, BRISK_EMPTY_SEGMENTS_MAX); /* the next cycle's memory */
}

void brisk_owned_destroy(heap_t *h) {
  segment_t *segs = drop_all(h);
  brisk_heap_setup(h, HEAP_DEAD); /* empty direct slots: any use reaches the slow path */
  settle_segments(h, segs, 0);
  brisk_heaplist_retire(h);
}
