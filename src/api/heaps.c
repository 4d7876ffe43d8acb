/* SPDX-License-Identifier: MIT */
/* api/heaps.c — the first-class heap API of include/brisk.h
 * (brisk_heap_new ... brisk_heap_stats) over core/owned.h.
 *
 * Allocation goes through the same entry points as malloc with the heap
 * as a parameter (api/entry.h: the inline fast path, the hardened build's
 * canaries, the tracing build's records).  Thread rules: core/owned.h.
 */
#include <errno.h>
#include <string.h>

#include "api/entry.h"
#include "brisk.h"
#include "core/owned.h"

static inline heap_t *heap_of(brisk_heap_t *h) { return (heap_t *)h; }

static void *einval(void) {
  errno = EINVAL;
  return NULL;
}

BRISK_API brisk_heap_t *brisk_heap_new(void) { return (brisk_heap_t *)brisk_owned_new(); }

BRISK_API void *brisk_heap_malloc(brisk_heap_t *h, size_t n) {
  return likely(h != NULL) ? entry_malloc_in(heap_of(h), n) : einval();
}

BRISK_API void *brisk_heap_calloc(brisk_heap_t *h, size_t count, size_t n) {
  if (h == NULL) return einval();
  size_t bytes;
  if (__builtin_mul_overflow(count, n, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  return entry_calloc_in(heap_of(h), bytes);
}

BRISK_API void *brisk_heap_realloc(brisk_heap_t *h, void *p, size_t n) {
  return h != NULL ? entry_realloc_in(heap_of(h), p, n) : einval();
}

BRISK_API void *brisk_heap_aligned_alloc(brisk_heap_t *h, size_t align, size_t n) {
  if (h == NULL || align == 0 || (align & (align - 1)) != 0) return einval();
  return entry_malloc_aligned_in(heap_of(h), n, align);
}

BRISK_API void brisk_heap_reset(brisk_heap_t *h) {
  if (h != NULL) brisk_owned_reset(heap_of(h));
}

BRISK_API void brisk_heap_destroy(brisk_heap_t *h) {
  if (h != NULL) brisk_owned_destroy(heap_of(h));
}

BRISK_API int brisk_heap_stats(brisk_heap_t *h, brisk_heap_stats_t *out) {
  if (h == NULL || out == NULL) return EINVAL;
  heap_t *heap = heap_of(h);
  owned_census_t c;
  brisk_owned_census(heap, &c);
  *out = (brisk_heap_stats_t){
      .live_bytes = c.live_bytes,
      .live_blocks = c.live_blocks,
      .mapped_bytes = c.mapped_bytes,
      .segments = c.segments,
      .huge_blocks = c.huge_blocks,
      .allocations = __atomic_load_n(&heap->stats.malloc_calls, __ATOMIC_RELAXED) + event_fast_calls(heap),
      .bytes_requested = __atomic_load_n(&heap->stats.bytes_requested, __ATOMIC_RELAXED),
  };
  return 0;
}
