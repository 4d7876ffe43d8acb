/* SPDX-License-Identifier: MIT */
/* core/check.c — the debug-full invariant walks (core/check.h).
 * Compiled in every build (so it keeps compiling); called only when
 * BRISK_DEBUG_FULL is 1.  Reads; never changes anything. */
#include "core/check.h"
#include "core/block.h"
#include "core/mesh.h"
#include "core/page.h"
#include "core/pageflags.h"
#include "core/segmap.h"
#include "core/segment.h"
#include "observe/output.h"

#define REQUIRE(cond, what, p) \
  ((cond) ? (void)0 : brisk_output_fatal("invariant broken: " what, (const void *)(p)))

/* A page's free list: blocks of its area, carved, marked free, distinct
 * (bounded walk), at most capacity of them.  `used` is not bounded here:
 * a remote chain taken from xfree before its pusher added it to rfreed is
 * on the free list (and may be handed out again) while `used` still counts
 * it, so used may exceed capacity until the next collection (core/remote.h:
 * used errs high, which only delays retiring the page). */
static void check_page(const heap_t *heap, const page_t *page) {
  REQUIRE(page->kind == SPAN_PAGE, "page kind", page);
  REQUIRE(segment_of_page(page)->heap == heap, "page owner", page);
  REQUIRE(page->capacity <= page->reserved, "capacity <= reserved", page);
  uint32_t n = 0;
  for (const block_t *b = page->free; b != NULL; b = block_next(b)) {
    REQUIRE(page_is_carved_block(page, b), "free block is a carved block start", b);
    REQUIRE(block_is_free(b), "free block carries the free mark", b);
    REQUIRE(++n <= page->capacity, "free list longer than capacity (cycle?)", b);
  }
  REQUIRE(page->fast_limit == page_fast_limit_of(page), "fast_limit follows flags and capacity", page);
  REQUIRE(page->fast_limit_own == page_fast_limit_own_of(page), "fast_limit_own follows flags and capacity", page);
  REQUIRE(page->fast_limit_own == 0 || (page->magic32_own == page->magic32 && page->free_step_own == page->free_step),
          "the owner's copies of magic32 and free_step", page);
  REQUIRE(page->slice_count != 1 || page->magic32 == page_magic_for(page->block_size), "magic32 of the class", page);
  REQUIRE(!(page->flags & PAGE_MULTI) == (page->slice_count == 1), "PAGE_MULTI iff several slices", page);
  const char *why;
  if (page->slice_count == 1 && !brisk_mesh_page_ok(page, &why)) brisk_output_fatal(why, page);
}

/* The span partition of slices 1..63, descriptor offsets, used_slices,
 * free-span coalescing, and the segmap entry. */
static void check_segment(const heap_t *heap, const segment_t *seg, size_t *dirty, size_t *clean) {
  REQUIRE(seg->magic == BRISK_SEGMENT_MAGIC, "segment magic", seg);
  REQUIRE(seg->heap == heap, "segment owner", seg);
  REQUIRE(brisk_segmap_get((uintptr_t)seg) == ((uintptr_t)seg | SEGMAP_SEGMENT), "segmap entry", seg);
  REQUIRE(segbits_test((uintptr_t)seg), "segment bit", seg);
  uint32_t used = 0;
  bool prev_free = false;
  for (uint32_t i = 1; i < BRISK_SLICES_PER_SEGMENT;) {
    const page_t *span = &seg->pages[i];
    uint32_t n = span->slice_count;
    REQUIRE(span->slice_offset == 0 && n >= 1 && i + n <= BRISK_SLICES_PER_SEGMENT, "span head", span);
    for (uint32_t k = 1; k < n; k++) {
      REQUIRE(seg->pages[i + k].slice_offset == k, "slice offset", &seg->pages[i + k]);
      REQUIRE(seg->pages[i + k].fast_limit == 0 && seg->pages[i + k].fast_limit_own == 0, "non-head off the fast path",
              &seg->pages[i + k]);
    }
    if (span->kind == SPAN_FREE) {
      REQUIRE(!prev_free, "free spans coalesced", span);
      REQUIRE(span->fast_limit == 0 && span->fast_limit_own == 0, "free span off the fast path", span);
      *(span->dirty ? dirty : clean) += (size_t)n << BRISK_SLICE_SHIFT;
    } else {
      used += n;
      REQUIRE((seg->guards & (((uint64_t)1 << (i + n - 1)) - ((uint64_t)1 << i))) == 0,
              "no guard page inside a span in use", span);
      if (span->kind == SPAN_PAGE) check_page(heap, span);
      else REQUIRE(span->kind == SPAN_LARGE && span->fast_limit == 0 && span->fast_limit_own == 0, "span kind", span);
    }
    prev_free = span->kind == SPAN_FREE;
    i += n;
  }
  REQUIRE(used == seg->used_slices, "used_slices", seg);
}

