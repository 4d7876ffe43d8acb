/* alloc.c — the generic paths behind the exported malloc family.
 *
 * Owns: the malloc slow path (thread setup, size-class pages, large spans,
 * huge blocks), aligned allocation, realloc, usable size, and the free
 * slow path with its pointer validation (invalid, interior and double
 * frees abort with a one-line message naming the pointer).
 * errno: every failed allocation sets ENOMEM; nothing else touches errno.
 */
#include <errno.h>
#include <string.h>

#include "fast.h"
#include "internal.h"
#include "os.h"

/* ------------------------------------------------------------ allocation */

static void *large_alloc(heap_t *heap, size_t size, bool *zeroed) {
  uint32_t slices = (uint32_t)((size + BRISK_SLICE_SIZE - 1) >> BRISK_SLICE_SHIFT);
  page_t *span = brisk_span_alloc(heap, slices);
  if (span == NULL) return NULL;
  *zeroed = !span->dirty;
  span->kind = SPAN_LARGE;
  span->flags = PAGE_NOT_SMALL;
  span->block_size = slices << BRISK_SLICE_SHIFT;
  span->used = 1;
  span->capacity = span->reserved = 1;
  span->free = NULL;
  ((block_t *)page_area(span))->mark = 0;
  brisk_stats_note_peak();
  return page_area(span);
}

/* Allocate size bytes for heap (an initialised heap).  *zeroed tells
 * whether the memory is known to be zero.  NULL when out of memory. */
static void *heap_alloc(heap_t *heap, size_t size, bool *zeroed) {
  *zeroed = false;
  if (heap->remote_mask != 0) brisk_remote_flush_all(heap);
  if (atomic_load_explicit(&heap->delayed, memory_order_relaxed) != NULL)
    brisk_page_collect_delayed(heap);
  if (heap->purge_due_ms != 0 && (++heap->slow_ticks & 15) == 0) {
    heap->now_ms = brisk_os_now_ms(); /* paced: one clock read per 16 slow paths */
    if (heap->now_ms >= heap->purge_due_ms) brisk_heap_purge(heap, PURGE_EXPIRED);
  }
  void *p;
  size_t usable;
  for (int attempt = 0;; attempt++) {
    if (size <= BRISK_CLASS_MAX) {
      unsigned bin = brisk_bin_of(size);
      p = brisk_page_alloc_slow(heap, bin);
      usable = brisk_bin_size[bin];
    } else if (size <= BRISK_LARGE_MAX) {
      p = large_alloc(heap, size, zeroed);
      usable = (size + BRISK_SLICE_SIZE - 1) & ~(BRISK_SLICE_SIZE - 1);
    } else {
      p = brisk_huge_alloc(size, 0, zeroed);
      usable = p != NULL ? brisk_usable_impl(p) : 0;
    }
    /* Out of memory: give back what brisk keeps cached and try once more. */
    if (p != NULL || attempt > 0 || brisk_release_cached(heap) == 0) break;
  }
  if (p == NULL) return NULL;
  STAT_ADD(heap->stats.malloc_calls, 1);
  STAT_ADD(heap->stats.bytes_requested, size);
  STAT_ADD(heap->stats.alloc_bytes, usable);
  return p;
}

/* Out of memory (the kernel refused a mapping, e.g. under RLIMIT_AS):
 * unmap what brisk holds without need — the calling heap's empty segments
 * and free spans, the segment cache, the huge cache.  Returns the bytes
 * released (0: nothing to retry with). */
size_t brisk_release_cached(heap_t *heap) {
  size_t released = 0;
  if (heap != NULL && heap != &brisk_heap_empty) {
    brisk_foreign_flush_all(heap);
    brisk_remote_flush_all(heap);
    brisk_heap_collect(heap, true);
    released += brisk_heap_purge(heap, PURGE_ALL);
    released += brisk_segment_release_all_spare(heap);
  }
  released += brisk_huge_cache_trim(true);
  released += brisk_segment_cache_trim();
  return released;
}

static heap_t *current_heap(void) {
  heap_t *heap = brisk_tls_heap;
  if (unlikely(heap == &brisk_heap_empty)) heap = brisk_heap_get_or_init();
  return heap;
}

