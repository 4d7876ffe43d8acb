/* SPDX-License-Identifier: MIT */
/* heaps/region_index.c — the TLSF free index of a region: two-level
 * size mapping, bitmaps, doubly linked free lists (links are offsets).
 *
 * Mapping: blocks below RG_SMALL (256) go to first level 0, one list per
 * 16 bytes; above, first level fl = log2(size) - 7 covers [2^(fl+7),
 * 2^(fl+8)), cut into RG_SL_COUNT equal second-level lists.  Every
 * operation is O(1): a count-leading-zeros for the mapping, at most two
 * count-trailing-zeros for the search, constant list surgery.
 *
 * Owns: heads, sl_bitmap, fl_bitmap, nfree, free_bytes, and words 2-3
 * (next, prev) of free blocks.  Invariant I6 (region.h): a free block is
 * in exactly the list of its size; bit s of sl_bitmap[f] is set iff
 * heads[f][s] != 0; bit f of fl_bitmap iff sl_bitmap[f] != 0.
 *
 * Locking: under the region lock.
 */
#include <string.h>

#include "heaps/region.h"

void brisk_region_index_map_insert(uint64_t size, unsigned *fl, unsigned *sl) {
  if (size < RG_SMALL) {
    *fl = 0;
    *sl = (unsigned)(size >> 4);
    return;
  }
  unsigned l = 63u - (unsigned)__builtin_clzll(size);
  *fl = l - 7u;
  *sl = (unsigned)(size >> (l - RG_SL_LOG2)) - RG_SL_COUNT;
}

void brisk_region_index_insert(region_t *r, roff_t off) {
  rblock_t *b = rb_at(r, off);
  uint64_t size = RB_SIZE(b->sf);
  unsigned fl, sl;
  brisk_region_index_map_insert(size, &fl, &sl);
  roff_t head = r->heads[fl][sl];
  b->next = head;
  b->prev = 0;
  if (head != 0) rb_at(r, head)->prev = off;
  r->heads[fl][sl] = off;
  r->sl_bitmap[fl] |= 1u << sl;
  r->fl_bitmap |= 1ull << fl;
  r->nfree++;
  r->free_bytes += size;
}

void brisk_region_index_remove(region_t *r, roff_t off) {
  rblock_t *b = rb_at(r, off);
  uint64_t size = RB_SIZE(b->sf);
  unsigned fl, sl;
  brisk_region_index_map_insert(size, &fl, &sl);
  if (b->prev != 0)
    rb_at(r, b->prev)->next = b->next;
  else
    r->heads[fl][sl] = b->next;
  if (b->next != 0) rb_at(r, b->next)->prev = b->prev;
  if (r->heads[fl][sl] == 0) {
    r->sl_bitmap[fl] &= ~(1u << sl);
    if (r->sl_bitmap[fl] == 0) r->fl_bitmap &= ~(1ull << fl);
  }
  r->nfree--;
  r->free_bytes -= size;
}

/* The fallback when no list above bsize's has a block: the first block of
 * bsize's own list, if it happens to be large enough (one probe, so that
 * the last block of a nearly full region can still be handed out). */
static roff_t exact_head(region_t *r, uint64_t bsize) {
  unsigned fl, sl;
  brisk_region_index_map_insert(bsize, &fl, &sl);
  if (fl >= RG_FL_COUNT) return 0;
  roff_t off = r->heads[fl][sl];
  if (off == 0 || rb_size(r, off) < bsize) return 0;
  brisk_region_index_remove(r, off);
  return off;
}

roff_t brisk_region_index_find(region_t *r, uint64_t bsize) {
  /* Round up to the next list boundary: every block of the list found is
   * then at least bsize (good fit without searching a list). */
  uint64_t s = bsize;
  if (s >= RG_SMALL) {
    unsigned l = 63u - (unsigned)__builtin_clzll(s);
    s += (1ull << (l - RG_SL_LOG2)) - 1;
  }
  unsigned fl, sl;
  brisk_region_index_map_insert(s, &fl, &sl);
  uint32_t slmap = fl < RG_FL_COUNT ? r->sl_bitmap[fl] & (~0u << sl) : 0;
  if (slmap == 0) {
    uint64_t flmap = fl + 1 < RG_FL_COUNT ? r->fl_bitmap & (~0ull << (fl + 1)) : 0;
    if (flmap == 0) return exact_head(r, bsize);
    fl = (unsigned)__builtin_ctzll(flmap);
    slmap = r->sl_bitmap[fl];
  }
  sl = (unsigned)__builtin_ctz(slmap);
  roff_t off = r->heads[fl][sl];
  brisk_region_index_remove(r, off);
  return off;
}

void brisk_region_index_clear(region_t *r) {
  memset(r->heads, 0, sizeof r->heads);
  memset(r->sl_bitmap, 0, sizeof r->sl_bitmap);
  r->fl_bitmap = 0;
  r->nfree = 0;
  r->free_bytes = 0;
}
