/* SPDX-License-Identifier: MIT */
/* core/span.c — spans of slices: free-span bins, best-fit allocation with
 * splitting, in-place grow/shrink, and freeing with coalescing.
 *
 * Invariants (checked by core/check.c in the debug-full build):
 *  - slices 1..63 of a segment are partitioned into spans; a free span's
 *    head is in heap->spans[slice_count]; no two free spans are adjacent;
 *  - every descriptor of a span has slice_offset = its distance to the
 *    head; the non-head ones carry PAGE_NOT_SMALL and fast_limit 0;
 *  - seg->used_slices = slices in non-free spans;
 *  - heap->dirty_bytes / clean_bytes = bytes of the free spans with dirty
 *    set / clear (clean_bytes is read by observe/stats.c); a free
 *    span with dirty 0 reads as zero (only a successful purge or a fresh
 *    segment clears dirty);
 *  - heap->empty_segments = owned segments with used_slices == 0;
 *  - guard pages (BRISK_GUARD_PAGES): bit i of seg->guards means the
 *    last OS page of slice i is PROT_NONE (core/segment.c).  A span in use
 *    (SPAN_PAGE, SPAN_LARGE) has no guard inside it and has one on its
 *    last slice, unless protecting was refused (the kernel, or
 *    BRISK_GUARD_SPANS_MAX guards exist); its last SPAN_GUARD_BYTES never
 *    hold a block either way.  Free spans, and so empty and cached
 *    segments, may keep any guards of their earlier uses: nobody reads or
 *    writes a free span's memory (a purge may drop the pages of a guard
 *    with the rest), and guard_span opens those that fall inside a span
 *    when it goes into use.
 * Guard cost: lazy both ways.  Freeing a span costs nothing; allocating
 * one protects its last page unless a guard is already there (a span of
 * the size the same place had before: a free/malloc cycle of one size
 * pays nothing once warm) and opens the guards that fall inside it (one
 * mprotect each: an earlier span of another size ended there).
 * Thread ownership: the owner heap's thread only.
 */
#include "core/span.h"
#include "core/pageflags.h"
#include "core/segment.h"
#include "os/os.h"
#include "core/options.h"
#include "config.h"

static inline uint32_t slice_index(const segment_t *seg, const page_t *page) {
  return (uint32_t)(page - seg->pages);
}

/* ------------------------------------------------------------ guard pages */

/* Slices [first, last] become (or stay) a span in use: open the guards
 * inside, protect the last slice's. */
static inline void guard_span(heap_t *heap, segment_t *seg, uint32_t first, uint32_t last) {
  if (!BRISK_GUARD_PAGES) return;
  uint64_t inside = seg->guards & (((uint64_t)1 << last) - ((uint64_t)1 << first));
  for (; inside != 0; inside &= inside - 1)
    brisk_segment_guard(heap, seg, (uint32_t)__builtin_ctzll(inside), false);
  if (!((seg->guards >> last) & 1)) brisk_segment_guard(heap, seg, last, true);
}

/* -------------------------------------------------------- free-span bins */

static void bin_insert(heap_t *heap, page_t *span) {
  uint32_t n = span->slice_count;
  span->prev = NULL;
  span->next = heap->spans[n];
  if (span->next) span->next->prev = span;
  heap->spans[n] = span;
  heap->span_mask |= (uint64_t)1 << n;
  if (span->dirty)
    heap->dirty_bytes += (size_t)n << BRISK_SLICE_SHIFT;
  else
    heap->clean_bytes += (size_t)n << BRISK_SLICE_SHIFT;
}

void brisk_span_unbin(heap_t *heap, page_t *span) {
  uint32_t n = span->slice_count;
  if (span->prev)
    span->prev->next = span->next;
  else
    heap->spans[n] = span->next;
  if (span->next) span->next->prev = span->prev;
  if (heap->spans[n] == NULL) heap->span_mask &= ~((uint64_t)1 << n);
  if (span->dirty)
    heap->dirty_bytes -= (size_t)n << BRISK_SLICE_SHIFT;
  else
    heap->clean_bytes -= (size_t)n << BRISK_SLICE_SHIFT;
  span->next = span->prev = NULL;
}

void brisk_span_mark_clean(heap_t *heap, page_t *span) {
  brisk_assert(span->kind == SPAN_FREE && span->dirty);
  span->dirty = 0;
  heap->dirty_bytes -= (size_t)span->slice_count << BRISK_SLICE_SHIFT;
  heap->clean_bytes += (size_t)span->slice_count << BRISK_SLICE_SHIFT;
}

/* Describe slices [idx, idx+n) as one span whose head is pages[idx]; every
 * descriptor leaves the free fast path (fast_limit 0). */
static page_t *span_mark(segment_t *seg, uint32_t idx, uint32_t n, uint8_t kind) {
  page_t *head = &seg->pages[idx];
  for (uint32_t k = 1; k < n; k++) {
    seg->pages[idx + k].slice_offset = (uint8_t)k;
    seg->pages[idx + k].flags = PAGE_NOT_SMALL;
    page_fast_limit_clear(&seg->pages[idx + k]);
  }
  head->slice_offset = 0;
  head->slice_count = (uint8_t)n;
  head->kind = kind;
  page_fast_limit_clear(head);
  return head;
}