/* Allocation when the fast path cannot serve: sets ENOMEM on failure. */
NOINLINE void *brisk_malloc_slow(heap_t *heap, size_t size) {
  if (unlikely(heap == &brisk_heap_empty)) {
    heap = brisk_heap_get_or_init();
    if (heap == NULL) {
      errno = ENOMEM;
      return NULL;
    }
    if (size <= BRISK_SMALL_MAX) return brisk_malloc_inline(size);
  }
  if (unlikely(size > PTRDIFF_MAX)) {
    errno = ENOMEM;
    return NULL;
  }
  bool zeroed;
  void *p = heap_alloc(heap, size, &zeroed);
  if (p == NULL) errno = ENOMEM;
  return p;
}

/* calloc body: n bytes, zeroed; memset skipped for fresh mappings. */
void *brisk_calloc_impl(size_t n) {
  if (n <= BRISK_SMALL_MAX) {
    void *p = brisk_malloc_inline(n);
    if (p != NULL) memset(p, 0, n);
    return p;
  }
  heap_t *heap = current_heap();
  if (heap == NULL || n > PTRDIFF_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  bool zeroed;
  void *p = heap_alloc(heap, n, &zeroed);
  if (p == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  if (!zeroed) memset(p, 0, n);
  return p;
}

/* Mark the span of p as holding an interior (aligned) pointer. */
static void *mark_aligned(void *base, void *p) {
  if (p != base) {
    segment_t *seg = (segment_t *)((uintptr_t)base & ~BRISK_SEGMENT_MASK);
    page_t *page = page_of(seg, base);
    page->flags |= PAGE_HAS_ALIGNED;
  }
  return p;
}

/* size bytes aligned to align (a power of two); ENOMEM on failure. */
void *brisk_alloc_aligned(size_t size, size_t align) {
  if (align <= BRISK_ALIGN) return brisk_malloc_inline(size);
  heap_t *heap = current_heap();
  if (heap == NULL || size > PTRDIFF_MAX || align > PTRDIFF_MAX / 2) {
    errno = ENOMEM;
    return NULL;
  }
  bool zeroed;
  void *p = NULL;
  if (align <= BRISK_SLICE_SIZE && size <= BRISK_CLASS_MAX) {
    /* A class whose block size is a multiple of align yields aligned
     * blocks: page areas start on a slice (64 KiB) boundary. */
    size_t rounded = (size + align - 1) & ~(align - 1);
    if (rounded <= BRISK_CLASS_MAX && brisk_bin_size[brisk_bin_of(rounded)] % align == 0)
      p = heap_alloc(heap, rounded, &zeroed);
    else if (size + align - 1 <= BRISK_LARGE_MAX) {
      void *base = heap_alloc(heap, size + align - 1, &zeroed);
      if (base != NULL)
        p = mark_aligned(base, (void *)(((uintptr_t)base + align - 1) & ~(uintptr_t)(align - 1)));
    }
  } else if (align <= BRISK_SLICE_SIZE && size <= BRISK_LARGE_MAX) {
    p = heap_alloc(heap, size, &zeroed); /* large spans are slice-aligned */
  } else if (align <= BRISK_LARGE_MAX / 2 && size + align <= BRISK_LARGE_MAX) {
    void *base = heap_alloc(heap, size + align, &zeroed); /* a large span */
    if (base != NULL)
      p = mark_aligned(base, (void *)(((uintptr_t)base + align - 1) & ~(uintptr_t)(align - 1)));
  } else {
    p = brisk_huge_alloc(size, align, &zeroed);
    if (p == NULL && brisk_release_cached(heap) > 0) p = brisk_huge_alloc(size, align, &zeroed);
    if (p != NULL) {
      STAT_ADD(heap->stats.malloc_calls, 1);
      STAT_ADD(heap->stats.bytes_requested, size);
      STAT_ADD(heap->stats.alloc_bytes, brisk_usable_impl(p));
    }
  }
  if (p == NULL) errno = ENOMEM;
  return p;
}

/* -------------------------------------------------------------- lookups */

/* Page of a pointer inside a segment, validated.  Returns the page head,
 * or aborts naming the bug. */
static page_t *checked_page(segment_t *seg, const void *p, const char *fn) {
  if (seg->magic != BRISK_SEGMENT_MAGIC) brisk_fatal(fn, p);
  page_t *page = page_of(seg, p);
  size_t off = (size_t)((const uint8_t *)p - page_area(page));
  switch (page->kind) {
  case SPAN_PAGE:
    if (off >= (size_t)page->reserved * page->block_size) brisk_fatal(fn, p);
    if (!bin_is_block_start(page->bin, (uint32_t)off) &&
        !(__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PAGE_HAS_ALIGNED))
      brisk_fatal(fn, p);
    return page;
  case SPAN_LARGE:
    if (off >= page->block_size) brisk_fatal(fn, p);
    if (off != 0 && !(__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PAGE_HAS_ALIGNED))
      brisk_fatal(fn, p);
    return page;
  case SPAN_FREE:
    brisk_fatal("double free or invalid pointer", p);
  default:
    brisk_fatal(fn, p);
  }
}

/* Usable bytes of the block p, counted from p; a pointer that is not a
 * live block aborts with "brisk: <fn>: invalid pointer". */
static size_t usable_checked(const void *p, const char *fn) {
  uintptr_t u = (uintptr_t)p;
  uintptr_t e = brisk_segmap_get(u);
  if (e & 1) {
    huge_t *h = (huge_t *)(e & ~(uintptr_t)3);
    if (h->magic != BRISK_HUGE_MAGIC || !h->live || p < (void *)h->block)
      brisk_fatal(fn, p);
    return brisk_huge_usable(h, p);
  }
  if (e == 0 || (e & ~(uintptr_t)3) != (u & ~(uintptr_t)BRISK_SEGMENT_MASK)) brisk_fatal(fn, p);
  segment_t *seg = (segment_t *)(e & ~(uintptr_t)3);
  page_t *page = checked_page(seg, p, fn);
  return (size_t)(page_block_start(page, p) + page->block_size - (const uint8_t *)p);
}

size_t brisk_usable_impl(const void *p) {
  if (p == NULL) return 0;
  return usable_checked(p, "malloc_usable_size(): invalid pointer");
}

/* ------------------------------------------------------------------- free */

/* Count a free of `bytes` usable bytes in the calling thread's heap (or
 * the orphan counters when the thread has no heap). */
static void count_free(size_t bytes, bool remote) {
  heap_t *heap = brisk_tls_heap;
  if (heap == &brisk_heap_empty) {
    brisk_stats_orphan_free(bytes);
    return;
  }
  STAT_ADD(heap->stats.free_calls, 1);
  STAT_ADD(heap->stats.freed_bytes, bytes);
  if (remote) STAT_ADD(heap->stats.remote_frees, 1);
}

static void large_free(heap_t *heap, segment_t *seg, page_t *page, const void *p) {
  if ((const uint8_t *)p != page_area(page) && !(__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PAGE_HAS_ALIGNED))
    brisk_fatal("free(): invalid pointer", p);
  block_t *b = (block_t *)page_area(page);
  if (b->mark == block_free_mark(b)) brisk_double_free(p);
  count_free(page->block_size, seg->heap != heap);
  if (seg->heap == heap) {
    page->flags = PAGE_NOT_SMALL;
    brisk_span_free(heap, page);
    return;
  }
  /* Owned by another thread: hand it over through the owner's delayed list
   * (marked, so a second free before the owner collects it is caught). */
  b->mark = block_free_mark(b);
  brisk_delayed_push(seg->heap, b, b);
}

/* Free of p inside segment seg (validated by the segmap probe) that the
 * fast path could not do: a full or aligned page, another thread's block,
 * a large block, or a pointer that is no block start.  Checks cost a
 * multiply, no division. */
NOINLINE void brisk_free_in_segment(segment_t *seg, page_t *page, void *p) {
  heap_t *heap = brisk_tls_heap;
  if (page->kind != SPAN_PAGE) {
    if (page->kind == SPAN_LARGE) {
      large_free(heap, seg, page, p);
      return;
    }
    brisk_fatal(page->kind == SPAN_FREE ? "double free or invalid pointer" : "free(): invalid pointer", p);
  }
  uint32_t off = (uint32_t)((uint8_t *)p - page_area(page));
  block_t *b = (block_t *)p;
  if (unlikely(!bin_is_block_start(page->bin, off))) {
    if (!(__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PAGE_HAS_ALIGNED))
      brisk_fatal("free(): invalid pointer", p);
    b = (block_t *)page_block_start(page, p);
  }
  if (unlikely(off >= (uint32_t)page->reserved * page->block_size)) brisk_fatal("free(): invalid pointer", p);
  if (seg->heap == heap) {
    count_free(page->block_size, false);
    brisk_page_free_local_slow(heap, page, b);
    return;
  }
  if (b->mark == block_free_mark(b)) brisk_double_free(b);
  b->mark = block_free_mark(b);
  count_free(page->block_size, true);
  if (heap != &brisk_heap_empty && brisk_foreign_keep(heap, page, b)) return;
  brisk_page_free_remote(heap, page, b);
}

/* Free of a pointer that is in no segment: NULL, a huge block, or not
 * brisk's at all. */
NOINLINE void brisk_free_slow(void *p) {
  if (p == NULL) return;
  uintptr_t u = (uintptr_t)p;
  uintptr_t e = brisk_segmap_get(u);
  if (e & 1) {
    huge_t *h = (huge_t *)(e & ~(uintptr_t)3);
    if (h->magic == BRISK_HUGE_MAGIC && h->live && (uint8_t *)p == h->block)
      count_free(brisk_huge_usable(h, p), false);
    brisk_huge_free(h, p);
    return;
  }
  if (e == 0 || (e & ~(uintptr_t)3) != (u & ~(uintptr_t)BRISK_SEGMENT_MASK))
    brisk_fatal("free(): invalid pointer", p);
  segment_t *seg = (segment_t *)(e & ~(uintptr_t)3);
  brisk_free_in_segment(seg, page_of(seg, p), p);
}

/* free_sized / free_aligned_sized: in debug builds, abort when the size
 * given is larger than the block. */
void brisk_check_free_size(void *p, size_t size) {
  if (BRISK_DEBUG && p != NULL && size > brisk_usable_impl(p))
    brisk_fatal("free_sized(): size larger than the block", p);
}

/* ---------------------------------------------------------------- realloc */

/* Try to grow a large span in place into the free span right after it. */
static bool large_grow_in_place(segment_t *seg, page_t *page, size_t size) {
  if (seg->heap != brisk_tls_heap || size > BRISK_LARGE_MAX) return false;
  if (page->flags & PAGE_HAS_ALIGNED) return false;
  uint32_t slices = (uint32_t)((size + BRISK_SLICE_SIZE - 1) >> BRISK_SLICE_SHIFT);
  if (!brisk_span_grow(seg->heap, page, slices)) return false;
  heap_t *heap = seg->heap;
  STAT_ADD(heap->stats.alloc_bytes, ((size_t)slices << BRISK_SLICE_SHIFT) - page->block_size);
  page->block_size = slices << BRISK_SLICE_SHIFT;
  return true;
}

void *brisk_realloc_impl(void *p, size_t size) {
  if (p == NULL) return brisk_malloc_inline(size);
  if (size == 0) {
    brisk_free_inline(p);
    return NULL;
  }
  if (size > PTRDIFF_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  size_t usable = usable_checked(p, "realloc(): invalid pointer");
  uintptr_t e = brisk_segmap_get((uintptr_t)p);
  if (e & 1) {
    huge_t *h = (huge_t *)(e & ~(uintptr_t)3);
    if (size > BRISK_LARGE_MAX && (uint8_t *)p == h->block) {
      void *q = brisk_huge_realloc(h, p, size);
      if (q != NULL) return q;
    }
  } else if (size <= usable) {
    segment_t *seg = (segment_t *)(e & ~(uintptr_t)3);
    page_t *page = page_of(seg, p);
    if (page->kind == SPAN_LARGE && size > BRISK_CLASS_MAX && seg->heap == brisk_tls_heap &&
        (uint8_t *)p == page_area(page)) {
      /* Shrink in place: the tail slices go back to the segment. */
      uint32_t slices = (uint32_t)((size + BRISK_SLICE_SIZE - 1) >> BRISK_SLICE_SHIFT);
      if (slices < page->slice_count) {
        STAT_ADD(brisk_tls_heap->stats.freed_bytes, page->block_size - ((size_t)slices << BRISK_SLICE_SHIFT));
        brisk_span_shrink(seg->heap, page, slices);
        page->block_size = slices << BRISK_SLICE_SHIFT;
      }
      return p;
    }
    /* Keep the block unless moving to a smaller class saves a quarter. */
    if (size > BRISK_CLASS_MAX || brisk_bin_size[brisk_bin_of(size)] > usable - usable / 4) return p;
  } else if (size > usable) {
    segment_t *seg = (segment_t *)(e & ~(uintptr_t)3);
    page_t *page = page_of(seg, p);
    if (page->kind == SPAN_LARGE && large_grow_in_place(seg, page, size)) return p;
  }
  void *q = brisk_malloc_inline(size);
  if (q == NULL) return NULL; /* errno is ENOMEM; p is intact */
  memcpy(q, p, usable < size ? usable : size);
  brisk_free_inline(p);
  return q;
}
