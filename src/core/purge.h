/* SPDX-License-Identifier: MIT */
/* core/purge.h — the purge policy: when a heap's free-but-committed
 * memory goes back to the kernel.  Owner heap's thread only. */
#ifndef BRISK_CORE_PURGE_H
#define BRISK_CORE_PURGE_H

#include "core/types.h"

enum { PURGE_EXPIRED, PURGE_OVER_LIMIT, PURGE_ALL };

/* Purge dirty free spans of heap.  PURGE_EXPIRED: those free for
 * purge_delay_ms.  PURGE_OVER_LIMIT (dirty memory passed dirty_max_kib):
 * the expired ones, then the oldest others until 3/4 of the limit is left.
 * PURGE_ALL: everything (trim, thread exit).  Returns the bytes purged;
 * updates heap->purge_due_ms.  A span whose purge fails stays dirty. */
size_t brisk_purge_heap(heap_t *heap, int mode);
/* Purge heap's oldest dirty spans (any age) until at most keep bytes are
 * dirty (a thread's exit: the warm hand-over's budget).  Returns bytes. */
size_t brisk_purge_down_to(heap_t *heap, size_t keep);
/* The check on allocation slow paths and large frees: runs an over-limit
 * purge when one is due (purge_due_ms == 1), else reads the clock once per
 * 16 calls and purges the expired spans when due. */
void brisk_purge_tick(heap_t *heap);
/* brisk_purge_tick, its call made only when something is dirty. */
static inline void purge_tick(heap_t *heap) {
  if (heap->purge_due_ms != 0) brisk_purge_tick(heap);
}
/* After a span was freed: run the over-limit purge if one became due. */
static inline void purge_after_free(heap_t *heap) {
  if (unlikely(heap->purge_due_ms == 1)) brisk_purge_heap(heap, PURGE_OVER_LIMIT);
}
/* Release every empty segment of heap (thread exit, trim, out of memory).
 * Returns the bytes given back. */
size_t brisk_purge_spare_segments(heap_t *heap);

#endif
