/* SPDX-License-Identifier: MIT */
/* core/free.c — the free slow paths: validation and dispatch.
 *
 * A pointer is accepted only when it is the start of a live block: a
 * carved block start of a SPAN_PAGE (never a slice tail or a block never
 * carved), the start of a large block (or a pointer into one handed out
 * aligned), the block of a live huge mapping, a live guarded sample
 * (safety/guard.h, recognised by a range check first), or
 * (BRISK_ZERO_FAULT) a live malloc(0) slot of the zero region
 * (safety/zero.h).  Anything else aborts
 * with one line naming the function and the pointer; a block already free
 * aborts as a double free.  Checks cost a multiply, no division.
 * Dispatch: the owner frees onto the page (core/page.c); another thread
 * keeps the block in its foreign cache or batches it to the owner
 * (core/remote.c), except for heaps that can be destroyed (HEAP_OWNED),
 * whose blocks are pushed to the owner at once so that no other thread
 * ever holds them (docs/design.md, "Heaps that die").
 */
#include "core/free.h"
#include "core/block.h"
#include "core/check.h"
#include "core/foreign.h"
#include "core/huge.h"
#include "core/large.h"
#include "core/mesh.h"
#include "core/page.h"
#include "core/remote.h"
#include "core/segmap.h"
#include "observe/event.h"
#include "safety/guard.h"
#include "safety/zero.h"

/* Whether p (a carved block start of `page`) is a block that meshing
 * withheld (core/mesh.h): free, though it carries no free mark. */
static inline bool page_withholds(const page_t *page, const void *p) {
  return unlikely(__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PAGE_MESHED) && brisk_mesh_withheld(page, p);
}

/* Span head of p in segment seg, validated as holding a live block at p
 * (for a large span, p may be interior only when the span is aligned).
 * Aborts with "brisk: <fn>" otherwise. */
static page_t *checked_span(segment_t *seg, const void *p, const char *fn) {
  if (seg->magic != BRISK_SEGMENT_MAGIC) brisk_output_fatal(fn, p);
  page_t *page = page_of(seg, p);
  size_t off = (size_t)((const uint8_t *)p - page_area(page));
  switch (page->kind) {
  case SPAN_PAGE:
    if (!page_is_carved_block(page, p)) brisk_output_fatal(fn, p);
    if (block_is_free((const block_t *)p) || page_withholds(page, p)) brisk_output_double_free(p);
    return page;
  case SPAN_LARGE:
    if (off >= page->block_size ||
        (off != 0 && !(__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PAGE_HAS_ALIGNED)))
      brisk_output_fatal(fn, p);
    if (block_is_free((const block_t *)page_area(page))) brisk_output_double_free(p);
    return page;
  case SPAN_FREE:
    brisk_output_fatal("double free or invalid pointer", p);
  default:
    brisk_output_fatal(fn, p);
  }
}

page_t *brisk_free_span_checked(const void *p, const char *fn, size_t *usable) {
  if (unlikely(guard_owns(p))) { /* a sampled block */
    *usable = brisk_guard_usable(p, fn);
    return NULL;
  }
  uintptr_t u = (uintptr_t)p;
  uintptr_t e = brisk_segmap_get(u);
  if (e & SEGMAP_HUGE) {
    huge_t *h = (huge_t *)SEGMAP_PTR(e);
    if (!huge_is_live_block(h, p)) brisk_output_fatal(fn, p);
    *usable = brisk_huge_usable(h, p);
    return NULL;
  }
  if (e == 0 || SEGMAP_PTR(e) != (u & ~(uintptr_t)BRISK_SEGMENT_MASK)) {
    if (zero_owns(p)) { /* a malloc(0) pointer: no usable byte */
      brisk_zero_check(p, fn);
      *usable = 0;
      return NULL;
    }
    brisk_output_fatal(fn, p);
  }
  page_t *page = checked_span((segment_t *)SEGMAP_PTR(e), p, fn);
  /* a small block is checked to be a block start: all of it is usable */
  *usable = page->kind == SPAN_PAGE ? page->block_size
                                    : (size_t)(page_area(page) + page->block_size - (const uint8_t *)p);
  return page;
}

size_t brisk_free_usable_checked(const void *p, const char *fn) {
  size_t usable;
  brisk_free_span_checked(p, fn, &usable);
  return usable;
}

size_t brisk_free_usable(const void *p) {
  if (p == NULL) return 0;
  return brisk_free_usable_checked(p, "malloc_usable_size(): invalid pointer");
}

/* A small block b of `page` goes back to its owner: the local free list,
 * or the owner's remote list (a batch of this thread's when it has a
 * heap).  Another thread heap's block that the program frees takes the
 * foreign path instead (brisk_free_in_segment: cache or batch); here come
 * the blocks of heaps that can be destroyed, those a thread without a
 * heap frees, and quarantined blocks on their release.  count: report the
 * free to the event hook (false: it was reported when the program freed
 * it, core/quarantine.c). */
