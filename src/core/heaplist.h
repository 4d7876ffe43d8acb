/* SPDX-License-Identifier: MIT */
/* core/heaplist.h — the registry of thread heaps: the immortal pool they
 * are carved from, the list of every heap (for statistics) and the list
 * of abandoned heaps (of exited threads) waiting for adoption.
 * Locking: one mutex, never held across a system call, never taken by a
 * fork handler (the child re-creates the registry's lists instead). */
#ifndef BRISK_CORE_HEAPLIST_H
#define BRISK_CORE_HEAPLIST_H

#include "core/types.h"

/* An abandoned heap (*fresh false) or a new zeroed one (*fresh true).
 * When every abandoned heap is out with a visitor, first waits for one
 * to come back (yielding, at most 5 ms).  NULL when no memory can be
 * mapped. */
heap_t *brisk_heaplist_take(bool *fresh);
/* A heap for brisk_heap_new: a destroyed one to reuse (*fresh false: its
 * statistics and all_next are kept, the rest is the caller's to reset)
 * or a new zeroed one (*fresh true).  Never an abandoned thread heap.
 * NULL when no memory can be mapped. */
heap_t *brisk_heaplist_take_owned(bool *fresh);
/* A destroyed heap (kind HEAP_DEAD) waits for reuse by take_owned; it
 * stays on the list of every heap (its counters keep counting in the
 * process totals). */
void brisk_heaplist_retire(heap_t *h);
/* Link a fresh heap, once set up, on the list of every heap. */
void brisk_heaplist_publish(heap_t *h);
/* Put h (its thread is done with it) on the abandoned list. */
void brisk_heaplist_abandon(heap_t *h);
/* Dirty free bytes the abandoned heaps hold together (relaxed read, no
 * lock): the warm hand-over's budget at thread exit. */
size_t brisk_heaplist_abandoned_dirty(void);
/* An exiting thread's heap is about to be abandoned with `bytes` dirty:
 * returns the dirty bytes of the abandoned heaps plus those of the heaps
 * other exiting threads announced before (threads that exit together
 * each see the others: a burst of 80 once kept 450 MiB warm against a
 * 64 MiB cap), and counts `bytes` among them until the caller, after
 * brisk_heaplist_abandon, takes them back with brisk_heaplist_exited. */
size_t brisk_heaplist_exiting(size_t bytes);
void brisk_heaplist_exited(size_t bytes);
/* Heaps on the abandoned list (relaxed read, no lock). */
uint32_t brisk_heaplist_abandoned_count(void);
/* Whether some heap waits for adoption (relaxed peek, no lock). */
bool brisk_heaplist_has_abandoned(void);
/* Visit the abandoned heap that has waited longest: when due(h, now)
 * (called under the registry's lock; NULL: always), take it off the list
 * for the caller, which puts it back with brisk_heaplist_visit_done;
 * else leave it listed, moved to the front (the next visit looks at the
 * next heap), and return NULL.  NULL also when none waits.  A heap only
 * peeked at never leaves the list: a thread that starts meanwhile still
 * adopts it (see brisk_heaplist_take). */
heap_t *brisk_heaplist_visit_oldest(bool (*due)(const heap_t *h, uint64_t now), uint64_t now);
void brisk_heaplist_visit_done(heap_t *h);
/* Head of the list of every heap ever created (linked by all_next);
 * lock-free (the list only grows). */
heap_t *brisk_heaplist_first(void);
/* Heaps created so far. */
uint32_t brisk_heaplist_count(void);
/* Fork child: forget the abandoned list and the pool's remainder, which
 * another thread may have been updating at the fork. */
void brisk_heaplist_atfork_child(void);

#endif
