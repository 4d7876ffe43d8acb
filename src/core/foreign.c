/* SPDX-License-Identifier: MIT */
/* core/foreign.c — the foreign-block cache (core/foreign.h).
 * Invariant: heap->foreign[bin].used == -(blocks on its list) <= its
 * reserved (the class's limit: BRISK_FOREIGN_MAX blocks, at most
 * BRISK_FOREIGN_BYTES; 0 in the sentinel heap, whose caches never take a
 * block), and every
 * block on it belongs to a page of a heap that counts it as used (so that
 * page cannot be retired while the block sits here): another heap's, or
 * after a refill from the transfer cache possibly this heap's own. */
#include "core/foreign.h"
#include "core/block.h"
#include "core/page.h"
#include "core/remote.h"
#include "core/transfer.h"
#include "observe/event.h"

/* The most blocks the cache of bin keeps (read by the free fast path:
 * core/free.c): a consumer's only stages batches for the transfer cache,
 * so its classes without one keep none (else they would hold blocks, and
 * their owners' pages, until the thread allocates or exits). */
static uint16_t class_cap(unsigned bin, bool consumer) {
  if (consumer && !brisk_transfer_serves(bin)) return 0;
  uint32_t cap = BRISK_FOREIGN_BYTES / brisk_sizeclass_size[bin];
  return (uint16_t)(cap < BRISK_FOREIGN_MAX ? cap : BRISK_FOREIGN_MAX);
}

void brisk_foreign_init(heap_t *heap) {
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    page_t *fp = &heap->foreign[bin];
    fp->kind = SPAN_META; /* never found by free(): no segment holds it */
    fp->flags = PAGE_NOT_SMALL;
    fp->bin = (uint8_t)bin;
    fp->block_size = brisk_sizeclass_size[bin];
    fp->free_step = EVENT_FREE_STEP(fp->block_size) + EVENT_FREE_REMOTE; /* only other heaps' blocks */
    fp->alloc_step = EVENT_ALLOC_STEP(fp->block_size);
    fp->reserved = class_cap(bin, false);
  }
}

void brisk_foreign_set_consumer(heap_t *heap, bool consumer) {
  heap->consumer = consumer;
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) heap->foreign[bin].reserved = class_cap(bin, consumer);
}

void brisk_foreign_become_consumer(heap_t *heap) {
  brisk_foreign_flush_all(heap);
  brisk_foreign_set_consumer(heap, true);
}

bool brisk_foreign_spill(heap_t *heap, unsigned bin) {
  page_t *fp = &heap->foreign[bin];
  if (fp->free == NULL || !brisk_transfer_put(bin, fp->free, 0u - fp->used)) return false;
  fp->free = NULL;
  fp->used = 0;
  event_frees_left(heap);
  return true;
}

bool brisk_foreign_refill(heap_t *heap, unsigned bin) {
  if (heap->kind != HEAP_THREAD) return false;
  page_t *fp = &heap->foreign[bin];
  uint32_t count;
  block_t *head = brisk_transfer_take(bin, &count);
  if (head == NULL) return false;
  fp->free = head;
  fp->used = 0u - count;
  brisk_page_update_direct(heap, bin);
  return true;
}

void *brisk_foreign_pop(heap_t *heap, unsigned bin) {
  page_t *fp = &heap->foreign[bin];
  if (fp->free == NULL) return NULL;
  fp->used++;
  return block_pop(&fp->free);
}

/* Hand the cache of bin back to the blocks' owners through heap's remote
 * batches (core/remote.h: one CAS per page's batch, not per block),
 * leaving it empty; the direct slot is left as it was. */
static void return_class(heap_t *heap, unsigned bin) {
  page_t *fp = &heap->foreign[bin];
  for (block_t *b = fp->free; b != NULL;) {
    block_t *next = block_next(b); /* (read first: the batch relinks b) */
    brisk_remote_free(heap, page_of(segment_of_ptr(b), b), b);
    b = next;
  }
  fp->free = NULL;
  fp->used = 0;
}

void brisk_foreign_return(heap_t *heap, unsigned bin) {
  return_class(heap, bin);
  event_frees_left(heap);
}

void brisk_foreign_flush_all(heap_t *heap) {
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    if (heap->foreign[bin].free == NULL) continue;
    return_class(heap, bin);
    brisk_page_update_direct(heap, bin);
  }
  brisk_remote_flush_all(heap);
  event_frees_left(heap);
}