static void free_small(segment_t *seg, page_t *page, block_t *b, bool count) {
  heap_t *heap = brisk_heap_tls;
  heap_t *owner = seg->heap;
  if (owner == heap) {
    if (count) brisk_event_free(heap, page->block_size, false);
    brisk_page_free_local(heap, page, b);
    check_point(heap);
    return;
  }
  block_on_free(b);
  if (count) brisk_event_free(heap, page->block_size, true);
  if (seg->heap_kind == HEAP_THREAD && heap != &brisk_heap_empty) {
    brisk_remote_free(heap, page, b);
    return;
  }
  brisk_remote_push(page, b, b, 1);
}

/* Keep block p (of `page`, another thread heap's) in the calling heap's
 * foreign cache fp of its class: the cache had `held` blocks before. */
static ALWAYS_INLINE void foreign_keep_fast(heap_t *heap, page_t *fp, uint32_t held, void *p) {
  block_t *b = (block_t *)p;
  block_on_free(b);
  block_push(&fp->free, b);
  fp->used--;
  event_free_fast(heap, fp->free_step); /* (a pseudo-page's step counts a remote free) */
  if (unlikely(held + 1 == BRISK_FOREIGN_DIRECT_MIN)) { /* the fast path takes from the cache now */
    if (likely(!heap->consumer)) page_direct_set(heap, fp->bin, fp);
  } else if (unlikely(held == 0) && heap->consumer) {
    brisk_page_update_direct(heap, fp->bin); /* a consumer's cache never serves */
  }
}

/* Block p of `page` (another thread heap's) into the batch for its owner
 * (core/remote.h), counted as the fast path counts. */
static ALWAYS_INLINE void foreign_to_owner(heap_t *heap, page_t *page, void *p) {
  block_on_free((block_t *)p);
  event_free_fast(heap, page->free_step + EVENT_FREE_REMOTE);
  brisk_remote_free(heap, page, (block_t *)p);
}

/* A consumer's full cache goes to the transfer cache, or to the blocks'
 * owners when the transfer cache takes none (so that the next frees do
 * not try again one by one), and p starts the next one. */
static NOINLINE void foreign_spill_keep(heap_t *heap, page_t *page, void *p) {
  if (heap->foreign[page->bin].reserved == 0) { /* (a class without a transfer cache) */
    foreign_to_owner(heap, page, p);
    return;
  }
  if (!brisk_foreign_spill(heap, page->bin)) brisk_foreign_return(heap, page->bin);
  foreign_keep_fast(heap, &heap->foreign[page->bin], 1, p); /* (no direct slot points at it) */
}

/* Whether heap (not a consumer) has made BRISK_CONSUMER_AFTER frees past
 * a full foreign cache without allocating in between: any allocation
 * through the fast path's grant changes stats.fast_word.  (Other
 * slow-path allocations do not, but they end consumer mode at once:
 * core/alloc.c.) */
static inline bool stopped_allocating(heap_t *heap) {
  if (heap->stats.fast_word != heap->overflow_mark) {
    heap->overflow_mark = heap->stats.fast_word;
    heap->overflow_frees = 1; /* (this one) */
    return false;
  }
  return ++heap->overflow_frees >= BRISK_CONSUMER_AFTER;
}

/* The foreign cache of p's class is full (or the class has none:
 * reserved 0, blocks above BRISK_FOREIGN_BYTES): p goes into the batch
 * for its owner; a consumer's cache goes to the transfer cache first,
 * and a heap that stopped allocating becomes a consumer (a collector
 * thread: its frees would go back to the owners' pages one batch at a
 * time, the owners contending for those pages' lines, instead of
 * reaching them as whole batches through the transfer cache).
 * heap is a real heap (the sentinel keeps no batches).  A leaf but for
 * tail calls. */
static NOINLINE void foreign_full(heap_t *heap, page_t *page, void *p) {
  if (heap->consumer) {
    foreign_spill_keep(heap, page, p);
    return;
  }
  if (unlikely(stopped_allocating(heap))) brisk_foreign_become_consumer(heap);
  foreign_to_owner(heap, page, p);
}

/* Free block p (a validated carved start of `page`, a page of another
 * thread heap: seg) into the calling thread's foreign cache of its class
 * (core/foreign.h: reused by this thread's next mallocs of the class,
 * still counted used by its owner's page) when the cache has room, else
 * into the batch for its owner (core/remote.h); a consumer thread
 * (core/heap.c: it frees but does not allocate, so its cache never
 * drains) hands a full cache to the transfer cache instead
 * (core/transfer.h), from which allocating threads refill.  A
 * destroyable heap's block (never cached: core/owned.h) goes to the slow
 * path.  Every way out but the cache push is a tail call, so that the
 * common case saves no register. */
