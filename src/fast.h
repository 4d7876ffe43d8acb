/* fast.h — the inline fast paths of malloc and free.
 *
 * malloc: one thread-local load, one table load, pop the page's free list.
 * free: one bit test that proves the pointer lies in a mapped brisk segment
 * (the segment is then addr & ~4 MiB), then a push on the page's free list
 * if this thread owns it.
 * Everything else (first use of a thread, empty free list, full or aligned
 * pages, frees by other threads, large and huge blocks, bad pointers)
 * takes exactly one unlikely branch to a noinline slow path in alloc.c.
 * Contracts: as malloc(3) and free(3); free preserves errno.
 */
#ifndef BRISK_FAST_H
#define BRISK_FAST_H

#include "internal.h"

/* Statistics counters: only the owner thread writes them; other threads
 * read them with relaxed loads (stats.c).  An aligned 64-bit store cannot
 * tear on x86-64, so a plain add suffices; the TSan build uses an atomic
 * store so that the (benign) race stays visible as intended. */
#if defined(__SANITIZE_THREAD__)
#define STAT_ADD(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#else
#define STAT_ADD(field, n) ((field) += (n))
#endif
#define FAST_STAT_ADD(field, n) (BRISK_FAST_STATS ? (void)STAT_ADD(field, n) : (void)0)

static ALWAYS_INLINE void *brisk_malloc_inline(size_t size) {
  heap_t *heap = brisk_tls_heap;
  if (likely(size <= BRISK_SMALL_MAX)) {
    page_t *page = heap->direct[(size + 15) >> 4];
    block_t *b = page->free;
    if (likely(b != NULL)) {
      page->free = b->next;
      b->mark = 0;
      page->used++;
      FAST_STAT_ADD(heap->stats.malloc_calls, 1);
      FAST_STAT_ADD(heap->stats.bytes_requested, size);
      FAST_STAT_ADD(heap->stats.alloc_bytes, page->block_size);
      return b;
    }
  }
  return brisk_malloc_slow(heap, size);
}

static ALWAYS_INLINE void brisk_free_inline(void *p) {
  uintptr_t u = (uintptr_t)p;
  if (likely(segbits_test(u))) {
    segment_t *seg = (segment_t *)(u & ~(uintptr_t)BRISK_SEGMENT_MASK);
    page_t *page = slice_desc_of(seg, p); /* a head if flags == 0 */
    heap_t *heap = brisk_tls_heap;
    /* Owner, no flag (so a one-slice page, whose area is the 64 KiB slice
     * holding p), and p is a block start: off % size == 0 tested with one
     * multiply (Lemire et al.: exact for 16-bit offsets, 32-bit magic). */
    uint32_t off = (uint32_t)(u & (BRISK_SLICE_SIZE - 1));
    if (likely(seg->heap == heap && page->flags == 0 && off * page->magic32 < page->magic32)) {
      block_t *b = (block_t *)p;
      if (unlikely(b->mark == block_free_mark(b))) brisk_double_free(p);
      b->mark = block_free_mark(b);
      b->next = page->free;
      page->free = b;
      FAST_STAT_ADD(heap->stats.free_calls, 1);
      FAST_STAT_ADD(heap->stats.freed_bytes, page->block_size);
      if (unlikely(--page->used == 0)) brisk_page_on_empty(heap, page);
      return;
    }
    brisk_free_in_segment(seg, page_of(seg, p), p);
    return;
  }
  brisk_free_slow(p);
}

#endif /* BRISK_FAST_H */
