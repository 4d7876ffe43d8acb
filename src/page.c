/* page.c — pages of one size class: carving, queues, and frees.
 *
 * Owns: the per-heap bin queues and full list, lazy carving of a page's
 * area into blocks, collection of remote frees (page.xfree and
 * heap.delayed), and retiring emptied pages to the span allocator.
 *
 * Invariants:
 *  - a page with kind SPAN_PAGE is in exactly one list: its bin queue
 *    (flags without PAGE_IN_FULL) or heap->full (PAGE_IN_FULL);
 *  - heap->direct[w] is the class's foreign pseudo-page when that holds
 *    blocks, else the first page of the queue of brisk_direct_bin[w], or
 *    &brisk_page_empty when that queue is empty;
 *  - a page whose xfree state is XF_WANTED is in heap->full; a remote free
 *    to it goes to heap->delayed instead (so the owner hears of it);
 *  - used = blocks handed out - local frees - remote frees already counted
 *    (page->rseen); a remote thread adds a chain to rfreed only after it
 *    pushed the chain, so used never falls below the blocks really out;
 *  - a page is retired only when used == 0, which implies xfree holds no
 *    block (no block is outstanding), so no remote thread touches it.
 * Thread ownership: all of this runs on the heap owner's thread, except
 * brisk_page_free_remote, which any thread may call for a block it owns
 * (it batches in the calling thread's own heap->remote table).
 */
#include "internal.h"
#include "os.h"

#define XF_STATE(x) ((x) & (uintptr_t)3)
#define XF_LIST(x) ((block_t *)((x) & ~(uintptr_t)3))

/* ------------------------------------------------------------------ queues */

static void queue_remove(page_queue_t *q, page_t *page) {
  if (page->prev)
    page->prev->next = page->next;
  else
    q->first = page->next;
  if (page->next)
    page->next->prev = page->prev;
  else
    q->last = page->prev;
  page->next = page->prev = NULL;
}

static void queue_push_front(page_queue_t *q, page_t *page) {
  page->prev = NULL;
  page->next = q->first;
  if (q->first)
    q->first->prev = page;
  else
    q->last = page;
  q->first = page;
}

static void queue_push_back(page_queue_t *q, page_t *page) {
  page->next = NULL;
  page->prev = q->last;
  if (q->last)
    q->last->next = page;
  else
    q->first = page;
  q->last = page;
}

/* Point the direct slots of `bin` at the first page of its queue. */
void brisk_queue_update_direct(heap_t *heap, unsigned bin) {
  uint32_t size = brisk_bin_size[bin];
  if (size > BRISK_SMALL_MAX) return;
  page_t *page = heap->queues[bin].first ? heap->queues[bin].first : &brisk_page_empty;
  if (heap->foreign[bin].free != NULL) page = &heap->foreign[bin];
  uint32_t lo = bin == 1 ? 0 : (brisk_bin_size[bin - 1] >> 4) + 1;
  for (uint32_t w = lo; w <= (size >> 4); w++) heap->direct[w] = page;
}

static void move_to_front(heap_t *heap, page_t *page) {
  page_queue_t *q = &heap->queues[page->bin];
  if (q->first == page) return;
  queue_remove(q, page);
  queue_push_front(q, page);
  brisk_queue_update_direct(heap, page->bin);
}

/* ---------------------------------------------------------------- carving */

/* Carve fresh blocks from the untouched part of the area onto `free`.
 * Precondition: free == NULL and capacity < reserved. */
static void page_extend(page_t *page) {
  uint32_t bs = page->block_size;
  uint32_t n = BRISK_CARVE_BYTES / bs;
  if (n < BRISK_CARVE_MIN_BLOCKS) n = BRISK_CARVE_MIN_BLOCKS;
  uint32_t left = (uint32_t)page->reserved - page->capacity;
  if (n > left) n = left;
  uint8_t *start = page_area(page) + (size_t)page->capacity * bs;
  /* Carved blocks carry the free mark like freed ones, so freeing a block
   * that was never handed out is caught as well. */
  for (uint32_t i = 0; i < n; i++) {
    block_t *b = (block_t *)(start + (size_t)i * bs);
    b->next = i + 1 < n ? (block_t *)(start + (size_t)(i + 1) * bs) : page->free;
    b->mark = block_free_mark(b);
  }
  page->free = (block_t *)start;
  page->capacity = (uint16_t)(page->capacity + n);
}

