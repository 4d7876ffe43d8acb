/* SPDX-License-Identifier: MIT */
/* core/alloc.c — the allocation slow paths: thread setup, size-class
 * pages, large spans, huge blocks, calloc, aligned allocation, and the
 * out-of-memory retry.
 *
 * Every successful allocation is reported once to the event hook
 * (observe/event.h): the fast path in core/fast.h, everything else in
 * heap_alloc or huge_alloc_counted below.
 * Guard sampling (safety/guard.h, BRISK_GUARD_SAMPLE=N): malloc and calloc
 * requests up to 4096 bytes are sampled, about one in N.  Those the
 * malloc fast path serves (core/fast.h: sizes up to BRISK_CLASS_MAX) are
 * counted by its grant (N-1 on average, random), whose expiry makes the
 * next one the sample; the others (calloc above 1024 bytes, and requests
 * whose page had no free block) by brisk_guard_tick here.  Aligned requests
 * (alignment > 16) are never sampled.
 * errno: every failed allocation sets ENOMEM; nothing else touches errno.
 */
#include <errno.h>
#include <string.h>

#include "core/alloc.h"
#include "core/block.h"
#include "core/check.h"
#include "core/free.h"
#include "core/foreign.h"
#include "core/heap.h"
#include "core/huge.h"
#include "core/large.h"
#include "core/page.h"
#include "core/purge.h"
#include "core/remote.h"
#include "core/segment.h"
#include "core/sizeclass.h"
#include "core/transfer.h"
#include "observe/event.h"
#include "safety/guard.h"

/* One attempt at size bytes from heap's own memory or a huge mapping.
 * *usable receives the block's usable size. */
static void *alloc_once(heap_t *heap, size_t size, bool *zeroed, size_t *usable) {
  *zeroed = false;
  if (size <= BRISK_CLASS_MAX) {
    unsigned bin = brisk_sizeclass_bin(size);
    *usable = brisk_sizeclass_size[bin];
    /* blocks this thread freed for others, then blocks other threads
     * passed on (core/transfer.h), then its own pages */
    void *p = brisk_foreign_pop(heap, bin);
    if (p == NULL && transfer_ready(bin) && brisk_foreign_refill(heap, bin)) p = brisk_foreign_pop(heap, bin);
    return p != NULL ? p : brisk_page_alloc(heap, bin);
  }
  if (size <= BRISK_LARGE_MAX) {
    *usable = large_usable(size);
    return brisk_large_alloc(heap, size, zeroed);
  }
  void *p = brisk_huge_alloc(size, 0, zeroed);
  if (p != NULL && heap->kind != HEAP_THREAD) brisk_huge_set_owner(heap, p);
  *usable = p != NULL ? brisk_free_usable(p) : 0;
  return p;
}

/* Allocate size bytes (<= BRISK_REQUEST_MAX) for heap (a real heap);
 * sample: from the guarded pool (safety/guard.h) if it has a slot;
 * periodic: the fast path's grant ran out (the housekeeping tick).
 * *zeroed tells whether the memory is known to be zero.  Out of memory:
 * give back what brisk keeps cached and try once more.  NULL on failure.
 * Whatever it does before alloc_once that can be due on a call (a flush,
 * a collection, a sample, the tick) must also be a condition that keeps
 * brisk_alloc_slow's shortcut (refill_only below) from running. */
static void *heap_alloc(heap_t *heap, size_t size, bool sample, bool periodic, bool *zeroed) {
  if (unlikely(heap->kind == HEAP_DEAD)) brisk_output_fatal("brisk_heap_malloc(): heap destroyed", heap);
  if (unlikely(heap->consumer)) {
    /* It allocates: no longer a consumer (core/heap.c).  What it cached
     * of the blocks it was passed goes back to their owners rather than
     * to its own mallocs, which would share those blocks' cache lines
     * with the thread that passed them (cache-scratch: 0.042 -> 0.124 s). */
    brisk_foreign_flush_all(heap);
    brisk_foreign_set_consumer(heap, false);
  }
  check_point(heap);
  if (heap->remote_mask != 0) brisk_remote_flush_all(heap);
  if (remote_delayed_pending(heap)) brisk_page_collect_delayed(heap);
  brisk_heap_tick(heap, periodic);
  size_t usable;
  void *p = NULL;
  if (unlikely(sample)) p = brisk_guard_alloc(heap, size, zeroed, &usable);
  if (p == NULL) p = alloc_once(heap, size, zeroed, &usable);
  if (p == NULL && brisk_heap_release(heap) > 0) p = alloc_once(heap, size, zeroed, &usable);
  if (p == NULL) return NULL;
  brisk_event_alloc(heap, size, usable);
  return p;
}

/* The calling thread's heap for a slow path; NULL when none can be made. */
static heap_t *current_heap(void) {
  heap_t *heap = brisk_heap_tls;
  if (unlikely(heap == &brisk_heap_empty)) heap = brisk_heap_get_or_init();
  return heap;
}

static void *fail_nomem(void) {
  errno = ENOMEM;
  return NULL;
}

/* Whether a slow-path allocation of size bytes that the fast path's
 * grant did not count is sampled (guard sampling on). */
