/* SPDX-License-Identifier: MIT */
/* core/large.c — the large-block life cycle (core/large.h).
 *
 * A large block is the whole area of a SPAN_LARGE span but its last
 * SPAN_GUARD_BYTES (flags PAGE_NOT_SMALL, used 1, block_size = its bytes:
 * large_span_usable(slice_count)); the block's free mark
 * lives in its first word pair like a small block's.  A free by the owner
 * returns the span at once; a free by another thread marks the block and
 * hands it to the owner's delayed list (so a second free before the owner
 * collects it is caught).  Thread ownership: alloc/grow/shrink on the
 * owner's thread; free on any thread.
 */
#include "core/large.h"
#include "core/block.h"
#include "core/purge.h"
#include "core/remote.h"
#include "core/segment.h"
#include "core/span.h"
#include "observe/event.h"

void *brisk_large_alloc(heap_t *heap, size_t size, bool *zeroed) {
  uint32_t slices = large_slices(size);
  page_t *span = brisk_span_alloc(heap, slices);
  if (span == NULL) return NULL;
  *zeroed = !span->dirty;
  span->kind = SPAN_LARGE;
  span->flags = PAGE_NOT_SMALL;
  span->block_size = (uint32_t)large_span_usable(slices);
  span->used = 1;
  span->capacity = span->reserved = 1;
  span->free = NULL;
  STAT_ADD(heap->stats.large_spans, 1);
  block_t *b = (block_t *)page_area(span);
  block_unmark(b); /* a stale mark of an earlier block may be there */
  return b;
}

void brisk_large_free(heap_t *heap, page_t *page, const void *p) {
  segment_t *seg = segment_of_page(page);
  if ((const uint8_t *)p != page_area(page) &&
      !(__atomic_load_n(&page->flags, __ATOMIC_RELAXED) & PAGE_HAS_ALIGNED))
    brisk_output_fatal("free(): invalid pointer", p);
  block_t *b = (block_t *)page_area(page);
  block_on_free(b);
  heap_t *owner = seg->heap;
  brisk_event_free(heap, page->block_size, owner != heap);
  event_large_freed(heap);
  if (owner == heap) {
    page->flags = PAGE_NOT_SMALL;
    brisk_span_free(heap, page);
    purge_after_free(heap);
    return;
  }
  brisk_remote_delayed_push(owner, b, b);
}

bool brisk_large_grow(heap_t *heap, page_t *page, size_t size) {
  if (page->flags & PAGE_HAS_ALIGNED) return false;
  uint32_t slices = large_slices(size);
  if (!brisk_span_grow(heap, page, slices)) return false;
  brisk_event_resize(heap, page->block_size, large_span_usable(slices));
  page->block_size = (uint32_t)large_span_usable(slices);
  return true;
}

void brisk_large_shrink(heap_t *heap, page_t *page, size_t size) {
  uint32_t slices = large_slices(size);
  if (slices >= page->slice_count) return;
  brisk_event_resize(heap, page->block_size, large_span_usable(slices));
  brisk_span_shrink(heap, page, slices);
  page->block_size = (uint32_t)large_span_usable(slices);
}
