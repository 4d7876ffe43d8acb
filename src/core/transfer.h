/* SPDX-License-Identifier: MIT */
/* core/transfer.h — the transfer cache: per small size class, a few
 * batches of free blocks (one foreign cache's worth each, a chain of
 * blocks of any thread heaps' pages) that pass from threads that free
 * other threads' blocks to threads that allocate, without going back to
 * the pages they came from (tcmalloc's idea, our own code).
 *
 * A consumer thread (it frees other threads' blocks but does not
 * allocate: core/heap.c, or has stopped allocating: core/free.c) whose
 * foreign cache of a class is full spills the whole cache here as one
 * batch (brisk_foreign_spill; when the class is full, the cache goes
 * back to the owners instead: brisk_foreign_return; a thread that
 * allocates reuses its own cache and returns the excess to the owners,
 * which keeps their pages dense); a thread heap whose allocation
 * finds its foreign cache of the class empty takes one batch into it
 * (brisk_foreign_refill) before it turns to its own pages, and its fast
 * path then serves from it.  Every block here is marked free and still
 * counted used by its owner page, which therefore cannot be retired.
 * Blocks of destroyable heaps (HEAP_OWNED) never come here (they never
 * enter a foreign cache).  A class holds up to BRISK_TRANSFER_CLASS_BYTES
 * (config.h).  A class whose batches nobody took since the last visit of
 * the housekeeping gives half of them (at least one) back to the owners
 * (brisk_transfer_tick); malloc_trim gives back all.
 *
 * Locking: one spin lock per class (core/spinlock.h), held for a few
 * stores (at most a shift of the class's table of batches, never a walk
 * of a chain), never across a system call and never by a fork handler (the child keeps a class only
 * if its lock was free at the fork, else forgets its batches: their
 * memory is lost to the child, which stays correct).
 */
#ifndef BRISK_CORE_TRANSFER_H
#define BRISK_CORE_TRANSFER_H

#include "core/types.h"

/* Bit `bin` set: class bin holds a batch (relaxed; written under the
 * class's lock).  The allocation slow path peeks at it inline. */
extern uint64_t brisk_transfer_ready __attribute__((visibility("hidden")));
static inline bool transfer_ready(unsigned bin) {
  return (__atomic_load_n(&brisk_transfer_ready, __ATOMIC_RELAXED) >> bin) & 1;
}

/* Whether class `bin` has a transfer cache (small classes only). */
bool brisk_transfer_serves(unsigned bin);
/* Add the chain head (count blocks of class bin, NULL-terminated, linked
 * with block_set_next, all marked free) as one batch.  False, nothing
 * done, when the class is full or has no transfer cache. */
bool brisk_transfer_put(unsigned bin, block_t *head, uint32_t count);
/* Take a batch of class bin: its chain (NULL if none) and its count. */
block_t *brisk_transfer_take(unsigned bin, uint32_t *count);
/* Blocks the class holds now (takes the lock: statistics and tests). */
size_t brisk_transfer_blocks(unsigned bin);
/* Housekeeping: visit one class (round robin); if nobody took from it
 * since the last visit, give half its batches (at least one) back to the
 * owners' pages. */
void brisk_transfer_tick(void);
/* Give every batch back to the owners' pages (trim, out of memory).
 * Returns the blocks given back. */
size_t brisk_transfer_flush_all(void);
/* Fork child: see the header comment. */
void brisk_transfer_atfork_child(void);

#endif