/* Whether d is what a direct / by_bin slot of bin must point at: the
 * class's foreign cache when the fast path takes from it, else the
 * first page of its queue, else the empty page; or the foreign cache the
 * fast path may have emptied. */
static bool slot_ok(const heap_t *heap, unsigned bin, const page_t *d) {
  const page_t *want = page_foreign_serves(heap, bin) ? &heap->foreign[bin]
                       : heap->queues[bin].first != NULL ? heap->queues[bin].first
                                                         : &brisk_page_empty;
  return d == want || d == &heap->foreign[bin];
}

/* Queues: every page of bin queue b is a SPAN_PAGE of bin b without
 * PAGE_IN_FULL; the full list holds PAGE_IN_FULL pages; direct slots. */
static void check_queues(const heap_t *heap) {
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    const page_t *prev = NULL;
    for (const page_t *p = heap->queues[bin].first; p != NULL; prev = p, p = p->next) {
      REQUIRE(p->bin == bin && !(p->flags & PAGE_IN_FULL), "queued page", p);
      REQUIRE(p->prev == prev, "queue links", p);
    }
    REQUIRE(heap->queues[bin].last == prev, "queue tail", heap);
  }
  for (const page_t *p = heap->full.first; p != NULL; p = p->next)
    REQUIRE(p->kind == SPAN_PAGE && (p->flags & PAGE_IN_FULL), "full page", p);
  for (unsigned w = 0; w < BRISK_DIRECT_SLOTS; w++) {
    const page_t *d = heap->direct[w];
    unsigned bin = brisk_sizeclass_direct[w];
    REQUIRE(slot_ok(heap, bin, d), "direct slot", d);
    REQUIRE(heap->by_bin[bin] == d, "by_bin follows the direct slots", d);
  }
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++)
    REQUIRE(slot_ok(heap, bin, heap->by_bin[bin]), "by_bin slot", heap->by_bin[bin]);
}

void brisk_check_heap(heap_t *heap) {
  size_t dirty = 0, clean = 0;
  uint32_t empty = 0;
  for (const segment_t *seg = heap->segments; seg != NULL; seg = seg->next) {
    REQUIRE(seg->next == NULL || seg->next->prev == seg, "segment links", seg);
    check_segment(heap, seg, &dirty, &clean);
    if (seg->used_slices == 0) empty++;
  }
  REQUIRE(dirty == heap->dirty_bytes, "dirty_bytes", heap);
  REQUIRE(clean == heap->clean_bytes, "clean_bytes", heap);
  REQUIRE(empty == heap->empty_segments, "empty_segments", heap);
  for (uint32_t n = 1; n < BRISK_SLICES_PER_SEGMENT; n++) {
    REQUIRE(((heap->span_mask >> n) & 1) == (heap->spans[n] != NULL), "span_mask", heap);
    for (const page_t *s = heap->spans[n]; s != NULL; s = s->next)
      REQUIRE(s->kind == SPAN_FREE && s->slice_count == n, "free-span bin", s);
  }
  check_queues(heap);
}