static inline bool sample_slow(size_t size) {
  return unlikely(guard_enabled()) && size <= BRISK_GUARD_MAX && brisk_guard_tick();
}

/* Whether heap's allocations may be sampled: a guarded sample lives in
 * the guard pool, not in the heap, so a heap that can be destroyed
 * (whose blocks must all die with it) is never sampled. */
static inline bool heap_sampled(const heap_t *heap) { return heap->kind == HEAP_THREAD; }

/* The slow path's common case: a thread's heap whose fast path found the
 * page of a class without a free block, with nothing else due — no grant
 * expiry (the housekeeping tick), no sample, no batch to flush, no
 * delayed frees; the few cached blocks of the class
 * that the direct slot does not take (core/foreign.h) go first, then a
 * batch from the transfer cache (core/transfer.h).  Then
 * only the page queue's next page (core/page.c brisk_page_ready) and the
 * grant's count; heap_alloc's checks and housekeeping wait for the tick
 * (larson: a tenth of the mallocs came here, 310 instructions each
 * through heap_alloc; 243 now through refill). */
static inline bool refill_only(heap_t *heap, size_t size) {
  return size <= BRISK_CLASS_MAX && !event_fast_spent(heap) && heap->kind == HEAP_THREAD &&
         !heap->consumer && heap->remote_mask == 0 && !remote_delayed_pending(heap) &&
         !guard_enabled();
}

static NOINLINE void *alloc_slow(size_t size, heap_t *heap);

/* brisk_alloc_slow's common case (refill_only holds); what it cannot
 * serve goes on to alloc_slow (tail calls). */
static NOINLINE void *refill(heap_t *heap, size_t size) {
  unsigned bin = sizeclass_bin(size);
  page_t *fp = &heap->foreign[bin];
  if (fp->free != NULL && heap->by_bin[bin] != fp) {
    /* fewer cached blocks than the fast path takes (core/foreign.h) */
    void *p = brisk_foreign_pop(heap, bin);
    brisk_event_alloc(heap, size, brisk_sizeclass_size[bin]);
    return p;
  }
  if (fp->free != NULL) return alloc_slow(size, heap);
  if (transfer_ready(bin) && brisk_foreign_refill(heap, bin)) {
    /* A batch other threads passed on (core/transfer.h) is now the
     * foreign cache, which the direct slots point at: served as the fast
     * path serves it, counted by the grant (xmalloc threads=2: one slow
     * path in 32 mallocs came here, ~520 instructions each through
     * alloc_slow and heap_alloc). */
    void *p = page_pop_fast(heap, heap->by_bin[bin], size);
    if (unlikely(p == NULL)) return alloc_slow(size, heap);
    event_grant_served_slow(heap);
    return p;
  }
  if (heap->by_bin[bin] == fp) {
    /* The fast path drained the foreign cache (core/foreign.h): the
     * class's own pages again, whose first page usually has blocks
     * (larson with two threads: four in five slow paths). */
    brisk_page_update_direct(heap, bin);
    void *p = page_pop_fast(heap, heap->by_bin[bin], size);
    if (p != NULL) return p;
  }
  check_point(heap);
  purge_tick(heap);
  /* Counted by the grant, as the fast path counts (refill_only: it is
   * not spent); the live peak is checked every BRISK_PEAK_STEP bytes so
   * served.  No block — out of memory, a grant without room for it, a
   * link the fast test declines — leaves the rest to alloc_slow. */
  page_t *page = brisk_page_ready(heap, bin);
  void *p = page != NULL ? page_pop_fast(heap, page, size) : NULL;
  if (unlikely(p == NULL)) return alloc_slow(size, heap);
  event_grant_served_slow(heap);
  return p;
}

/* heap's grant ran out: grant the next.  With sampling on, this
 * allocation (of size bytes) is the sample when it ends the interval
 * (returns true), and the next interval's allocations are granted in
 * grants of at most EVENT_GRANT_MAX (fast_pending: what is left). */
static bool regrant(heap_t *heap, size_t size) {
  bool sample = false;
  uint64_t grant = BRISK_FAST_GRANT;
  if (guard_enabled()) {
    uint64_t *pending = &heap->stats.fast_pending;
    if (*pending == 0) {
      sample = size <= BRISK_GUARD_MAX && heap_sampled(heap);
      *pending = brisk_guard_interval() - 1;
    } else {
      --*pending; /* (this allocation is one of the interval's) */
    }
    grant = *pending < EVENT_GRANT_MAX ? *pending : EVENT_GRANT_MAX;
    *pending -= grant;
  }
  event_fast_regrant(heap, grant);
  return sample;
}

/* brisk_alloc_slow but for its common case: any heap, the sentinel
 * included, anything due (the tick, a sample, flushes). */
