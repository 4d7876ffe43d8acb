/* SPDX-License-Identifier: MIT */
/* core/large.h — large blocks (BRISK_CLASS_MAX < usable <= BRISK_LARGE_MAX):
 * one block per span of whole slices, with its whole life cycle here:
 * allocation, owner and remote frees, in-place growth and shrinking. */
#ifndef BRISK_CORE_LARGE_H
#define BRISK_CORE_LARGE_H

#include "core/span.h"
#include "core/types.h"

/* A large block of at least size bytes for heap (owner thread).  *zeroed
 * tells whether it reads as zero.  NULL when out of memory. */
void *brisk_large_alloc(heap_t *heap, size_t size, bool *zeroed);
/* Slices of the span for a large block of `size` requested bytes: the
 * block and, after it, the span's guard (SPAN_GUARD_BYTES). */
static inline uint32_t large_slices(size_t size) {
  return (uint32_t)((size + SPAN_GUARD_BYTES + BRISK_SLICE_SIZE - 1) >> BRISK_SLICE_SHIFT);
}
/* Usable bytes of a large block in a span of `slices` slices. */
static inline size_t large_span_usable(uint32_t slices) {
  return ((size_t)slices << BRISK_SLICE_SHIFT) - SPAN_GUARD_BYTES;
}
/* Usable bytes of a large block of `size` requested bytes. */
static inline size_t large_usable(size_t size) { return large_span_usable(large_slices(size)); }
/* Free the large block of span `page` (p points into it; checked) on
 * behalf of the calling thread, whose heap is `heap` (maybe the sentinel). */
void brisk_large_free(heap_t *heap, page_t *page, const void *p);
/* Note that the block of large span `page` was handed out at an interior
 * (aligned) offset: free() then accepts pointers into it. */
static inline void large_set_aligned(page_t *page) { page->flags |= PAGE_HAS_ALIGNED; }
/* Grow the block of `page` (owned by heap, the caller's) in place to hold
 * size bytes: false (nothing changed) when the next span is not free. */
bool brisk_large_grow(heap_t *heap, page_t *page, size_t size);
/* Shrink the block of `page` (owned by heap) in place to size bytes
 * (> BRISK_CLASS_MAX): the tail slices go back to the segment. */
void brisk_large_shrink(heap_t *heap, page_t *page, size_t size);

#endif
