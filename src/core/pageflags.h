/* SPDX-License-Identifier: MIT */
/* core/pageflags.h — a page's flags and its free fast path's bound, kept
 * in step: the one writer of page_t.flags and fast_end (core/page.c,
 * core/mesh.c).  Owner thread; other threads' frees read both (relaxed). */
#ifndef BRISK_CORE_PAGEFLAGS_H
#define BRISK_CORE_PAGEFLAGS_H

#include "core/types.h"

/* Recompute fast_end from flags and capacity (core/page.c's invariant:
 * nonzero only for a one-slice page with flags 0). */
static inline void page_sync_fast(page_t *page) {
  uint32_t end = (uint32_t)page->capacity * page->block_size;
  /* relaxed atomic: other threads' free fast paths read it (core/fast.h) */
  __atomic_store_n(&page->fast_end, page->flags != 0 ? 0 : (uint16_t)(end > 65535 ? 65535 : end), __ATOMIC_RELAXED);
}

static inline void page_set_flags(page_t *page, uint8_t flags) {
  /* relaxed atomic: other threads' frees read it (core/free.c) */
  __atomic_store_n(&page->flags, flags, __ATOMIC_RELAXED);
  page_sync_fast(page);
}

#endif
