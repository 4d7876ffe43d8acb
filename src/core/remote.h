/* SPDX-License-Identifier: MIT */
/* core/remote.h — the remote-free protocol: how a thread frees a block of
 * a page that another heap owns, and how the owner takes such blocks back.
 *
 * Pushers (any thread) link chains with block_set_next and publish them
 * with one CAS on page->xfree, or — when the owner parked the page as full
 * (XF_WANTED) — on the owner heap's delayed list, so that the owner hears
 * of it.  They add each chain's length to page->rfreed after the push.
 * The owner reads rfreed before taking the list, so it never subtracts a
 * block it has not got (page->used errs high meanwhile, which only delays
 * retiring the page).  A page is retired only with used == 0, so no
 * pusher can still hold its descriptor.
 */
#ifndef BRISK_CORE_REMOTE_H
#define BRISK_CORE_REMOTE_H

#include "core/types.h"

/* ---- any thread */

/* Free block b (already through block_on_free) of a page owned by another
 * heap.  A thread with a heap batches such frees per page in heap->remote
 * and hands a whole chain over with one CAS; the sentinel heap pushes at
 * once.  Lock-free. */
void brisk_remote_free(heap_t *heap, page_t *page, block_t *b);
/* Push the chain head..tail (count blocks of `page`) with one CAS. */
void brisk_remote_push(page_t *page, block_t *head, block_t *tail, uint32_t count);
/* Hand over every batch of heap's remote table (slow paths, exit, trim). */
void brisk_remote_flush_all(heap_t *heap);
/* Push head..tail onto owner->delayed (blocks of full pages, large spans). */
void brisk_remote_delayed_push(heap_t *owner, block_t *head, block_t *tail);

/* ---- the owner thread */

/* Reset the protocol state of a page being created or retired. */
void brisk_remote_page_reset(page_t *page);
/* Take the page's remote frees (NULL-terminated chain, or NULL) and take
 * the remote frees counted so far off page->used. */
block_t *brisk_remote_collect(page_t *page);
/* Whether remote frees may wait on the page (relaxed reads, the test
 * before brisk_remote_collect where it is in line): a chain on xfree, or
 * pushes counted in rfreed that page->used still holds.  A push racing
 * with it is found by the next collection, as with the collection itself. */
static inline bool remote_page_pending(page_t *page) {
  return (atomic_load_explicit(&page->xfree, memory_order_relaxed) & ~(uintptr_t)3) != 0 ||
         atomic_load_explicit(&page->rfreed, memory_order_relaxed) != page->rseen;
}
/* Park a page as full (XF_WANTED): false, nothing changed, when remote
 * frees are already waiting on it. */
bool brisk_remote_park(page_t *page);
/* Unpark a page (back to XF_NORMAL), keeping its list. */
void brisk_remote_unpark(page_t *page);
/* Take heap's whole delayed list (NULL-terminated chain, or NULL). */
block_t *brisk_remote_take_delayed(heap_t *heap);
/* Whether the delayed list holds something (relaxed peek). */
static inline bool remote_delayed_pending(const heap_t *heap) {
  return atomic_load_explicit(&heap->delayed, memory_order_relaxed) != NULL;
}

#endif
