/* SPDX-License-Identifier: MIT */
/* core/page.c — pages of one size class: queues, carving, owner frees.
 *
 * Owns: the per-heap bin queues and full list, the direct table, lazy
 * carving of a page's area into blocks, owner-side collection of remote
 * frees (through core/remote.h), and retiring emptied pages to the span
 * allocator.
 *
 * Invariants (checked by core/check.c in the debug-full build):
 *  - a page with kind SPAN_PAGE is in exactly one list: its bin queue
 *    (flags without PAGE_IN_FULL) or heap->full (PAGE_IN_FULL);
 *  - heap->direct[w] is the class's foreign pseudo-page when the fast path
 *    takes from it (page_foreign_serves: from BRISK_FOREIGN_DIRECT_MIN
 *    blocks on, until it drains), else the first page of the queue of
 *    brisk_sizeclass_direct[w], or &brisk_page_empty when that queue is empty;
 *  - fast_limit and fast_limit_own follow flags and capacity
 *    (page_sync_fast after every change): nonzero only for a one-slice
 *    page with flags 0 (fast_limit: or PAGE_IN_FULL);
 *  - a page parked as full (XF_WANTED) is in heap->full; a remote free to
 *    it goes to heap->delayed instead, so the owner hears of it;
 *  - every block below capacity * block_size is either handed out or on
 *    `free`/xfree/a delayed or foreign list, and carries the free mark
 *    exactly while it is on a list;
 *  - a page is retired only when used == 0, which implies no block of it
 *    is outstanding anywhere, so no remote thread touches it; a meshed
 *    page (PAGE_MESHED) counts its withheld blocks in used, and is
 *    unmeshed when nothing else is (core/mesh.h) before it is retired.
 * Thread ownership: the heap owner's thread only.
 */
#include <string.h>

#include "core/page.h"
#include "observe/event.h"
#include "core/block.h"
#include "core/mesh.h"
#include "core/pageflags.h"
#include "core/purge.h"
#include "core/remote.h"
#include "core/rng.h"
#include "core/segmap.h"
#include "core/span.h"
#include "observe/output.h"
#include "safety/freezero.h"

/* The page with no free block that empty direct slots point at. */
page_t brisk_page_empty = {.flags = PAGE_NOT_SMALL, .kind = SPAN_META};

/* ------------------------------------------------------------------ queues */

static void queue_remove(page_queue_t *q, page_t *page) {
  if (page->prev)
    page->prev->next = page->next;
  else
    q->first = page->next;
  if (page->next)
    page->next->prev = page->prev;
  else
    q->last = page->prev;
  page->next = page->prev = NULL;
}

static void queue_push_front(page_queue_t *q, page_t *page) {
  page->prev = NULL;
  page->next = q->first;
  if (q->first)
    q->first->prev = page;
  else
    q->last = page;
  q->first = page;
}

static void queue_push_back(page_queue_t *q, page_t *page) {
  page->next = NULL;
  page->prev = q->last;
  if (q->last)
    q->last->next = page;
  else
    q->first = page;
  q->last = page;
}

/* The first page of q, which has a successor, to the back. */
static inline void queue_rotate(page_queue_t *q) {
  page_t *page = q->first, *next = page->next;
  q->first = next;
  next->prev = NULL;
  page->next = NULL;
  page->prev = q->last;
  q->last->next = page;
  q->last = page;
}

static ALWAYS_INLINE void page_update_direct(heap_t *heap, unsigned bin) {
  page_t *page = heap->queues[bin].first ? heap->queues[bin].first : &brisk_page_empty;
  /* a consumer's cache only stages batches for the transfer cache: its
   * mallocs must not hand back the blocks it was passed (core/alloc.c) */
  if (page_foreign_serves(heap, bin)) page = &heap->foreign[bin];
  page_direct_set(heap, bin, page);
}

void brisk_page_update_direct(heap_t *heap, unsigned bin) { page_update_direct(heap, bin); }

static void move_to_front(heap_t *heap, page_t *page) {
  page_queue_t *q = &heap->queues[page->bin];
  if (q->first == page) return;
  queue_remove(q, page);
  queue_push_front(q, page);
  brisk_page_update_direct(heap, page->bin);
}

/* ---------------------------------------------------------------- carving */

#define CARVE_MAX (BRISK_CARVE_BYTES / 16 > BRISK_CARVE_MIN_BLOCKS ? BRISK_CARVE_BYTES / 16 : BRISK_CARVE_MIN_BLOCKS)

