/* SPDX-License-Identifier: MIT */
/* core/heap.h — thread heaps: the sentinel, creation and adoption on a
 * thread's first allocation, hand-back at thread exit, and giving free
 * memory back (trim, out of memory). */
#ifndef BRISK_CORE_HEAP_H
#define BRISK_CORE_HEAP_H

#include "core/types.h"

/* The calling thread's heap, created or adopted on first use.  NULL only
 * when no memory can be mapped for a new heap.  A thread whose exit
 * already handed its heap back (a later pthread-key destructor calls
 * malloc) gets a heap for one operation: the caller then calls
 * brisk_heap_leave(), which hands it back again. */
heap_t *brisk_heap_get_or_init(void);
/* The free fast path's validated block p of `page` (in seg, another
 * heap's) freed by a thread that has no heap yet: give it one (its frees
 * are then cached and batched like any thread's), else the slow path. */
void brisk_heap_free_orphan(segment_t *seg, page_t *page, void *p);
/* After an operation on a heap from brisk_heap_get_or_init: hands it back
 * if the thread had already exited its heap (see above); else nothing. */
void brisk_heap_leave(heap_t *heap);
/* Thread exit (pthread key destructor): hand back what the heap holds of
 * other heaps (foreign cache, remote batches), retire its empty pages and
 * put it up for adoption warm: its free memory stays committed for the
 * next thread, subject to the normal purge delay and dirty limit.  Its
 * live blocks stay valid. */
void brisk_heap_thread_done(void *heap);
/* Housekeeping on allocation slow paths: the heap's own purge policy
 * (core/purge.h) and, once per 16 calls or when periodic (the fast
 * path's grant ran out: every BRISK_FAST_GRANT allocations), the expired
 * huge mappings, the transfer cache's idle batches and the janitor: up
 * to BRISK_JANITOR_VISITS abandoned heaps that waited longest get their
 * remote frees collected and their expired free memory purged, so
 * memory of exited threads goes back to the kernel after the normal
 * delay even when no thread adopts their heaps. */
void brisk_heap_tick(heap_t *heap, bool periodic);
/* Give back what heap (may be the sentinel), the heaps of exited threads
 * (waiting for adoption) and the process caches hold without need:
 * foreign and remote batches, the transfer cache, empty pages, dirty
 * spans, empty segments, the segment and huge caches.  Returns bytes released. */
size_t brisk_heap_release(heap_t *heap);
/* Set up a zeroed heap (or one whose fields other than stats and
 * all_next were zeroed) of `kind`: empty direct slots, foreign cache, the
 * default memory source. */
void brisk_heap_setup(heap_t *h, uint32_t kind);
/* Library constructor: create the thread-exit key. */
void brisk_heap_process_init(void);
/* Fork child: the registry and the other threads' heaps are forgotten. */
void brisk_heap_atfork_child(void);

#endif
