/* SPDX-License-Identifier: MIT */
/* api/heaps.c — the first-class heap API of include/brisk.h
 * (brisk_heap_new ... brisk_heap_stats) over core/owned.h.
 *
 * Allocation takes the same inline fast path as malloc with the heap as a
 * parameter (core/fast.h fast_malloc_in); the hardened build arms its
 * canaries as for malloc (safety/harden.h), the tracing build records the
 * calls (observe/tracefile.h).  Thread rules: core/owned.h.
 */
#include <errno.h>
#include <string.h>

#include "brisk.h"
#include "core/fast.h"
#include "core/owned.h"
#include "observe/tracefile.h"
#include "safety/harden.h"

static inline heap_t *heap_of(brisk_heap_t *h) { return (heap_t *)h; }

static void *einval(void) {
  errno = EINVAL;
  return NULL;
}

BRISK_API brisk_heap_t *brisk_heap_new(void) { return (brisk_heap_t *)brisk_owned_new(); }

BRISK_API void *brisk_heap_malloc(brisk_heap_t *h, size_t n) {
  if (unlikely(h == NULL)) return einval();
  void *p = BRISK_HARDEN_PATHS ? brisk_harden_malloc_in(heap_of(h), n, 0) : fast_malloc_in(heap_of(h), n);
  if (BRISK_TRACE) trace_event(TRACE_MALLOC, p, n, 0);
  return p;
}

BRISK_API void *brisk_heap_calloc(brisk_heap_t *h, size_t count, size_t n) {
  if (h == NULL) return einval();
  size_t bytes;
  if (__builtin_mul_overflow(count, n, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  void *p;
  if (BRISK_HARDEN_PATHS) {
    p = brisk_harden_calloc_in(heap_of(h), bytes);
  } else if (bytes <= BRISK_SMALL_MAX) {
    p = fast_malloc_in(heap_of(h), bytes);
    if (p != NULL) memset(p, 0, bytes);
  } else {
    p = brisk_alloc_calloc_in(heap_of(h), bytes);
  }
  if (BRISK_TRACE) trace_event(TRACE_CALLOC, p, bytes, 0);
  return p;
}

BRISK_API void *brisk_heap_realloc(brisk_heap_t *h, void *p, size_t n) {
  if (h == NULL) return einval();
  void *q = BRISK_HARDEN_PATHS ? brisk_harden_realloc_in(heap_of(h), p, n) : brisk_realloc_in(heap_of(h), p, n);
  if (BRISK_TRACE) trace_event(TRACE_REALLOC, q, n, (uint64_t)(uintptr_t)p);
  return q;
}

BRISK_API void *brisk_heap_aligned_alloc(brisk_heap_t *h, size_t align, size_t n) {
  if (h == NULL || align == 0 || (align & (align - 1)) != 0) return einval();
  void *p;
  if (BRISK_HARDEN_PATHS)
    p = brisk_harden_malloc_in(heap_of(h), n, align);
  else
    p = align <= BRISK_ALIGN ? fast_malloc_in(heap_of(h), n) : brisk_alloc_aligned_in(heap_of(h), n, align);
  if (BRISK_TRACE) trace_event(TRACE_ALIGNED, p, n, align);
  return p;
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
