/* SPDX-License-Identifier: MIT */
/* core/remote.c — the remote-free protocol (core/remote.h has the rules).
 *
 * State: page->xfree = chain | XF_* state (two low bits), page->rfreed
 * (blocks ever pushed, added after each push), page->rseen (owner's copy),
 * heap->delayed (chain), heap->remote[] + remote_mask (the calling thread's
 * own batches, owner-only).
 * Thread ownership: push functions run on any thread and are lock-free;
 * the collect/park functions run on the page owner's thread only.
 */
#include "core/remote.h"
#include "core/block.h"
#include "core/segment.h"
#include "observe/event.h"

#define XF_STATE(x) ((x) & (uintptr_t)3)
#define XF_LIST(x) ((block_t *)((x) & ~(uintptr_t)3))

void brisk_remote_delayed_push(heap_t *owner, block_t *head, block_t *tail) {
  block_t *old = atomic_load_explicit(&owner->delayed, memory_order_relaxed);
  do {
    block_set_next(tail, old);
  } while (!atomic_compare_exchange_weak_explicit(&owner->delayed, &old, head, memory_order_release,
                                                  memory_order_relaxed));
}

void brisk_remote_push(page_t *page, block_t *head, block_t *tail, uint32_t count) {
  uintptr_t x = atomic_load_explicit(&page->xfree, memory_order_relaxed);
  for (;;) {
    if (XF_STATE(x) == XF_WANTED) {
      if (atomic_compare_exchange_weak_explicit(&page->xfree, &x,
                                                (x & ~(uintptr_t)3) | XF_NOTIFIED,
                                                memory_order_acq_rel, memory_order_relaxed)) {
        /* stable: the chain keeps the segment, so its heap, alive */
        brisk_remote_delayed_push(segment_of_page(page)->heap, head, tail);
        return;
      }
      continue;
    }
    block_set_next(tail, XF_LIST(x));
    if (atomic_compare_exchange_weak_explicit(&page->xfree, &x, (uintptr_t)head | XF_STATE(x),
                                              memory_order_release, memory_order_relaxed)) {
      /* Counted after the push; until then the chain keeps the page from
       * being retired, so the descriptor is still this page's. */
      atomic_fetch_add_explicit(&page->rfreed, count, memory_order_release);
      return;
    }
  }
}

static NOINLINE void slot_flush(heap_t *heap, unsigned i) {
  remote_slot_t *slot = &heap->remote[i];
  brisk_remote_push(slot->page, slot->head, slot->tail, slot->count);
  slot->page = NULL;
  slot->count = 0;
  heap->remote_mask &= ~((uint64_t)1 << i);
  event_frees_left(heap);
}

/* Slot i holds another page's batch (or none): hand that over, start
 * one for `page` with b. */
static NOINLINE void slot_start(heap_t *heap, unsigned i, page_t *page, block_t *b) {
  remote_slot_t *slot = &heap->remote[i];
  if (slot->page != NULL) slot_flush(heap, i);
  slot->page = page;
  slot->head = slot->tail = b;
  block_set_next(b, NULL);
  slot->count = 1;
  heap->remote_mask |= (uint64_t)1 << i;
}

/* The common case is a leaf: the batch grows by b.  Everything else is a
 * tail call, so that no register is saved for it. */
void brisk_remote_free(heap_t *heap, page_t *page, block_t *b) {
  if (unlikely(heap == &brisk_heap_empty)) {
    brisk_remote_push(page, b, b, 1);
    return;
  }
  /* Descriptor address bits 7..12 give the slice (128-byte descriptors),
   * bits 22.. the segment. */
  unsigned i = (unsigned)(((uintptr_t)page >> 7) ^ ((uintptr_t)page >> BRISK_SEGMENT_SHIFT)) &
               (BRISK_REMOTE_SLOTS - 1);
  remote_slot_t *slot = &heap->remote[i];
  if (unlikely(slot->page != page)) {
    slot_start(heap, i, page, b);
    return;
  }
  block_set_next(b, slot->head);
  slot->head = b;
  /* a consumer (core/heap.c) hands back sooner: its producer is waiting
   * for the blocks, and nothing of its own would be served meanwhile */
  if (unlikely(++slot->count >= (heap->consumer ? BRISK_REMOTE_BATCH_CONSUMER : BRISK_REMOTE_BATCH)))
    slot_flush(heap, i);
}

void brisk_remote_flush_all(heap_t *heap) {
  while (heap->remote_mask != 0) slot_flush(heap, (unsigned)__builtin_ctzll(heap->remote_mask));
}

/* ------------------------------------------------------------- owner side */

void brisk_remote_page_reset(page_t *page) {
  atomic_store_explicit(&page->xfree, 0, memory_order_relaxed);
  atomic_store_explicit(&page->rfreed, 0, memory_order_relaxed);
  page->rseen = 0;
}

block_t *brisk_remote_collect(page_t *page) {
  uint32_t seen = atomic_load_explicit(&page->rfreed, memory_order_acquire);
  uintptr_t x = atomic_load_explicit(&page->xfree, memory_order_relaxed);
  block_t *list = NULL;
  if (XF_LIST(x) != NULL) {
    while (!atomic_compare_exchange_weak_explicit(&page->xfree, &x, XF_STATE(x),
                                                  memory_order_acquire, memory_order_relaxed)) {
    }
    list = XF_LIST(x);
  }
  uint32_t newly = seen - page->rseen;
  brisk_assert(page->used >= newly);
  page->used -= newly;
  page->rseen = seen;
  return list;
}

bool brisk_remote_park(page_t *page) {
  uintptr_t x = atomic_load_explicit(&page->xfree, memory_order_relaxed);
  do {
    if (XF_LIST(x) != NULL) return false;
  } while (!atomic_compare_exchange_weak_explicit(&page->xfree, &x, XF_WANTED,
                                                  memory_order_acq_rel, memory_order_relaxed));
  return true;
}

void brisk_remote_unpark(page_t *page) {
  uintptr_t x = atomic_load_explicit(&page->xfree, memory_order_relaxed);
  while (XF_STATE(x) != XF_NORMAL &&
         !atomic_compare_exchange_weak_explicit(&page->xfree, &x, x & ~(uintptr_t)3,
                                                memory_order_acq_rel, memory_order_relaxed)) {
  }
}

block_t *brisk_remote_take_delayed(heap_t *heap) {
  return atomic_exchange_explicit(&heap->delayed, NULL, memory_order_acquire);
}
