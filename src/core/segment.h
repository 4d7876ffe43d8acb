/* SPDX-License-Identifier: MIT */
/* core/segment.h — segments: 4 MiB, 4 MiB-aligned units of memory that a
 * heap owns, cut into 64 KiB slices (core/span.h manages the slices).
 *
 * Locking: a segment is touched only by its owner heap's thread; the
 * global cache of empty segments (default source only) is guarded by a
 * mutex that is never held across a system call and never taken by a
 * fork handler.
 */
#ifndef BRISK_CORE_SEGMENT_H
#define BRISK_CORE_SEGMENT_H

#include "core/types.h"

/* Descriptor of the slice holding p: the span's head for a one-slice
 * span; any other descriptor has fast_limit 0 and PAGE_NOT_SMALL set. */
static ALWAYS_INLINE page_t *slice_desc_of(segment_t *seg, const void *p) {
  return &seg->pages[((uintptr_t)p >> BRISK_SLICE_SHIFT) & (BRISK_SLICES_PER_SEGMENT - 1)];
}
/* Head descriptor of the span holding p. */
static ALWAYS_INLINE page_t *page_of(segment_t *seg, const void *p) {
  page_t *page = slice_desc_of(seg, p);
  return page - page->slice_offset;
}
static ALWAYS_INLINE segment_t *segment_of_page(const page_t *page) {
  return (segment_t *)((uintptr_t)page & ~(uintptr_t)BRISK_SEGMENT_MASK);
}
static ALWAYS_INLINE segment_t *segment_of_ptr(const void *p) {
  return (segment_t *)((uintptr_t)p & ~(uintptr_t)BRISK_SEGMENT_MASK);
}
/* First byte of the span whose head descriptor is `page`. */
static inline uint8_t *page_area(const page_t *page) {
  uintptr_t seg = (uintptr_t)segment_of_page(page);
  size_t idx = (size_t)(page - ((const segment_t *)seg)->pages);
  return (uint8_t *)(seg + (idx << BRISK_SLICE_SHIFT));
}

/* A segment for heap (from the global cache or heap->source), linked into
 * heap->segments, with slices 1..63 not yet described (the caller makes
 * them a free span).  *clean tells whether slices 1..63 read as zero.
 * NULL when the source has no memory. */
segment_t *brisk_segment_new(heap_t *heap, bool *clean);
/* Unlink an empty segment from its heap and give it back: purged into the
 * global cache, or unmapped.  dirty: slices 1..63 may be non-zero. */
void brisk_segment_release(heap_t *heap, segment_t *seg, bool dirty);
/* Unlink seg from its heap whatever it holds (a destroyed heap's segment,
 * core/owned.c, whose blocks all die with it) and unregister it at once: a
 * pointer into it is then invalid.  It is unmapped by brisk_segment_reap
 * (any thread's housekeeping, a few at a time; malloc_trim, all), so that
 * a destroy does not wait for the kernel to free its pages. */
void brisk_segment_discard(heap_t *heap, segment_t *seg);
/* Unmap up to max discarded segments.  Returns the bytes.  Any thread. */
size_t brisk_segment_reap(unsigned max);
/* Guard pages (BRISK_GUARD_PAGES; core/span.c decides where they go):
 * protect (on) or open again the last OS page of slice `last` of seg,
 * through heap's source, and keep bit `last` of seg->guards and the
 * process-wide count in step.  Protecting may be refused (the count is at
 * BRISK_GUARD_SPANS_MAX, or the kernel said no): the bit then stays clear.
 * Opening does not fail (it only merges kernel mappings); if it did the
 * page could not be used: abort.  Owner heap's thread. */
void brisk_segment_guard(heap_t *heap, segment_t *seg, uint32_t last, bool on);
/* Unmap every segment of the global cache; returns the bytes. */
size_t brisk_segment_cache_trim(void);
/* Segments mapped now (process-wide, cached ones included). */
uint64_t brisk_segment_count(void);
/* Bytes of slices 1..63 of the cached segments (purged: not committed). */
uint64_t brisk_segment_cached_bytes(void);
/* Fork child: the cache may be mid-update in the parent: forget it. */
void brisk_segment_atfork_child(void);

#endif