/* Carve fresh blocks from the untouched part of the area onto `free`.
 * With BRISK_ZERO_CHECK they are zeroed first (a reused span holds old
 * words; safety/harden.c expects free blocks to read as zero), with
 * BRISK_RANDOM_ORDER they are linked in a random order.
 * Precondition: free == NULL and capacity < reserved. */
static void page_extend(heap_t *heap, page_t *page) {
  uint32_t bs = page->block_size;
  uint32_t n = BRISK_CARVE_BYTES / bs;
  if (n < BRISK_CARVE_MIN_BLOCKS) n = BRISK_CARVE_MIN_BLOCKS;
  uint32_t left = (uint32_t)page->reserved - page->capacity;
  if (n > left) n = left;
  uint8_t *start = page_area(page) + (size_t)page->capacity * bs;
  if (BRISK_ZERO_CHECK) memset(start, 0, (size_t)n * bs);
  uint16_t order[CARVE_MAX];
  for (uint32_t i = 0; i < n; i++) order[i] = (uint16_t)i;
  if (BRISK_RANDOM_ORDER) {
    for (uint32_t i = n; i > 1; i--) {
      uint32_t j = (uint32_t)(((rng_next(&heap->rng) >> 32) * i) >> 32); /* in [0, i) */
      uint16_t t = order[i - 1];
      order[i - 1] = order[j];
      order[j] = t;
    }
  }
  /* Carved blocks carry the free mark like freed ones, so freeing a block
   * that was never handed out is caught as well. */
  for (uint32_t i = n; i-- > 0;) {
    block_t *b = (block_t *)(start + (size_t)order[i] * bs);
    block_mark_free(b);
    block_push(&page->free, b);
  }
  __atomic_store_n(&page->capacity, (uint16_t)(page->capacity + n), __ATOMIC_RELAXED);
  page_sync_fast(page);
}

static page_t *page_new(heap_t *heap, unsigned bin) {
  uint32_t slices = brisk_sizeclass_slices(bin);
  page_t *page = brisk_span_alloc(heap, slices);
  if (page == NULL) return NULL;
  page->kind = SPAN_PAGE;
  page->bin = (uint8_t)bin;
  page->block_size = brisk_sizeclass_size[bin];
  page->free_step = EVENT_FREE_STEP(page->block_size);
  page->free_step_own = page->free_step;
  page->alloc_step = EVENT_ALLOC_STEP(page->block_size);
  page->capacity = 0;
  page->reserved = (uint16_t)((((size_t)slices << BRISK_SLICE_SHIFT) - SPAN_GUARD_BYTES) / page->block_size);
  page->magic32 = slices == 1 ? page_magic_for(page->block_size) : 0;
  page->magic32_own = page->magic32;
  page->free = NULL;
  page->used = 0;
  page->passed = 0;
  brisk_remote_page_reset(page);
  page_set_flags(page, slices > 1 ? PAGE_MULTI : 0);
  STAT_ADD(heap->stats.class_pages[bin], 1);
  queue_push_front(&heap->queues[bin], page);
  brisk_page_update_direct(heap, bin);
  return page;
}

/* Take the page's remote frees onto its free list; true if any came. */
static bool page_collect(page_t *page) {
  block_t *list = brisk_remote_collect(page);
  if (list == NULL) return false;
  if (page->free == NULL)
    page->free = list;
  else
    block_splice(&page->free, list); /* rare (thread exit, trim) */
  return true;
}

/* Move a page from its queue to the full list.  Returns false (and leaves
 * the page in its queue) if remote frees arrived meanwhile. */
static bool page_to_full(heap_t *heap, page_t *page) {
  if (!brisk_remote_park(page)) return false;
  page_queue_t *q = &heap->queues[page->bin];
  bool was_first = q->first == page;
  queue_remove(q, page);
  if (was_first) brisk_page_update_direct(heap, page->bin);
  page_set_flags(page, page->flags | PAGE_IN_FULL);
  queue_push_back(&heap->full, page);
  return true;
}

/* Back from the full list to the end of its queue: the page in front
 * keeps serving (no direct-slot update) and this one is found by the next
 * queue scan, by when more of its blocks may have come back. */
static void page_from_full(heap_t *heap, page_t *page) {
  queue_remove(&heap->full, page);
  page_set_flags(page, page->flags & (uint8_t)~PAGE_IN_FULL);
  brisk_remote_unpark(page);
  page_queue_t *q = &heap->queues[page->bin];
  bool was_empty = q->first == NULL;
  queue_push_back(q, page);
  if (was_empty) brisk_page_update_direct(heap, page->bin);
}