static page_t *page_new(heap_t *heap, unsigned bin) {
  uint32_t slices = brisk_bin_slices(bin);
  page_t *page = brisk_span_alloc(heap, slices);
  if (page == NULL) return NULL;
  page->kind = SPAN_PAGE;
  page->flags = slices > 1 ? PAGE_MULTI : 0;
  page->bin = (uint8_t)bin;
  page->block_size = brisk_bin_size[bin];
  page->capacity = 0;
  page->reserved = (uint16_t)(((size_t)slices << BRISK_SLICE_SHIFT) / page->block_size);
  page->magic32 = UINT32_MAX / page->block_size + 1;
  page->free = NULL;
  page->used = 0;
  atomic_store_explicit(&page->xfree, 0, memory_order_relaxed);
  atomic_store_explicit(&page->rfreed, 0, memory_order_relaxed); /* no block out yet */
  page->rseen = 0;
  queue_push_front(&heap->queues[bin], page);
  brisk_queue_update_direct(heap, bin);
  brisk_stats_note_peak();
  return page;
}

/* ------------------------------------------------------ remote collection */

/* Move the page's remote frees onto its free list and take the remote
 * frees counted so far off `used`.  Returns true if any block came back.
 *
 * No walk over the list: remote threads add each chain's length to
 * page->rfreed after pushing it, and the owner reads rfreed BEFORE taking
 * the list, so every block it subtracts is in the list it takes (chains
 * pushed but not yet counted are subtracted at a later collection; `used`
 * meanwhile errs high, which only delays retiring the page). */
static bool page_collect(page_t *page) {
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
  if (list == NULL) return false;
  if (page->free == NULL) {
    page->free = list;
  } else { /* rare (thread exit, trim): append by walking */
    block_t *tail = list;
    while (tail->next != NULL) tail = tail->next;
    tail->next = page->free;
    page->free = list;
  }
  return true;
}

/* Set the xfree state bits, keeping the list. */
static void xfree_set_state(page_t *page, uintptr_t state) {
  uintptr_t x = atomic_load_explicit(&page->xfree, memory_order_relaxed);
  while (XF_STATE(x) != state &&
         !atomic_compare_exchange_weak_explicit(&page->xfree, &x, (x & ~(uintptr_t)3) | state,
                                                memory_order_acq_rel, memory_order_relaxed)) {
  }
}

/* Move a page from its queue to the full list.  Returns false (and leaves
 * the page in its queue) if remote frees arrived meanwhile. */
static bool page_to_full(heap_t *heap, page_t *page) {
  uintptr_t x = atomic_load_explicit(&page->xfree, memory_order_relaxed);
  do {
    if (XF_LIST(x) != NULL) return false;
  } while (!atomic_compare_exchange_weak_explicit(&page->xfree, &x, XF_WANTED,
                                                  memory_order_acq_rel, memory_order_relaxed));
  page_queue_t *q = &heap->queues[page->bin];
  bool was_first = q->first == page;
  queue_remove(q, page);
  if (was_first) brisk_queue_update_direct(heap, page->bin);
  page->flags |= PAGE_IN_FULL;
  queue_push_back(&heap->full, page);
  return true;
}

/* Back from the full list to the end of its queue: the page in front
 * keeps serving (no direct-slot update) and this one is found by the next
 * queue scan, by when more of its blocks may have come back. */
static void page_from_full(heap_t *heap, page_t *page) {
  queue_remove(&heap->full, page);
  page->flags &= (uint8_t)~PAGE_IN_FULL;
  xfree_set_state(page, XF_NORMAL);
  page_queue_t *q = &heap->queues[page->bin];
  bool was_empty = q->first == NULL;
  queue_push_back(q, page);
  if (was_empty) brisk_queue_update_direct(heap, page->bin);
}

/* ------------------------------------------------------------- allocation */

/* Find (or make) a page of `bin` with a free block, move it to the front
 * of its queue and pop a block from it.  NULL when out of memory. */
