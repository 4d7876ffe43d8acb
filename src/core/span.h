/* SPDX-License-Identifier: MIT */
/* core/span.h — spans: runs of slices inside a heap's segments, free or
 * in use, with best-fit allocation and eager coalescing.
 * Everything here runs on the owner heap's thread, without locks. */
#ifndef BRISK_CORE_SPAN_H
#define BRISK_CORE_SPAN_H

#include "core/types.h"

/* Bytes at the end of every span in use that no block may occupy: with
 * BRISK_GUARD_PAGES its last OS page, kept PROT_NONE (core/span.c), so a
 * linear overflow off the end of a span faults before the next span. */
#define SPAN_GUARD_BYTES ((size_t)(BRISK_GUARD_PAGES ? BRISK_OS_PAGE : 0))

/* Allocate a span of `slices` slices (1..63) for heap.  The head comes back
 * with kind SPAN_FREE still set: the caller sets kind, flags and contents
 * (a page or a large block: its last SPAN_GUARD_BYTES are the guard, maybe
 * already PROT_NONE); head->dirty is 0 only if the whole span is known to
 * read as zeros.  Returns NULL when no segment can be had (ENOMEM). */
page_t *brisk_span_alloc(heap_t *heap, uint32_t slices);
/* Return a span (any kind, its memory dirty) to its segment, coalescing
 * with free neighbours (its guard page, if any, is made accessible
 * first); an emptied segment is kept (up to options_empty_segments_max()
 * per heap, core/options.h) or released. */
void brisk_span_free(heap_t *heap, page_t *span);
/* Grow an in-use span in place to `slices` by taking the front of the free
 * span after it (the guard moves to the new end).  Returns false (nothing
 * changed) when that cannot be. */
bool brisk_span_grow(heap_t *heap, page_t *span, uint32_t slices);
/* Shrink an in-use span in place to `slices` (>= 1): the tail is freed and
 * the guard moves to the new end. */
void brisk_span_shrink(heap_t *heap, page_t *span, uint32_t slices);
/* Describe slices 1..63 of seg, a segment of heap whose spans are all
 * dead (core/owned.c resetting a heap: no block of it is referenced),
 * as one dirty free span, empty and binned, on the purge clock. */
void brisk_span_reset_segment(heap_t *heap, segment_t *seg);
/* Take free span `span` out of its bin (core/purge.c releasing segments). */
void brisk_span_unbin(heap_t *heap, page_t *span);
/* Record that free span `span` now reads as zero (its purge succeeded). */
void brisk_span_mark_clean(heap_t *heap, page_t *span);

#endif
