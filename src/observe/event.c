/* SPDX-License-Identifier: MIT */
/* observe/event.c — the process-wide side of the event hook: system-call
 * counters, mapped and purged bytes, the process live total and its peak,
 * and frees by threads that have no heap.
 *
 * Peak without a global lock: each heap adds its net allocation
 * (alloc_bytes - freed_bytes) to one process total only when it drifted
 * by BRISK_PEAK_SLACK since its last addition, or at once for a block of
 * BRISK_PEAK_FORCE bytes or more; it checks on its allocation slow paths
 * and where its frees of other heaps' blocks leave the thread
 * (event_frees_left: the only check a thread that frees more than it
 * allocates ever makes); between additions it records
 * total + its own drift as the peak it has seen (heap->stats.peak_seen).
 * The reported peak is the maximum of the process peak and every heap's
 * peak_seen (observe/stats.c): exact for one thread at every slow path,
 * and off by at most BRISK_PEAK_SLACK per other running thread.
 * Threading: relaxed atomics only; calls nothing; never allocates.
 */
#include "observe/event.h"

static event_totals_t totals;

#define ADD(field, n) __atomic_fetch_add(&totals.field, (n), __ATOMIC_RELAXED)
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static void raise_max(uint64_t *max, uint64_t v) {
  uint64_t cur = LOAD(*max);
  while (v > cur && !__atomic_compare_exchange_n(max, &cur, v, true, __ATOMIC_RELAXED,
                                                 __ATOMIC_RELAXED)) {
  }
}

/* Set once at start-up (api/init.c) when BRISK_TRACE_SYSCALLS=1. */
void (*brisk_event_syscall_hook)(unsigned kind, const void *addr, size_t bytes, bool ok);

void brisk_event_syscall(unsigned kind, const void *addr, size_t bytes, bool ok) {
  ADD(sys_calls[kind], 1);
  ADD(sys_bytes[kind], bytes);
  if (!ok) ADD(sys_failed, 1);
  void (*hook)(unsigned, const void *, size_t, bool) = brisk_event_syscall_hook;
  if (unlikely(hook != NULL)) hook(kind, addr, bytes, ok);
}

void brisk_event_mapped(int64_t delta) {
  uint64_t now = ADD(mapped, (uint64_t)delta) + (uint64_t)delta;
  if (delta > 0) raise_max(&totals.peak_mapped, now);
}

void brisk_event_purged(size_t bytes) { ADD(purged, bytes); }

void brisk_event_peak(heap_t *heap, bool force) {
  heap->stats.peak_mark = heap->stats.fast_word;
  uint64_t net = event_alloc_bytes(heap) - event_freed_bytes(heap);
  int64_t drift = (int64_t)(net - heap->stats.flushed);
  if (force || drift >= (int64_t)BRISK_PEAK_SLACK || drift <= -(int64_t)BRISK_PEAK_SLACK) {
    uint64_t total = ADD(live_flushed, (uint64_t)drift) + (uint64_t)drift - LOAD(totals.orphan_bytes);
    STAT_ADD(heap->stats.flushed, (uint64_t)drift);
    if ((int64_t)total > 0) raise_max(&totals.peak_live, total);
    return;
  }
  int64_t seen = (int64_t)(LOAD(totals.live_flushed) - LOAD(totals.orphan_bytes)) + drift;
  if (seen > (int64_t)heap->stats.peak_seen) __atomic_store_n(&heap->stats.peak_seen, (uint64_t)seen, __ATOMIC_RELAXED);
}

/* The process live total is live_flushed - orphan_bytes: an orphan free
 * costs two atomic adds. */
void brisk_event_orphan_free(size_t usable) {
  ADD(orphan_frees, 1);
  ADD(orphan_bytes, usable);
}

void brisk_event_orphan_large(void) { ADD(orphan_large, 1); }

void brisk_event_orphan_resize(int64_t delta) {
  ADD(orphan_resized, (uint64_t)delta);
  uint64_t total = ADD(live_flushed, (uint64_t)delta) + (uint64_t)delta - LOAD(totals.orphan_bytes);
  if (delta > 0 && (int64_t)total > 0) raise_max(&totals.peak_live, total);
}

void brisk_event_totals(event_totals_t *out) {
  for (unsigned k = 0; k < BRISK_SYS_KINDS; k++) {
    out->sys_calls[k] = LOAD(totals.sys_calls[k]);
    out->sys_bytes[k] = LOAD(totals.sys_bytes[k]);
  }
  out->sys_failed = LOAD(totals.sys_failed);
  out->mapped = LOAD(totals.mapped);
  out->peak_mapped = LOAD(totals.peak_mapped);
  out->purged = LOAD(totals.purged);
  out->live_flushed = LOAD(totals.live_flushed);
  out->peak_live = LOAD(totals.peak_live);
  out->orphan_frees = LOAD(totals.orphan_frees);
  out->orphan_bytes = LOAD(totals.orphan_bytes);
  out->orphan_large = LOAD(totals.orphan_large);
  out->orphan_resized = LOAD(totals.orphan_resized);
}
