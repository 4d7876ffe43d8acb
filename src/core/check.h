/* SPDX-License-Identifier: MIT */
/* core/check.h — invariant walks of the debug-full build (BRISK_DEBUG_FULL):
 * every page's free list and counts, the span partition of every segment,
 * segment-map consistency, the heap's lists.  A broken invariant aborts
 * with "brisk: invariant broken: <what>".  Owner heap's thread only (the
 * walk reads the owner-only state of `heap`). */
#ifndef BRISK_CORE_CHECK_H
#define BRISK_CORE_CHECK_H

#include "core/types.h"

/* Walk every invariant of heap (a real heap, not the sentinel). */
void brisk_check_heap(heap_t *heap);

/* A checkpoint on a slow path: walks the heap in debug-full builds (every
 * BRISK_CHECK_EVERY-th call, to keep the build usable), nothing otherwise. */
#define BRISK_CHECK_EVERY 64
static inline void check_point(heap_t *heap) {
  if (BRISK_DEBUG_FULL) {
    static __thread unsigned calls;
    if (heap != &brisk_heap_empty && ++calls % BRISK_CHECK_EVERY == 0) brisk_check_heap(heap);
  }
}

#endif