/* BRISK_ZERO_CHECK: every carved block of an empty page is free and reads
 * as zero past its link and mark (safety/freezero.h).
 * Checked before the page's memory goes back to the span pool, where a
 * purge or the next carve would erase a write after free unseen (bench
 * machines under load purged a scribbled block's page before its reuse). */
static NOINLINE void page_check_free_blocks(const page_t *page) {
  const uint8_t *area = page_area(page);
  uint32_t bs = page->block_size;
  for (uint32_t i = 0; i < page->capacity; i++) {
    const block_t *b = (const block_t *)(area + (size_t)i * bs);
    if (!block_is_free(b)) brisk_page_block_modified(b);
    brisk_freezero_check(b, bs);
  }
}

/* Retire `page` (used == 0, out of every list) to the span allocator. */
static void page_retire(heap_t *heap, page_t *page) {
  if (BRISK_ZERO_CHECK) page_check_free_blocks(page);
  STAT_ADD(heap->stats.class_pages[page->bin], -1);
  brisk_remote_page_reset(page);
  page_set_flags(page, PAGE_NOT_SMALL);
  brisk_span_free(heap, page);
  purge_after_free(heap);
}

/* ------------------------------------------------------------- allocation */

/* brisk_page_ready in general: the queue scan (rotation, carving, the
 * full list, meshed holes, a new page). */
static NOINLINE page_t *page_ready_scan(heap_t *heap, unsigned bin) {
  if (heap->by_bin[bin] == &heap->foreign[bin])
    brisk_page_update_direct(heap, bin); /* foreign cache emptied by the fast path */
  page_queue_t *q = &heap->queues[bin];
  page_t *page = q->first;
  if (BRISK_RANDOM_ORDER) /* start at one of the first four pages */
    for (uint64_t k = rng_next(&heap->rng) & 3; k > 0 && page != NULL && page->next != NULL; k--) page = page->next;
  bool rotated = false;
  while (page != NULL) {
    page_t *next = page->next;
    if (page->free != NULL || page_collect(page)) break;
    if (page->capacity < page->reserved) {
      page_extend(heap, page);
      break;
    }
    if (!page->passed && next != NULL) {
      /* Found without a free block the first time: to the back of the
       * queue rather than the full list, so that the frees of its blocks
       * stay on the fast path (a full page's go through the slow one, and
       * the first of them brings it back: with a steady working set every
       * page went full, came back for one block and went full again). */
      page->passed = 1;
      queue_remove(q, page);
      queue_push_back(q, page);
      rotated = true;
      page = next;
      continue;
    }
    if (page_to_full(heap, page)) {
      page = next;
      continue;
    }
    page_collect(page); /* remote frees raced with page_to_full */
    break;
  }
  if (page == NULL && unlikely(heap->mesh_pages[bin] != 0) && (page = brisk_mesh_reclaim(heap, bin)) != NULL) {
    /* holes meshing took serve again before a new page is made */
    if (page->flags & PAGE_IN_FULL) page_from_full(heap, page);
    move_to_front(heap, page);
  } else if (page == NULL) {
    page = page_new(heap, bin); /* at the front, direct slots updated */
    if (page == NULL) return NULL;
    page_extend(heap, page);
  } else if (q->first != page) {
    move_to_front(heap, page); /* direct slots updated */
  } else if (rotated) {
    brisk_page_update_direct(heap, bin); /* first now that those before it went back */
  }
  page->passed = 0;
  return page;
}

/* The common case in line, the scan's first step without its calls (the
 * scan is only ever a tail call, so this saves no register): the first
 * page serves, or it is spent (carved out, no remote frees waiting, not
 * passed over yet) and the next has free blocks — it goes to the back and
 * the next serves.  Anything else (the direct slots on the foreign cache
 * or the empty page, remote frees to collect, a page to carve, to park as
 * full, a new one) is the scan's. */
page_t *brisk_page_ready(heap_t *heap, unsigned bin) {
  page_queue_t *q = &heap->queues[bin];
  page_t *page = q->first, *next;
  if (BRISK_RANDOM_ORDER || page == NULL || heap->by_bin[bin] != page) return page_ready_scan(heap, bin);
  if (page->free != NULL) {
    page->passed = 0;
    return page;
  }
  if (remote_page_pending(page) || page->capacity < page->reserved || page->passed || (next = page->next) == NULL ||
      next->free == NULL)
    return page_ready_scan(heap, bin);
  page->passed = 1; /* (the scan's rotation) */
  queue_rotate(q);
  next->passed = 0;
  page_update_direct(heap, bin);
  return next;
}

