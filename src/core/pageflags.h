/* SPDX-License-Identifier: MIT */
/* core/pageflags.h — a page's flags and its free fast path's bound, kept
 * in step: the one writer of page_t.flags, fast_limit and fast_limit_own
 * (core/page.c, core/span.c, core/mesh.c).  Owner thread; other threads'
 * frees read flags and fast_limit (relaxed), the owner's fast_limit_own.
 * fast_limit, other threads' bound, ignores PAGE_IN_FULL; fast_limit_own
 * is 0 whenever any flag is set.
 *
 * The block test (core/page.h page_fast_accepts) is one multiply and one
 * compare: with M = magic32 = floor(2^32 / s) + 1 for block size s (at
 * most 8 KiB on a one-slice page) and step e = s * M - 2^32 (1 <= e <= s),
 * an offset o = q * s + r in the 64 KiB slice gives (o * M) mod 2^32 =
 * q * e + r * M.  A block start (r = 0) gives q * e, below 2^16 and
 * growing with q; any other offset gives at least M > 2^16.  So
 * (o * M) mod 2^32 < capacity * e holds exactly for the starts of the
 * first `capacity` blocks, and a bound of 0 refuses every offset: the
 * page leaves the fast path (test/unit/unit_blocktest.c checks every
 * class, capacity and offset). */
#ifndef BRISK_CORE_PAGEFLAGS_H
#define BRISK_CORE_PAGEFLAGS_H

#include "core/types.h"

/* magic32 of a one-slice page of s-byte blocks (s <= 8 KiB). */
static inline uint32_t page_magic_for(uint32_t s) { return (uint32_t)((UINT64_C(1) << 32) / s + 1); }

/* The bound of the block test of other threads' frees (fast_limit) for
 * a page with flags and capacity as given (0: off their fast path).  A
 * page parked as full (PAGE_IN_FULL) keeps it: another thread's free of
 * one of its blocks leaves the page where it is (the block stays used
 * there: core/free.c), so only the owner's free must take the slow path
 * (xmalloc threads=2: the collector's frees of full pages' blocks took
 * 23 instructions more, a quarter of them). */
static inline uint32_t page_fast_limit_of(const page_t *page) {
  if ((page->flags & ~PAGE_IN_FULL) != 0) return 0;
  uint32_t step = (uint32_t)((uint64_t)page->block_size * page->magic32 - (UINT64_C(1) << 32));
  return (uint32_t)page->capacity * step;
}

/* The bound of the owner's own free (fast_limit_own), given the page's
 * fast_limit: the same while flags are 0, else 0 (its free of a full
 * page's block moves the page back to its queue: the slow path). */
static inline uint32_t page_fast_limit_own_for(const page_t *page, uint32_t fast_limit) {
  return page->flags == 0 ? fast_limit : 0;
}
static inline uint32_t page_fast_limit_own_of(const page_t *page) {
  return page_fast_limit_own_for(page, page_fast_limit_of(page));
}

/* Take page off both free fast paths (fast_limit and fast_limit_own 0). */
static inline void page_fast_limit_clear(page_t *page) {
  /* relaxed atomic: other threads' free fast paths read it (core/fast.h) */
  __atomic_store_n(&page->fast_limit, 0, __ATOMIC_RELAXED);
  page->fast_limit_own = 0;
}

/* Recompute fast_limit and the owner's fast_limit_own from flags and
 * capacity (core/page.c's invariant). */
static inline void page_sync_fast(page_t *page) {
  uint32_t limit = page_fast_limit_of(page);
  __atomic_store_n(&page->fast_limit, limit, __ATOMIC_RELAXED);
  page->fast_limit_own = page_fast_limit_own_for(page, limit); /* the owner's bound (core/types.h) */
}

static inline void page_set_flags(page_t *page, uint8_t flags) {
  /* relaxed atomic: other threads' frees read it (core/free.c) */
  __atomic_store_n(&page->flags, flags, __ATOMIC_RELAXED);
  page_sync_fast(page);
}

#endif