void *brisk_page_alloc_slow(heap_t *heap, unsigned bin) {
  page_t *fp = &heap->foreign[bin];
  if (fp->free != NULL) { /* another heap's block, freed by this thread: cache-hot */
    block_t *fb = fp->free;
    fp->free = fb->next;
    fp->used++;
    fb->mark = 0;
    return fb;
  }
  if (brisk_bin_size[bin] <= BRISK_SMALL_MAX && heap->direct[brisk_bin_size[bin] >> 4] == fp)
    brisk_queue_update_direct(heap, bin); /* emptied by the fast path: back to the queue */
  page_queue_t *q = &heap->queues[bin];
  page_t *page = q->first;
  while (page != NULL) {
    page_t *next = page->next;
    if (page->free != NULL || page_collect(page)) break;
    if (page->capacity < page->reserved) {
      page_extend(page);
      break;
    }
    if (page_to_full(heap, page)) {
      page = next;
      continue;
    }
    page_collect(page); /* remote frees raced with page_to_full */
    break;
  }
  if (page == NULL) {
    page = page_new(heap, bin);
    if (page == NULL) return NULL;
    page_extend(page);
  } else {
    move_to_front(heap, page);
  }
  block_t *b = page->free;
  page->free = b->next;
  b->mark = 0;
  page->used++;
  return b;
}

/* ------------------------------------------------------------------ frees */

/* Retire an empty page (used == 0) unless it is the only page of its bin:
 * keeping that one avoids retire/reuse churn when a program frees and
 * allocates one block at a time. */
void brisk_page_on_empty(heap_t *heap, page_t *page) {
  page_queue_t *q = &heap->queues[page->bin];
  if (q->first == page && page->next == NULL) return;
  queue_remove(q, page);
  brisk_queue_update_direct(heap, page->bin);
  atomic_store_explicit(&page->xfree, 0, memory_order_relaxed);
  page->flags = PAGE_NOT_SMALL;
  brisk_span_free(heap, page);
}

/* Owner-thread free of block b whose page has flags set (full or aligned). */
void brisk_page_free_local_slow(heap_t *heap, page_t *page, block_t *b) {
  if (page->flags & PAGE_HAS_ALIGNED) {
    /* b may be interior: round it down to its block start. */
    b = (block_t *)page_block_start(page, b);
  }
  if (b->mark == block_free_mark(b)) brisk_double_free(b);
  b->mark = block_free_mark(b);
  b->next = page->free;
  page->free = b;
  page->used--;
  if (page->flags & PAGE_IN_FULL) page_from_full(heap, page);
  if (page->used == 0) {
    page->flags &= (uint8_t)~PAGE_HAS_ALIGNED;
    brisk_page_on_empty(heap, page);
  }
}

/* Push the chain head..tail onto owner->delayed (lock-free, any thread):
 * the owner frees those blocks as its own at its next slow path. */
void brisk_delayed_push(heap_t *owner, block_t *head, block_t *tail) {
  block_t *old = atomic_load_explicit(&owner->delayed, memory_order_relaxed);
  do {
    tail->next = old;
  } while (!atomic_compare_exchange_weak_explicit(&owner->delayed, &old, head, memory_order_release,
                                                  memory_order_relaxed));
}

/* Push the chain head..tail (blocks of one page owned by another heap)
 * with one CAS: onto the page's xfree list, or, when the page is full
 * (XF_WANTED), onto the owner heap's delayed list so that the owner moves
 * the page back to its queue.  Lock-free; any thread. */
static void remote_push(page_t *page, block_t *head, block_t *tail, uint32_t count) {
  uintptr_t x = atomic_load_explicit(&page->xfree, memory_order_relaxed);
  for (;;) {
    if (XF_STATE(x) == XF_WANTED) {
      if (atomic_compare_exchange_weak_explicit(&page->xfree, &x,
                                                (x & ~(uintptr_t)3) | XF_NOTIFIED,
                                                memory_order_acq_rel, memory_order_relaxed)) {
        /* stable: the chain keeps the segment, so its heap, alive */
        brisk_delayed_push(segment_of_page(page)->heap, head, tail);
        return;
      }
      continue;
    }
    tail->next = XF_LIST(x);
    if (atomic_compare_exchange_weak_explicit(&page->xfree, &x, (uintptr_t)head | XF_STATE(x),
                                              memory_order_release, memory_order_relaxed)) {
      /* Counted after the push (see page_collect); until then the chain
       * keeps the page from being retired, so the descriptor is ours. */
      atomic_fetch_add_explicit(&page->rfreed, count, memory_order_release);
      return;
    }
  }
}

static void remote_slot_flush(heap_t *heap, unsigned i) {
  remote_slot_t *slot = &heap->remote[i];
  remote_push(slot->page, slot->head, slot->tail, slot->count);
  slot->page = NULL;
  slot->count = 0;
  heap->remote_mask &= ~((uint64_t)1 << i);
}