void *brisk_page_alloc(heap_t *heap, unsigned bin) {
  page_t *page = brisk_page_ready(heap, bin);
  if (page == NULL) return NULL;
  block_t *b = block_pop(&page->free);
  page->used++;
  return b;
}

/* ------------------------------------------------------------------ frees */

/* Take an empty page out of its queue and retire it. */
static NOINLINE void page_unqueue_retire(heap_t *heap, page_t *page) {
  queue_remove(&heap->queues[page->bin], page);
  brisk_page_update_direct(heap, page->bin);
  page_retire(heap, page);
}

void brisk_page_on_empty(heap_t *heap, page_t *page) {
  /* Keeping the only page of a bin avoids retire/reuse churn when a
   * program frees and allocates one block at a time (a cheap test first:
   * the fast path calls this whenever a page empties). */
  if (heap->queues[page->bin].first == page && page->next == NULL) return;
  page_unqueue_retire(heap, page);
}

/* A meshed page whose only used blocks are withheld: unmeshed, then empty.
 * Its free list is made anew only when the page is kept (the only page of
 * its bin); one to be retired leaves its fresh memory untouched. */
static NOINLINE void page_meshed_idle(heap_t *heap, page_t *page, bool retiring) {
  if (page->used != brisk_mesh_withheld_count(page)) return;
  bool kept = !retiring && heap->queues[page->bin].first == page && page->next == NULL &&
              !(page->flags & PAGE_IN_FULL);
  brisk_mesh_unmesh_page(page, kept);
  heap->mesh_pages[page->bin]--;
  page_set_flags(page, page->flags & (uint8_t)~PAGE_MESHED);
}

void brisk_page_free_local(heap_t *heap, page_t *page, block_t *b) {
  block_on_free(b);
  block_push(&page->free, b);
  page->used--;
  if (page->flags & PAGE_IN_FULL) page_from_full(heap, page);
  if (unlikely(page->flags & PAGE_MESHED)) page_meshed_idle(heap, page, false);
  if (page->used == 0) brisk_page_on_empty(heap, page);
}

void brisk_page_collect_delayed(heap_t *heap) {
  block_t *b = brisk_remote_take_delayed(heap);
  while (b != NULL) {
    block_t *next = block_next(b);
    segment_t *seg = segment_of_ptr(b);
    page_t *page = page_of(seg, b);
    if (page->kind == SPAN_LARGE) {
      /* (left the live count when it was freed: observe/event.h) */
      page_set_flags(page, PAGE_NOT_SMALL);
      brisk_span_free(heap, page);
      purge_after_free(heap);
    } else {
      block_unmark(b); /* marked by the remote freer; freed again as the owner */
      brisk_page_free_local(heap, page, b);
    }
    b = next;
  }
}

void brisk_page_collect_all(heap_t *heap, bool retire_all) {
  brisk_page_collect_delayed(heap);
  page_t *page = heap->full.first;
  while (page != NULL) {
    page_t *next = page->next;
    if (page_collect(page)) page_from_full(heap, page);
    page = next;
  }
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    page = heap->queues[bin].first;
    while (page != NULL) {
      page_t *next = page->next;
      page_collect(page);
      if (retire_all && (page->flags & PAGE_MESHED)) page_meshed_idle(heap, page, true);
      if (page->used == 0 && retire_all) {
        queue_remove(&heap->queues[bin], page);
        page_retire(heap, page);
      }
      page = next;
    }
    brisk_page_update_direct(heap, bin);
  }
}

/* ------------------------------------------------------------ corruption */

/* A block on a free list lost its free mark (core/block.h, ZERO_CHECK). */
_Noreturn void brisk_page_block_modified(const block_t *b) {
  page_t *page = page_of(segment_of_ptr(b), b);
  brisk_output_fatal_block("write after free: ", page->block_size, "-byte block modified while free", b);
}

/* A free list link of b failed its check (core/block.c). */
_Noreturn void brisk_page_list_damaged(const block_t *b) {
  uint32_t size = 0;
  if (segbits_test((uintptr_t)b)) {
    page_t *page = page_of(segment_of_ptr(b), b);
    if (page->kind == SPAN_PAGE) size = page->block_size;
  }
  brisk_output_fatal_block("heap corruption: free list of a ", size, "-byte page damaged", b);
}
