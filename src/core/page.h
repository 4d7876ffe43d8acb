/* SPDX-License-Identifier: MIT */
/* core/page.h — pages: spans of blocks of one size class; their queues,
 * lazy carving, the direct table, and owner-side frees.
 * Everything here runs on the owner heap's thread. */
#ifndef BRISK_CORE_PAGE_H
#define BRISK_CORE_PAGE_H

#include "core/block.h"
#include "core/segment.h"
#include "core/sizeclass.h"
#include "core/types.h"
#include "observe/event.h"

/* Start of the block of span `page` (SPAN_PAGE or SPAN_LARGE) holding p. */
static inline uint8_t *page_block_start(const page_t *page, const void *p) {
  uint8_t *area = page_area(page);
  uint32_t off = (uint32_t)((const uint8_t *)p - area);
  if (page->kind != SPAN_PAGE) return area;
  return area + (size_t)bin_block_index(page->bin, off) * page->block_size;
}

/* Whether p is the start of a block of `page` that was carved (handed out
 * at least once or on a free list): the checked slow-path test.  Any
 * thread may ask: capacity only grows while the page lives, and a block
 * the program got was carved before it got it, so a relaxed read suffices. */
static inline bool page_is_carved_block(const page_t *page, const void *p) {
  uint32_t off = (uint32_t)((const uint8_t *)p - page_area(page));
  uint32_t cap = __atomic_load_n(&page->capacity, __ATOMIC_RELAXED);
  return off < cap * page->block_size && bin_is_block_start(page->bin, off);
}

/* The block test itself: u's offset in its slice times the page's
 * multiplier below its bound (core/pageflags.h says why that is exact). */
static ALWAYS_INLINE bool page_block_test(uintptr_t u, uint32_t magic, uint32_t limit) {
  return likely((uint32_t)(u & (BRISK_SLICE_SIZE - 1)) * magic < limit);
}

/* Other threads' free fast path's block test, on the descriptor `page`
 * of the slice holding address u (in a mapped segment): u is the start
 * of a carved block of a one-slice page whose flags are 0 or only
 * PAGE_IN_FULL, tested with one multiply and one compare. */
static ALWAYS_INLINE bool page_fast_accepts(const page_t *page, uintptr_t u) {
  /* fast_limit is read by threads that do not own the page (core/free.c
   * brisk_free_foreign) while the owner may be writing it.  Another
   * heap's page cannot be retired or change class under a live block of
   * it, so what is read is the current bound, an older one (fewer blocks
   * carved: the slow path decides) or 0 (the page went full).  A plain
   * load (what a relaxed atomic compiles to, but the compiler keeps its
   * compare with memory); the TSan build makes it the relaxed atomic it
   * stands for. */
#if defined(__SANITIZE_THREAD__)
  uint32_t limit = __atomic_load_n(&page->fast_limit, __ATOMIC_RELAXED);
#else
  uint32_t limit = page->fast_limit;
#endif
  return page_block_test(u, page->magic32, limit);
}

/* page_fast_accepts for the owner's free (the heap that owns page's
 * segment, on its thread): the same test on the owner's copies, on the
 * line its malloc and free write (core/types.h), which also refuses a
 * page parked as full. */
static ALWAYS_INLINE bool page_fast_accepts_own(const page_t *page, uintptr_t u) {
  return page_block_test(u, page->magic32_own, page->fast_limit_own);
}

/* The malloc fast path's pop (core/fast.h, and the slow path's retry
 * after a drained foreign cache): a block of `page`, the heap's choice
 * for the class of size, counted; NULL when the slow path must run (no
 * free block, a link that fails its check, or the grant ran out). */
static ALWAYS_INLINE void *page_pop_fast(heap_t *heap, page_t *page, size_t size) {
  block_t *next;
  block_t *b = block_peek(&page->free, &next);
  if (likely(b != NULL) && likely(event_fast_grant(heap, page->alloc_step))) {
    block_take(&page->free, b, next);
    /* the next malloc reads next's link and the program writes it: a
     * block another thread freed (a foreign cache, a transfer batch, a
     * collected remote list) is in that thread's cache, so fetch it now
     * (bench/xmalloc threads=4: 0.46 -> 0.33 s; one instruction) */
    __builtin_prefetch(next, 1);
    page->used++;
    event_alloc_fast(heap, size);
    return b;
  }
  return NULL;
}

/* Whether the direct slots of bin point at the class's foreign cache
 * (core/foreign.h): it holds at least BRISK_FOREIGN_DIRECT_MIN blocks, and
 * heap is not a consumer (whose caches only stage batches for the
 * transfer cache).  Once pointed at, the slots stay until the fast path
 * drains the cache. */
static inline bool page_foreign_serves(const heap_t *heap, unsigned bin) {
  return !heap->consumer && 0u - heap->foreign[bin].used >= BRISK_FOREIGN_DIRECT_MIN;
}

/* Point heap->by_bin[bin] and the direct slots of `bin` (sizes up to
 * BRISK_SMALL_MAX) at `page`: their one writer once the heap is set up
 * (core/heap.c). */
static ALWAYS_INLINE void page_direct_set(heap_t *heap, unsigned bin, page_t *page) {
  heap->by_bin[bin] = page;
  uint32_t size = brisk_sizeclass_size[bin];
  if (size > BRISK_SMALL_MAX) return;
  uint32_t w = bin == 1 ? 0 : (brisk_sizeclass_size[bin - 1] >> 4) + 1;
  do heap->direct[w] = page;
  while (++w <= (size >> 4));
}

/* Point the direct slots of `bin` at the class's foreign cache when it
 * holds blocks, else at the first page of its queue (or the empty page). */
void brisk_page_update_direct(heap_t *heap, unsigned bin);
/* The page of `bin` that serves next, with a free block: remote frees
 * collected, carved, or a new page; it is first in its queue and the
 * direct slots point at it unless the class's foreign cache serves them
 * (core/foreign.h).  NULL when out of memory. */
page_t *brisk_page_ready(heap_t *heap, unsigned bin);
/* A block of `bin` from heap's pages (brisk_page_ready's page).  NULL
 * when out of memory. */
void *brisk_page_alloc(heap_t *heap, unsigned bin);
/* Owner free of block b, a carved block start of `page` (not yet through
 * block_on_free: this function checks for a double free and marks it). */
void brisk_page_free_local(heap_t *heap, page_t *page, block_t *b);
/* The fast path emptied `page` (used == 0): retire it unless it is the
 * only page of its bin. */
void brisk_page_on_empty(heap_t *heap, page_t *page);
/* Free, as the owner, the blocks other threads left on heap->delayed. */
void brisk_page_collect_delayed(heap_t *heap);
/* Collect every remote free of heap; with retire_all, also retire every
 * empty page (thread exit, trim). */
void brisk_page_collect_all(heap_t *heap, bool retire_all);

#endif
