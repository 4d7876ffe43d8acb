/* SPDX-License-Identifier: MIT */
/* core/huge.h — blocks bigger than BRISK_LARGE_MAX, each in its own
 * mapping (header page + block), with a reuse cache and mremap resizing.
 * Safe from any thread: a huge block may be freed by any thread. */
#ifndef BRISK_CORE_HUGE_H
#define BRISK_CORE_HUGE_H

#include "core/types.h"

/* Map (or reuse) a block of `size` bytes aligned to `align` (a power of
 * two).  *zeroed tells whether it is known to read as zero.  NULL when out
 * of memory or size exceeds BRISK_REQUEST_MAX. */
void *brisk_huge_alloc(size_t size, size_t align, bool *zeroed);
/* Free block p of header h.  Aborts on a double or invalid free. */
void brisk_huge_free(huge_t *h, void *p);
/* Resize block p (== h->block) in place or by moving its pages (mremap).
 * Returns the block (maybe moved), or NULL with p intact. */
void *brisk_huge_realloc(huge_t *h, void *p, size_t size);
/* Usable bytes of block p (== h->block): from p to the mapping's end, less
 * its guard page (BRISK_GUARD_PAGES). */
size_t brisk_huge_usable(const huge_t *h, const void *p);
/* Whether p is the live block of h (a checked lookup for free/realloc). */
static inline bool huge_is_live_block(const huge_t *h, const void *p) {
  return h->magic == BRISK_HUGE_MAGIC && (const void *)h->block == p &&
         atomic_load_explicit(&h->live, memory_order_acquire) == 1;
}
/* Unmap cached mappings (all, or only the expired).  Returns bytes. */
size_t brisk_huge_cache_trim(bool all);
/* The cache's byte limit now: huge_cache_kib (0: no cache), or the peak of
 * the bytes live in huge blocks when that is more, at most
 * BRISK_HUGE_CACHE_MAX. */
size_t brisk_huge_cache_limit(void);
uint64_t brisk_huge_live_count(void);
uint64_t brisk_huge_live_bytes(void);
/* The most huge blocks / mapped bytes of huge blocks ever live at once. */
uint64_t brisk_huge_peak_count(void);
uint64_t brisk_huge_peak_bytes(void);
size_t brisk_huge_cached_bytes(void);
/* Huge blocks of a destroyable heap (HEAP_OWNED, core/owned.h) are kept
 * on the heap's list (heap->huge_list, hh->owner/onext/oprev) so that its
 * destroy frees them: exactly its live huge blocks are on it, except one
 * being resized (off the list across the mremap; no free of it can run
 * then).  The list's spin lock (heap->huge_lock) is held for a few
 * stores, never across a system call.  Any thread.
 * Put the huge block `block`, just allocated for heap, on its list. */
void brisk_huge_set_owner(heap_t *heap, void *block);
/* Live huge blocks of heap's list; *usable, *mapped receive their usable
 * and mapped bytes. */
size_t brisk_huge_owner_census(heap_t *heap, size_t *usable, size_t *mapped);
/* Free every huge block of heap's list; returns how many (*usable: their
 * usable bytes). */
size_t brisk_huge_owner_free_all(heap_t *heap, size_t *usable);
/* Fork child: heap's list lock may have been held by another thread. */
void brisk_huge_owner_atfork(heap_t *heap);
/* Fork child: forget the cache (another thread may have been updating it). */
void brisk_huge_atfork_child(void);

#endif
