/* SPDX-License-Identifier: MIT */
/* core/foreign.h — the foreign-block cache: per size class, up to
 * BRISK_FOREIGN_MAX blocks (BRISK_FOREIGN_BYTES) that this thread freed but
 * another heap owns, handed out again by this thread's next mallocs of
 * that class before it touches its own pages.  Like a thread cache, it
 * turns a cross-thread free plus a local malloc into two thread-local list
 * operations on a cache-hot block.
 *
 * The cache of class `bin` is heap->foreign[bin], a pseudo-page (never in
 * a segment) whose `free` list holds the blocks (marked free) and whose
 * `used` is minus their count; the direct slots point at it while it holds
 * at least BRISK_FOREIGN_DIRECT_MIN blocks (core/page.h page_foreign_serves),
 * so the malloc fast path pops from it like from a page; fewer wait for
 * the slow path (core/alloc.c), which takes them before the class's pages.
 * Thread ownership: the heap's owner thread only.
 */
#ifndef BRISK_CORE_FOREIGN_H
#define BRISK_CORE_FOREIGN_H

#include "core/types.h"

/* Set up heap's pseudo-pages (a fresh heap). */
void brisk_foreign_init(heap_t *heap);
/* Make heap a consumer (core/heap.c) or not, with the cache limits that
 * go with it.  Precondition: the caches of the classes without a
 * transfer cache are empty (a new or adopted heap, or one just flushed). */
void brisk_foreign_set_consumer(heap_t *heap, bool consumer);
/* A heap that stopped allocating becomes a consumer: its caches go back
 * to their owners first (the precondition above). */
void brisk_foreign_become_consumer(heap_t *heap);
/* The class's cache is full: hand its blocks to the transfer cache
 * (core/transfer.h) as one batch, leaving it empty (the direct slot is
 * left as it was: the caller keeps a block next).  False, nothing done,
 * when the transfer cache takes none. */
bool brisk_foreign_spill(heap_t *heap, unsigned bin);
/* The transfer cache took none: the class's cache goes back to the
 * blocks' owners instead (in heap's remote batches), leaving it empty
 * (the direct slot is left as it was). */
void brisk_foreign_return(heap_t *heap, unsigned bin);
/* Fill the empty cache of `bin` with a batch from the transfer cache
 * (thread heaps only: a destroyable heap's blocks must be its own).
 * False when there is none. */
bool brisk_foreign_refill(heap_t *heap, unsigned bin);
/* A block of `bin` from the cache, or NULL when it is empty. */
void *brisk_foreign_pop(heap_t *heap, unsigned bin);
/* Give every cached block back to its owner, batches flushed (thread
 * exit, trim, OOM, a heap turning consumer). */
void brisk_foreign_flush_all(heap_t *heap);

#endif
