/* SPDX-License-Identifier: MIT */
/* heaps/region_walk.c — linear walks over a region's blocks: the crash
 * rebuild, the full invariant check and the statistics.
 *
 * The rebuild trusts only I1 (the sizes tile [first, end)), which every
 * operation keeps at every instant (region_block.c says how).  It reads
 * each header's sf word, never its check value, never a footer or a link,
 * and recomputes everything else (I2..I7).  It keeps I1 itself at every
 * store, the same way the operations do, so that a holder killed during a
 * rebuild leaves a region the next holder rebuilds again.
 *
 * Locking: under the region lock.
 */
#include <errno.h>

#include "heaps/region.h"

/* Finish the free block [off, off+size) found by the rebuild: header with
 * RB_PREV_INUSE set (its previous block is in use, or it is the first),
 * footer, list. */
static void rebuilt_free(region_t *r, roff_t off, uint64_t size) {
  brisk_region_block_write(r, off, size | RB_PREV_INUSE);
  *rb_footer(r, off, size) = size;
  brisk_region_index_insert(r, off);
}

int brisk_region_walk_rebuild(region_t *r) {
  brisk_region_index_clear(r);
  r->used_bytes = 0;
  r->nused = 0;
  roff_t off = r->first, pend = 0; /* pend: the free block being gathered */
  uint64_t pend_size = 0;
  bool prev_inuse = true;
  while (off < r->end) {
    uint64_t sf = rb_sf(r, off), size = RB_SIZE(sf);
    if (size < RG_MIN_BLOCK || size > r->end - off || (sf & RB_DEAD)) return EUCLEAN;
    if (sf & RB_INUSE) {
      if (pend != 0) rebuilt_free(r, pend, pend_size);
      pend = 0;
      brisk_region_block_write(r, off, size | RB_INUSE | (prev_inuse ? RB_PREV_INUSE : 0));
      r->used_bytes += size;
      r->nused++;
      prev_inuse = true;
    } else if (pend != 0) {
      /* Two free blocks touch (a split or a coalesce was cut short): one
       * store grows the first over the second, which keeps I1. */
      pend_size += size;
      brisk_region_block_write(r, pend, pend_size | RB_PREV_INUSE);
      RG_ORDER();
      brisk_region_block_write(r, off, RB_DEAD);
    } else {
      pend = off;
      pend_size = size;
      prev_inuse = false;
    }
    off += size;
  }
  if (off != r->end) return EUCLEAN;
  if (pend != 0) rebuilt_free(r, pend, pend_size);
  brisk_region_block_write(r, r->end, RB_INUSE | (prev_inuse ? RB_PREV_INUSE : 0));
  return 0;
}

/* Scratch word of a free block (word 4: after the links, before the
 * footer, since every block is >= 48 bytes). */
static inline uint64_t *scratch(region_t *r, roff_t off) {
  return (uint64_t *)((char *)r + off + 32);
}

/* I1..I5 and I7 by a walk; marks each free block's scratch word with
 * stamp.  Returns 0 or EUCLEAN. */
static int verify_walk(region_t *r, uint64_t stamp) {
  uint64_t used = 0, freeb = 0, nused = 0, nfree = 0;
  roff_t off = r->first;
  bool prev_inuse = true;
  while (off < r->end) {
    if (!brisk_region_block_header_ok(r, off)) return EUCLEAN;
    uint64_t sf = rb_sf(r, off), size = RB_SIZE(sf);
    if ((sf & RB_DEAD) || size < RG_MIN_BLOCK || size > r->end - off) return EUCLEAN;
    if (!!(sf & RB_PREV_INUSE) != prev_inuse) return EUCLEAN;
    if (sf & RB_INUSE) {
      used += size;
      nused++;
      prev_inuse = true;
    } else {
      if (!prev_inuse) return EUCLEAN; /* I4 */
      if (*rb_footer(r, off, size) != size) return EUCLEAN;
      *scratch(r, off) = stamp;
      freeb += size;
      nfree++;
      prev_inuse = false;
    }
    off += size;
  }
  if (off != r->end || !brisk_region_block_header_ok(r, off)) return EUCLEAN;
  if (rb_sf(r, off) != (RB_INUSE | (prev_inuse ? RB_PREV_INUSE : 0))) return EUCLEAN;
  if (used != r->used_bytes || nused != r->nused || freeb != r->free_bytes || nfree != r->nfree)
    return EUCLEAN;
  return 0;
}

/* I6: every list node is a walked free block (its scratch word carries
 * the stamp, which is then changed so that a node met twice fails) of the
 * list's size range, links agree, bitmaps agree, and the lists hold as
 * many blocks as the walk found: so each free block is in exactly one
 * list, the right one. */
static int verify_lists(region_t *r, uint64_t stamp) {
  uint64_t seen = 0;
  for (unsigned fl = 0; fl < RG_FL_COUNT; fl++) {
    if (!!(r->fl_bitmap & (1ull << fl)) != (r->sl_bitmap[fl] != 0)) return EUCLEAN;
    for (unsigned sl = 0; sl < RG_SL_COUNT; sl++) {
      roff_t o = r->heads[fl][sl], prev = 0;
      if ((o != 0) != !!(r->sl_bitmap[fl] & (1u << sl))) return EUCLEAN;
      while (o != 0) {
        if (o < r->first || o > r->end - RG_MIN_BLOCK || o % RG_ALIGN != 0) return EUCLEAN;
        if (++seen > r->nfree) return EUCLEAN;
        if (*scratch(r, o) != stamp) return EUCLEAN;
        *scratch(r, o) = ~stamp;
        unsigned f, s;
        brisk_region_index_map_insert(rb_size(r, o), &f, &s);
        if (f != fl || s != sl || rb_at(r, o)->prev != prev) return EUCLEAN;
        prev = o;
        o = rb_at(r, o)->next;
      }
    }
  }
  if ((r->fl_bitmap >> RG_FL_COUNT) != 0) return EUCLEAN;
  return seen == r->nfree ? 0 : EUCLEAN;
}

int brisk_region_walk_verify(region_t *r) {
  uint64_t stamp = brisk_region_block_check_value(r, 0, ++r->check_gen);
  int e = verify_walk(r, stamp);
  return e != 0 ? e : verify_lists(r, stamp);
}

void brisk_region_walk_fill_stats(const region_t *r, brisk_region_stats_t *out) {
  out->size = r->size;
  out->used = r->used_bytes;
  out->free = r->free_bytes;
  out->blocks = r->nused;
  out->free_blocks = r->nfree;
  out->largest_free = 0;
  if (r->fl_bitmap == 0) return;
  /* The largest block is in the highest non-empty list; that one list is
   * scanned (bounded by its length, not by the region). */
  unsigned fl = 63u - (unsigned)__builtin_clzll(r->fl_bitmap);
  unsigned sl = 31u - (unsigned)__builtin_clz(r->sl_bitmap[fl]);
  for (roff_t o = r->heads[fl][sl]; o != 0; o = rb_at(r, o)->next)
    if (rb_size(r, o) > out->largest_free) out->largest_free = rb_size(r, o);
}
