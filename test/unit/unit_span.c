/* SPDX-License-Identifier: MIT */
/* unit_span — spans inside segments: best fit, splitting, coalescing.
 *
 * On a fresh heap: spans come back slice-aligned inside one segment;
 * freeing neighbours coalesces them eagerly in both directions (the bins
 * then hold one span covering the hole); emptied segments are kept dirty
 * (up to options_empty_segments_max(): half the dirty limit's worth, so 4 at
 * the default 32 MiB and 16 at 128 MiB; one more is released at once)
 * until a purge releases all but one; brisk_span_grow takes the front of
 * the free neighbour;
 * slice_offset of every descriptor points at the head.
 */
#include "unit.h"

static uint32_t bins_total(heap_t *h, uint32_t *count) {
  uint32_t slices = 0, n = 0;
  for (unsigned i = 0; i < BRISK_SLICES_PER_SEGMENT; i++)
    for (page_t *s = h->spans[i]; s != NULL; s = s->next) {
      UCHECK(s->kind == SPAN_FREE && s->slice_count == i, "bin %u holds a bad span", i);
      slices += s->slice_count;
      n++;
    }
  *count = n;
  return slices;
}

static void check_offsets(page_t *head) {
  for (uint32_t k = 0; k < head->slice_count; k++)
    UCHECK(head[k].slice_offset == k, "descriptor %u of span points %u back", k, head[k].slice_offset);
}

int main(void) {
  heap_t *h = brisk_heap_get_or_init();
  UCHECK(h != NULL && h != &brisk_heap_empty, "no heap");
  page_t *a = brisk_span_alloc(h, 3);
  page_t *b = brisk_span_alloc(h, 5);
  page_t *c = brisk_span_alloc(h, 2);
  UCHECK(a && b && c, "span_alloc failed");
  segment_t *seg = segment_of_page(a);
  UCHECK(segment_of_page(b) == seg && segment_of_page(c) == seg, "spans in different segments");
  UCHECK(((uintptr_t)page_area(a) & (BRISK_SLICE_SIZE - 1)) == 0, "area not slice aligned");
  UCHECK(page_area(a) >= (uint8_t *)seg + BRISK_SLICE_SIZE, "span overlaps the header slice");
  UCHECK(seg->used_slices == 10, "used_slices %u", seg->used_slices);
  for (page_t *s = a; s; s = s == a ? b : s == b ? c : NULL) {
    s->kind = SPAN_LARGE;
    check_offsets(s);
  }
  uint32_t n;
  UCHECK(bins_total(h, &n) == BRISK_USABLE_SLICES - 10 && n == 1, "free slices %u in %u spans",
         bins_total(h, &n), n);
  brisk_span_free(h, b); /* hole between a and c */
  UCHECK(bins_total(h, &n) == BRISK_USABLE_SLICES - 5 && n == 2, "after free(b): %u spans", n);
  brisk_span_free(h, a); /* coalesces with b's hole: one 8-slice span */
  UCHECK(h->spans[8] != NULL && h->spans[8]->slice_count == 8, "a+b not coalesced");
  check_offsets(h->spans[8]);
  /* grow c in place into the free tail */
  UCHECK(brisk_span_grow(h, c, 6), "grow failed");
  UCHECK(c->slice_count == 6 && seg->used_slices == 6, "grow: %u slices, used %u", c->slice_count,
         seg->used_slices);
  check_offsets(c);
  brisk_span_shrink(h, c, 4); /* tail of 2 slices back, merged with the free rest */
  UCHECK(c->slice_count == 4 && seg->used_slices == 4, "shrink: %u slices, used %u", c->slice_count,
         seg->used_slices);
  check_offsets(c);
  UCHECK(bins_total(h, &n) == BRISK_USABLE_SLICES - 4 && n == 2, "after shrink: %u spans", n);
  brisk_span_free(h, c); /* segment empty: kept as the heap's one empty segment */
  UCHECK(bins_total(h, &n) == BRISK_USABLE_SLICES && n == 1, "empty segment: %u spans", n);
  UCHECK(h->empty_segments == 1 && h->segments == seg, "empty segment not kept");
  /* a span bigger than what is left forces a second segment */
  page_t *big1 = brisk_span_alloc(h, 40);
  page_t *big2 = brisk_span_alloc(h, 40);
  UCHECK(big1 && big2 && segment_of_page(big1) != segment_of_page(big2), "40+40 slices in one segment");
  big1->kind = big2->kind = SPAN_LARGE;
  brisk_span_free(h, big1);
  brisk_span_free(h, big2); /* up to options_empty_segments_max() stay, dirty */
  UCHECK(h->empty_segments == 2 && h->dirty_bytes > 0, "empty segments %u", h->empty_segments);
  brisk_purge_heap(h, PURGE_ALL); /* all but one released, that one purged */
  UCHECK(h->empty_segments == 1 && h->dirty_bytes == 0, "after purge: %u empty, %zu dirty",
         h->empty_segments, h->dirty_bytes);
  UCHECK(h->segments != NULL && h->segments->next == NULL, "more than one segment left");

  /* the empty segments kept follow the dirty limit */
  long dirty_max = brisk_options.dirty_max_kib;
  for (int round = 0; round < 2; round++) {
    uint32_t keep = round == 0 ? 4 : 16;
    if (round == 1) brisk_options.dirty_max_kib = 128 * 1024;
    UCHECK(options_empty_segments_max() == keep, "dirty limit %ld KiB keeps %u empty segments",
           brisk_options.dirty_max_kib, options_empty_segments_max());
    enum { NSEG = 20 };
    page_t *sp[NSEG];
    for (int i = 0; i < NSEG; i++) {
      sp[i] = brisk_span_alloc(h, 40); /* one segment each (the kept one first) */
      UCHECK(sp[i] != NULL, "span %d", i);
      sp[i]->kind = SPAN_LARGE;
    }
    for (int i = 0; i < NSEG; i++) brisk_span_free(h, sp[i]);
    UCHECK(h->empty_segments == keep, "dirty limit %ld KiB: %u empty segments kept, want %u",
           brisk_options.dirty_max_kib, h->empty_segments, keep);
    brisk_purge_heap(h, PURGE_ALL);
    UCHECK(h->empty_segments == 1, "after purge: %u empty", h->empty_segments);
  }
  brisk_options.dirty_max_kib = 0; /* the floor: one empty segment is kept */
  UCHECK(options_empty_segments_max() == 1, "dirty limit 0 keeps %u", options_empty_segments_max());
  brisk_options.dirty_max_kib = dirty_max;
  puts("span ok");
  return 0;
}