/* Free block b of a page owned by another heap.  A thread with a heap
 * batches such frees per page in a small table (heap->remote) and hands a
 * whole chain over with one CAS when the slot is needed for another page,
 * holds BRISK_REMOTE_BATCH blocks, or at the thread's next slow path; a
 * thread without a heap pushes at once. */
void brisk_page_free_remote(heap_t *heap, page_t *page, block_t *b) {
  if (heap == &brisk_heap_empty) {
    remote_push(page, b, b, 1);
    return;
  }
  /* Descriptor address bits 6..11 give the slice, bits 22.. the segment. */
  unsigned i = (unsigned)(((uintptr_t)page >> 6) ^ ((uintptr_t)page >> BRISK_SEGMENT_SHIFT)) & (BRISK_REMOTE_SLOTS - 1);
  remote_slot_t *slot = &heap->remote[i];
  if (slot->page != page) {
    if (slot->page != NULL) remote_slot_flush(heap, i);
    slot->page = page;
    slot->head = slot->tail = b;
    b->next = NULL;
    slot->count = 1;
    heap->remote_mask |= (uint64_t)1 << i;
    return;
  }
  b->next = slot->head;
  slot->head = b;
  if (++slot->count >= BRISK_REMOTE_BATCH) remote_slot_flush(heap, i);
}

/* Keep block b (another heap's, already marked free) in heap's foreign
 * cache if there is room, and point the class's direct slot at the cache.
 * Returns false when the cache of its class is full. */
bool brisk_foreign_keep(heap_t *heap, page_t *page, block_t *b) {
  unsigned bin = page->bin;
  page_t *fp = &heap->foreign[bin];
  uint32_t n = 0u - fp->used; /* blocks held */
  if (n >= BRISK_FOREIGN_MAX || (n + 1) * page->block_size > BRISK_FOREIGN_BYTES) return false;
  b->next = fp->free;
  fp->free = b;
  fp->used--;
  if (n == 0) brisk_queue_update_direct(heap, bin);
  return true;
}

/* Give every foreign block back to its owner (thread exit, trim). */
void brisk_foreign_flush_all(heap_t *heap) {
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    page_t *fp = &heap->foreign[bin];
    if (fp->free == NULL) continue;
    for (block_t *b = fp->free; b != NULL;) {
      block_t *next = b->next;
      segment_t *seg = (segment_t *)((uintptr_t)b & ~BRISK_SEGMENT_MASK);
      remote_push(page_of(seg, b), b, b, 1);
      b = next;
    }
    fp->free = NULL;
    fp->used = 0;
    brisk_queue_update_direct(heap, bin);
  }
}

/* Hand over every batched remote free of heap (slow paths, thread exit). */
void brisk_remote_flush_all(heap_t *heap) {
  while (heap->remote_mask != 0) remote_slot_flush(heap, (unsigned)__builtin_ctzll(heap->remote_mask));
}

/* Free, as the owner, every block other threads left on heap->delayed
 * (blocks of full pages and large spans). */
void brisk_page_collect_delayed(heap_t *heap) {
  block_t *b = atomic_exchange_explicit(&heap->delayed, NULL, memory_order_acquire);
  while (b != NULL) {
    block_t *next = b->next;
    segment_t *seg = (segment_t *)((uintptr_t)b & ~BRISK_SEGMENT_MASK);
    page_t *page = page_of(seg, b);
    if (page->kind == SPAN_LARGE) {
      page->flags = PAGE_NOT_SMALL;
      brisk_span_free(heap, page);
    } else {
      b->mark = 0; /* marked by the remote freer; local_slow marks again */
      brisk_page_free_local_slow(heap, page, b);
    }
    b = next;
  }
}

/* Collect every remote free of heap; with retire_all, also retire every
 * empty page (thread exit, trim). */
void brisk_heap_collect(heap_t *heap, bool retire_all) {
  brisk_page_collect_delayed(heap);
  page_t *page = heap->full.first;
  while (page != NULL) {
    page_t *next = page->next;
    if (page_collect(page)) page_from_full(heap, page);
    page = next;
  }
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    page = heap->queues[bin].first;
    while (page != NULL) {
      page_t *next = page->next;
      page_collect(page);
      if (page->used == 0 && retire_all) {
        queue_remove(&heap->queues[bin], page);
        atomic_store_explicit(&page->xfree, 0, memory_order_relaxed);
        page->flags = PAGE_NOT_SMALL;
        brisk_span_free(heap, page);
      }
      page = next;
    }
    brisk_queue_update_direct(heap, bin);
  }
}