static ALWAYS_INLINE void free_foreign_valid(heap_t *heap, segment_t *seg, page_t *page, void *p) {
  if (unlikely(seg->heap_kind != HEAP_THREAD)) {
    brisk_free_declined(p);
    return;
  }
  page_t *fp = &heap->foreign[page->bin];
  /* (an empty asm: one register holds the cache; else the compiler
   * computes fp twice, for its two lines, three instructions more) */
  __asm__("" : "+r"(fp));
  uint32_t held = 0u - fp->used;
  if (unlikely(held >= fp->reserved)) {
    foreign_full(heap, page, p);
    return;
  }
  foreign_keep_fast(heap, fp, held, p);
}

/* The block test is other threads' (core/page.h page_fast_accepts: it
 * also accepts a page whose only flag is PAGE_IN_FULL, its owner parked
 * it as full; the block stays used there, so the page stays as it is).
 * Relaxed reads: the owner may be changing them; a stale value errs
 * towards the capacity before the owner carved more (the slow path
 * decides), and a live block keeps its page from changing class. */
NOINLINE void brisk_free_foreign(void *p, page_t *page, segment_t *seg, heap_t *heap) {
  if (unlikely(!page_fast_accepts(page, (uintptr_t)p))) {
    brisk_free_declined(p);
    return;
  }
  free_foreign_valid(heap, seg, page, p);
}

NOINLINE void brisk_free_in_segment(segment_t *seg, page_t *page, void *p) {
  if (page->kind != SPAN_PAGE) {
    if (page->kind == SPAN_LARGE) {
      brisk_large_free(brisk_heap_tls, page, p);
      return;
    }
    brisk_output_fatal(page->kind == SPAN_FREE ? "double free or invalid pointer" : "free(): invalid pointer", p);
  }
  if (unlikely(!page_is_carved_block(page, p))) brisk_output_fatal("free(): invalid pointer", p);
  if (page_withholds(page, p)) brisk_output_double_free(p);
  heap_t *heap = brisk_heap_tls;
  /* Another thread heap's block that the fast path declined (a block of
   * a page of several slices, or one whose page state changed meanwhile):
   * the foreign path, as the fast path would take it. */
  if (seg->heap != heap && seg->heap_kind == HEAP_THREAD && heap != &brisk_heap_empty) {
    free_foreign_valid(heap, seg, page, p);
    return;
  }
  free_small(seg, page, (block_t *)p, true);
}

NOINLINE void brisk_free_own_declined(heap_t *heap, segment_t *seg, page_t *page, void *p) {
  /* (rptest threads=4: 75 k such frees, of 16-128 KiB blocks and of full
   * pages: 116 instructions each through brisk_free_in_segment and
   * free_small, 79 here) */
  if (likely(page->kind == SPAN_PAGE && (page->flags & ~(PAGE_IN_FULL | PAGE_MULTI)) == 0 && page_is_carved_block(page, p))) {
    event_free_fast(heap, page->free_step_own);
    brisk_page_free_local(heap, page, (block_t *)p); /* aborts on a double free */
    check_point(heap);
    return;
  }
  brisk_free_in_segment(seg, page, p);
}

void brisk_free_released(block_t *b) {
  segment_t *seg = segment_of_ptr(b);
  free_small(seg, page_of(seg, b), b, false);
}

/* A sampled block (safety/guard.h), counted like any other free. */
static NOINLINE void free_guarded(void *p) {
  const void *owner;
  size_t usable = brisk_guard_free(p, &owner); /* aborts on a double or invalid free */
  heap_t *heap = brisk_heap_tls;
  brisk_event_free(heap, usable, owner != heap);
}

NOINLINE void brisk_free_slow(void *p) {
  if (p == NULL) return;
  if (unlikely(guard_owns(p))) {
    free_guarded(p);
    return;
  }
  uintptr_t u = (uintptr_t)p;
  uintptr_t e = brisk_segmap_get(u);
  if (e & SEGMAP_HUGE) {
    huge_t *h = (huge_t *)SEGMAP_PTR(e);
    size_t usable = huge_is_live_block(h, p) ? brisk_huge_usable(h, p) : 0;
    brisk_huge_free(h, p); /* aborts on an invalid or double free */
    brisk_event_free(brisk_heap_tls, usable, false);
    return;
  }
  if (e == 0 || SEGMAP_PTR(e) != (u & ~(uintptr_t)BRISK_SEGMENT_MASK)) {
    if (zero_owns(p)) { /* a malloc(0) pointer (safety/zero.h) */
      brisk_zero_free(p);
      return;
    }
    brisk_output_fatal("free(): invalid pointer", p);
  }
  segment_t *seg = (segment_t *)SEGMAP_PTR(e);
  brisk_free_in_segment(seg, page_of(seg, p), p);
}

NOINLINE void brisk_free_declined(void *p) {
  if (segbits_test((uintptr_t)p)) {
    segment_t *seg = segment_of_ptr(p);
    brisk_free_in_segment(seg, page_of(seg, p), p);
    return;
  }
  brisk_free_slow(p);
}

void brisk_free_check_size(void *p, size_t size) {
  if (p != NULL && size > brisk_free_usable_checked(p, "free_sized(): invalid pointer"))
    brisk_output_fatal("free_sized(): size does not match the block", p);
}