static page_t *free_span_make(heap_t *heap, segment_t *seg, uint32_t idx, uint32_t n,
                              uint8_t dirty, uint32_t since) {
  page_t *span = span_mark(seg, idx, n, SPAN_FREE);
  span->flags = PAGE_NOT_SMALL;
  span->dirty = dirty;
  span->free_since = since;
  span->free = NULL;
  span->used = 0;
  bin_insert(heap, span);
  return span;
}

void brisk_span_reset_segment(heap_t *heap, segment_t *seg) {
  uint64_t now = heap->now_ms = brisk_os_now_ms();
  seg->used_slices = 0;
  heap->empty_segments++;
  free_span_make(heap, seg, 1, BRISK_USABLE_SLICES, 1, (uint32_t)now);
  if (heap->purge_due_ms == 0) heap->purge_due_ms = now + (uint64_t)brisk_options.purge_delay_ms;
  if (heap->dirty_bytes > (size_t)brisk_options.dirty_max_kib * 1024) heap->purge_due_ms = 1;
}

/* ------------------------------------------------------------------- spans */

page_t *brisk_span_alloc(heap_t *heap, uint32_t slices) {
  brisk_assert(slices >= 1 && slices <= BRISK_USABLE_SLICES);
  uint64_t fit = heap->span_mask & ~(((uint64_t)1 << slices) - 1);
  if (fit == 0) {
    bool clean;
    segment_t *seg = brisk_segment_new(heap, &clean);
    if (seg == NULL) return NULL;
    free_span_make(heap, seg, 1, BRISK_USABLE_SLICES, !clean, 0);
    fit = heap->span_mask & ~(((uint64_t)1 << slices) - 1);
  }
  uint32_t n = (uint32_t)__builtin_ctzll(fit);
  page_t *span = heap->spans[n];
  brisk_span_unbin(heap, span);
  uint8_t dirty = span->dirty;
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  if (seg->used_slices == 0) heap->empty_segments--;
  if (n > slices) free_span_make(heap, seg, idx + slices, n - slices, dirty, span->free_since);
  span_mark(seg, idx, slices, SPAN_FREE);
  seg->used_slices += slices;
  span->next = span->prev = NULL;
  span->dirty = dirty; /* tells the caller whether the memory may be non-zero */
  guard_span(heap, seg, idx, idx + slices - 1);
  return span;
}

bool brisk_span_grow(heap_t *heap, page_t *span, uint32_t slices) {
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  uint32_t n = span->slice_count;
  if (slices <= n) return true;
  if (idx + n >= BRISK_SLICES_PER_SEGMENT) return false;
  page_t *next = &seg->pages[idx + n];
  if (next->kind != SPAN_FREE || n + next->slice_count < slices) return false;
  uint32_t total = n + next->slice_count;
  uint8_t dirty = next->dirty;
  uint32_t since = next->free_since;
  brisk_span_unbin(heap, next);
  if (total > slices) free_span_make(heap, seg, idx + slices, total - slices, dirty, since);
  span_mark(seg, idx, slices, span->kind);
  seg->used_slices += slices - n;
  guard_span(heap, seg, idx, idx + slices - 1); /* the old end is inside now */
  return true;
}

void brisk_span_shrink(heap_t *heap, page_t *span, uint32_t slices) {
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  uint32_t n = span->slice_count;
  if (slices >= n || slices == 0) return;
  page_t *tail = span_mark(seg, idx + slices, n - slices, span->kind);
  tail->flags = PAGE_NOT_SMALL;
  span_mark(seg, idx, slices, span->kind);
  brisk_span_free(heap, tail); /* the free tail keeps the old end's guard */
  guard_span(heap, seg, idx, idx + slices - 1);
}

void brisk_span_free(heap_t *heap, page_t *span) {
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  uint32_t n = span->slice_count;
  brisk_assert(seg->used_slices >= n);
  seg->used_slices -= n;
  uint64_t now = heap->now_ms = brisk_os_now_ms(); /* dates the span (vDSO, no syscall) */
  if (idx + n < BRISK_SLICES_PER_SEGMENT) {
    page_t *next = &seg->pages[idx + n];
    if (next->kind == SPAN_FREE) {
      brisk_span_unbin(heap, next);
      n += next->slice_count;
    }
  }
  if (idx > 1) {
    page_t *prev = &seg->pages[idx - 1];
    prev -= prev->slice_offset;
    if (prev->kind == SPAN_FREE) {
      brisk_span_unbin(heap, prev);
      n += prev->slice_count;
      idx = slice_index(seg, prev);
    }
  }
  if (seg->used_slices == 0 && heap->empty_segments >= options_empty_segments_max()) {
    heap->empty_segments++; /* counted as empty for the release below */
    span_mark(seg, 1, BRISK_USABLE_SLICES, SPAN_FREE)->flags = PAGE_NOT_SMALL;
    brisk_segment_release(heap, seg, true);
    return;
  }
  if (seg->used_slices == 0) heap->empty_segments++;
  free_span_make(heap, seg, idx, n, 1, (uint32_t)now);
  if (heap->purge_due_ms == 0) heap->purge_due_ms = now + (uint64_t)brisk_options.purge_delay_ms;
  /* Over the dirty limit: due at once (core/purge.c runs it at the next
   * allocation slow path or large free). */
  if (heap->dirty_bytes > (size_t)brisk_options.dirty_max_kib * 1024) heap->purge_due_ms = 1;
}