static NOINLINE void *alloc_slow(size_t size, heap_t *heap) {
  if (unlikely(size > BRISK_REQUEST_MAX)) return fail_nomem(); /* can never fit */
  if (unlikely(heap == &brisk_heap_empty)) { /* (its grant is never spent) */
    heap = brisk_heap_get_or_init();
    if (heap == NULL) return fail_nomem();
    void *p = brisk_alloc_slow(size, heap);
    brisk_heap_leave(heap);
    return p;
  }
  bool sample, periodic = false;
  if (unlikely(event_fast_spent(heap))) {
    periodic = true; /* the housekeeping tick (core/heap.h) */
    sample = regrant(heap, size);
  } else {
    sample = heap_sampled(heap) && sample_slow(size); /* the fast path had no block to give */
  }
  bool zeroed;
  void *p = heap_alloc(heap, size, sample, periodic, &zeroed);
  return p != NULL ? p : fail_nomem();
}

/* Tail calls only: no frame on the way to refill. */
NOINLINE void *brisk_alloc_slow(size_t size, heap_t *heap) {
  if (likely(heap != &brisk_heap_empty && refill_only(heap, size))) return refill(heap, size);
  return alloc_slow(size, heap);
}

/* calloc's allocation from a real heap. */
static void *calloc_on(heap_t *heap, size_t n) {
  bool zeroed;
  void *p = heap_alloc(heap, n, heap_sampled(heap) && sample_slow(n), false, &zeroed);
  if (p == NULL) return fail_nomem();
  if (!zeroed) memset(p, 0, n);
  return p;
}

void *brisk_alloc_calloc(size_t n) {
  if (n > BRISK_REQUEST_MAX) return fail_nomem();
  heap_t *heap = current_heap();
  if (heap == NULL) return fail_nomem();
  void *p = calloc_on(heap, n);
  brisk_heap_leave(heap);
  return p;
}

void *brisk_alloc_calloc_in(heap_t *heap, size_t n) {
  return n > BRISK_REQUEST_MAX ? fail_nomem() : calloc_on(heap, n);
}

/* The aligned block inside base, a large block allocated with room for
 * the alignment; marks its span when the block is interior. */
static void *align_within(void *base, size_t align) {
  if (base == NULL) return NULL;
  void *p = (void *)(((uintptr_t)base + align - 1) & ~(uintptr_t)(align - 1));
  if (p != base) large_set_aligned(page_of(segment_of_ptr(base), base));
  return p;
}

/* A huge aligned block, counted, with the out-of-memory retry. */
static void *huge_alloc_counted(heap_t *heap, size_t size, size_t align) {
  if (unlikely(heap->kind == HEAP_DEAD)) brisk_output_fatal("brisk_heap_malloc(): heap destroyed", heap);
  bool zeroed;
  void *p = brisk_huge_alloc(size, align, &zeroed);
  if (p == NULL && brisk_heap_release(heap) > 0) p = brisk_huge_alloc(size, align, &zeroed);
  if (p == NULL) return NULL;
  if (heap->kind != HEAP_THREAD) brisk_huge_set_owner(heap, p);
  brisk_event_alloc(heap, size, brisk_free_usable(p));
  return p;
}

static void *aligned_on(heap_t *heap, size_t size, size_t align) {
  bool zeroed;
  if (align <= BRISK_SLICE_SIZE && size <= BRISK_CLASS_MAX) {
    /* Page areas start on a slice (64 KiB) boundary, so a class whose size
     * is a multiple of align yields aligned blocks, and rounding size up
     * to align always finds one: up to 128 every multiple of 16 is a class;
     * above, the classes in (2^e, 2^(e+1)] are the multiples of 2^(e-2),
     * and a multiple of align in that range is a class or lies below one
     * that align divides.  So no small block is ever handed out interior. */
    size_t rounded = size == 0 ? align : (size + align - 1) & ~(align - 1);
    brisk_assert(rounded <= BRISK_CLASS_MAX &&
                 brisk_sizeclass_size[brisk_sizeclass_bin(rounded)] % align == 0);
    return heap_alloc(heap, rounded, false, false, &zeroed);
  }
  if (align <= BRISK_SLICE_SIZE && size <= BRISK_LARGE_MAX)
    return heap_alloc(heap, size, false, false, &zeroed); /* large spans are slice-aligned */
  if (align <= BRISK_LARGE_MAX / 2 && size + align <= BRISK_LARGE_MAX) {
    /* A large span with room for the alignment (never a small page). */
    size_t need = size + align > BRISK_CLASS_MAX ? size + align : BRISK_CLASS_MAX + 1;
    return align_within(heap_alloc(heap, need, false, false, &zeroed), align);
  }
  return huge_alloc_counted(heap, size, align);
}

void *brisk_alloc_aligned(size_t size, size_t align) {
  if (size > BRISK_REQUEST_MAX || align > BRISK_REQUEST_MAX) return fail_nomem();
  heap_t *heap = current_heap();
  if (heap == NULL) return fail_nomem();
  void *p = aligned_on(heap, size, align);
  brisk_heap_leave(heap);
  return p != NULL ? p : fail_nomem();
}

void *brisk_alloc_aligned_in(heap_t *heap, size_t size, size_t align) {
  if (size > BRISK_REQUEST_MAX || align > BRISK_REQUEST_MAX) return fail_nomem();
  void *p = aligned_on(heap, size, align);
  return p != NULL ? p : fail_nomem();
}
