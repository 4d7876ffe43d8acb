/* SPDX-License-Identifier: MIT */
/* core/pageflags.h — a page's flags and its free fast path's bound, kept
 * in step: the one writer of page_t.flags, fast_limit and fast_limit_own
 * (core/page.c, core/span.c, core/mesh.c).  Owner thread; other threads'
 * frees read flags and fast_limit (relaxed), the owner's fast_limit_own.
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

/* The bound of the block test for a page with flags and capacity as given
 * (0: off the fast path). */
static inline uint32_t page_fast_limit_of(const page_t *page) {
  if (page->flags != 0) return 0;
  uint32_t step = (uint32_t)((uint64_t)page->block_size * page->magic32 - (UINT64_C(1) << 32));
  return (uint32_t)page->capacity * step;
}

/* Set fast_limit and the owner's copy, fast_limit_own; page_sync_fast
 * recomputes them from flags and capacity (core/page.c's invariant:
 * nonzero only for a one-slice page with flags 0). */
static inline void page_fast_limit_set(page_t *page, uint32_t limit) {
  /* relaxed atomic: other threads' free fast paths read it (core/fast.h) */
  __atomic_store_n(&page->fast_limit, limit, __ATOMIC_RELAXED);
  page->fast_limit_own = limit; /* the owner's copy (core/types.h) */
}
static inline void page_sync_fast(page_t *page) { page_fast_limit_set(page, page_fast_limit_of(page)); }

static inline void page_set_flags(page_t *page, uint8_t flags) {
  /* relaxed atomic: other threads' frees read it (core/free.c) */
  __atomic_store_n(&page->flags, flags, __ATOMIC_RELAXED);
  page_sync_fast(page);
}

#endif
