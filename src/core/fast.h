/* SPDX-License-Identifier: MIT */
/* core/fast.h — the inline fast paths of malloc and free.
 *
 * malloc: one thread-local load, one table load, pop the page's free list
 * (sizes up to 1024 by (size + 15) >> 4; medium sizes up to
 * BRISK_CLASS_MAX by the class formula, core/sizeclass.h).
 * free: one byte test that proves the pointer lies in a mapped brisk
 * segment (the segment is then addr & ~4 MiB); if this thread owns the
 * segment, the check that p is a carved block start of a one-slice page
 * without flags, then a push on the page's free list; else one tail call
 * that checks the block itself and keeps it (another thread heap's) in
 * this thread's foreign cache or batch (core/free.c brisk_free_foreign;
 * a thread without a heap gets one).
 * Everything else (first use of a thread, empty free list, full or aligned
 * pages, large and huge blocks, bad pointers) takes exactly one unlikely
 * branch to a noinline slow path (core/alloc.c, core/free.c).
 * Contracts: as malloc(3) and free(3); free preserves errno.
 */
#ifndef BRISK_CORE_FAST_H
#define BRISK_CORE_FAST_H

#include "core/alloc.h"
#include "core/block.h"
#include "core/free.h"
#include "core/heap.h"
#include "core/page.h"
#include "core/segmap.h"
#include "observe/event.h"

/* malloc from `heap`: the calling thread's (fast_malloc), or a heap made
 * by brisk_heap_new that the caller alone uses now (core/owned.h). */
static ALWAYS_INLINE void *fast_malloc_in(heap_t *heap, size_t size) {
  void *p = NULL;
  if (likely(size <= BRISK_SMALL_MAX))
    p = page_pop_fast(heap, heap->direct[(size + 15) >> 4], size);
  else if (size <= BRISK_CLASS_MAX) /* medium: the class by formula */
    p = page_pop_fast(heap, heap->by_bin[sizeclass_bin_medium(size)], size);
  return likely(p != NULL) ? p : brisk_alloc_slow(size, heap);
}

static ALWAYS_INLINE void *fast_malloc(size_t size) { return fast_malloc_in(brisk_heap_tls, size); }

/* size bytes aligned to align (a power of two): the malloc fast path when
 * the minimum alignment suffices, else the aligned slow path. */
static ALWAYS_INLINE void *fast_malloc_aligned(size_t size, size_t align) {
  return align <= BRISK_ALIGN ? fast_malloc(size) : brisk_alloc_aligned(size, align);
}

/* The free fast path's test: p lies in a mapped brisk segment (segbits),
 * at a carved block start of a one-slice page whose flags are 0 or only
 * PAGE_IN_FULL (core/page.h page_fast_accepts, other threads' test).
 * Returns the page (its segment in *segp), or NULL when the slow path
 * must decide. */
static ALWAYS_INLINE page_t *fast_free_page(void *p, segment_t **segp) {
  uintptr_t u = (uintptr_t)p;
  if (unlikely(!segbits_test(u))) return NULL;
  segment_t *seg = segment_of_ptr(p);
  page_t *page = slice_desc_of(seg, p); /* the head if fast_limit != 0 */
  *segp = seg;
  return page_fast_accepts(page, u) ? page : NULL;
}

/* Free block p of `page` (fast_free_page's result) on the owner thread. */
static ALWAYS_INLINE void fast_free_push(heap_t *heap, page_t *page, void *p) {
  block_t *b = (block_t *)p;
  block_on_free(b);
  block_push(&page->free, b);
  event_free_fast(heap, page->free_step_own);
  if (unlikely(--page->used == 0)) brisk_page_on_empty(heap, page);
}

/* Free p, fast_free_page's validated block of `page` in seg: the owner's
 * push, else another heap's block for this thread's foreign cache or
 * batches (a thread without a heap gets one first; brisk_free_foreign
 * tests the block again). */
/* p in seg, whose slice descriptor is `page`, belongs to another heap:
 * this thread's foreign cache or batches (brisk_free_foreign tests the
 * block), or a heap for a thread that has none first.  Tail calls: no
 * register saved on the owner's path. */
static ALWAYS_INLINE void fast_free_other(heap_t *heap, segment_t *seg, page_t *page, void *p) {
  if (unlikely(heap == &brisk_heap_empty))
    brisk_heap_free_orphan(seg, page, p);
  else
    brisk_free_foreign(p, page, seg, heap);
}

/* (fast_free_page's test is other threads': the owner's, on a page it
 * parked as full, declines and takes its slow path) */
static ALWAYS_INLINE void fast_free_valid(heap_t *heap, segment_t *seg, page_t *page, void *p) {
  if (likely(seg->heap == heap)) {
    if (likely(page_fast_accepts_own(page, (uintptr_t)p)))
      fast_free_push(heap, page, p);
    else
      brisk_free_own_declined(heap, seg, page, p);
    return;
  }
  fast_free_other(heap, seg, page, p);
}

/* Ownership is tested before the block: the owner's test is
 * page_fast_accepts, another thread's is brisk_free_foreign's own, which
 * also accepts a block of a full page (the owner's free of one must move
 * the page off the full list: its slow path). */
static ALWAYS_INLINE void fast_free(void *p) {
  heap_t *heap = brisk_heap_tls;
  uintptr_t u = (uintptr_t)p;
  if (likely(segbits_test(u))) {
    segment_t *seg = segment_of_ptr(p);
    page_t *page = slice_desc_of(seg, p); /* the head if fast_limit != 0 */
    /* (an empty asm: one register holds the page; else the compiler
     * keeps a second one, 64 bytes below it, for the first line's fields,
     * one instruction more on every free) */
    __asm__("" : "+r"(page));
    if (likely(seg->heap == heap)) {
      if (likely(page_fast_accepts_own(page, u))) {
        fast_free_push(heap, page, p);
        return;
      }
      /* its own block the test declined (a full page's, a page of several
       * slices, or a bad pointer): the slow path's checks, without its
       * second segment-map lookup */
      brisk_free_own_declined(heap, seg, page - page->slice_offset, p);
      return;
    } else {
      fast_free_other(heap, seg, page, p);
      return;
    }
  }
  brisk_free_declined(p);
}

#endif
