/* SPDX-License-Identifier: MIT */
/* core/heap.c — thread heaps: the sentinel, creation, adoption, exit.
 *
 * Owns: brisk_heap_tls (each thread's heap pointer), the thread state, the
 * sentinel heap and page, and thread-exit handling through a pthread key
 * destructor.
 *
 * Invariants:
 *  - brisk_heap_tls starts at &brisk_heap_empty, whose direct slots all
 *    point at brisk_page_empty (free == NULL): the first malloc of a thread
 *    falls into the slow path, which calls brisk_heap_get_or_init();
 *  - a heap is used by at most one thread at a time (the one whose
 *    brisk_heap_tls points at it), and every heap a thread took is handed
 *    back when the thread exits — also one taken by a pthread-key
 *    destructor that runs after ours (THREAD_DONE: one heap per operation);
 *  - thread heaps are immortal (core/heaplist.c).
 * Locking: none here; core/heaplist.c guards the registry.
 */
#include <pthread.h>

#include "core/block.h"
#include "core/foreign.h"
#include "core/transfer.h"
#include "core/free.h"
#include "core/heap.h"
#include "core/mesh.h"
#include "core/mesh_pass.h"
#include "core/heaplist.h"
#include "core/huge.h"
#include "core/options.h"
#include "core/page.h"
#include "core/purge.h"
#include "core/quarantine.h"
#include "core/remote.h"
#include "core/segment.h"
#include "core/source.h"
#include "os/os.h"

__thread heap_t *brisk_heap_tls __attribute__((tls_model("initial-exec"))) = &brisk_heap_empty;

/* Thread states (brisk_tls_state). */
enum { THREAD_NEW = 0, THREAD_LIVE = 1, THREAD_DONE = 2 };
static __thread uint8_t brisk_tls_state __attribute__((tls_model("initial-exec")));

#define EMPTY4 &brisk_page_empty, &brisk_page_empty, &brisk_page_empty, &brisk_page_empty
#define EMPTY16 EMPTY4, EMPTY4, EMPTY4, EMPTY4
heap_t brisk_heap_empty = {.direct = {EMPTY16, EMPTY16, EMPTY16, EMPTY16, &brisk_page_empty},
                           .by_bin = {[0 ... BRISK_BIN_COUNT - 1] = &brisk_page_empty},
                           .source = &brisk_source_os};
_Static_assert(BRISK_DIRECT_SLOTS == 65, "sentinel initialiser covers 65 direct slots");

static pthread_key_t thread_key;
static int thread_key_ready;

void brisk_heap_setup(heap_t *h, uint32_t kind) {
  for (unsigned w = 0; w < BRISK_DIRECT_SLOTS; w++) h->direct[w] = &brisk_page_empty;
  for (unsigned bin = 0; bin < BRISK_BIN_COUNT; bin++) h->by_bin[bin] = &brisk_page_empty;
  brisk_foreign_init(h);
  h->kind = kind;
  h->source = &brisk_source_os;
}

heap_t *brisk_heap_get_or_init(void) {
  heap_t *h = brisk_heap_tls;
  if (h != &brisk_heap_empty) return h;
  bool fresh = false;
  h = brisk_heaplist_take(&fresh);
  if (h == NULL) return NULL;
  if (fresh) {
    brisk_block_key_init(); /* before the first block is carved */
    brisk_heap_setup(h, HEAP_THREAD);
    brisk_heaplist_publish(h);
  }
  brisk_heap_tls = h;
  if (brisk_tls_state == THREAD_DONE) return h; /* for one operation: brisk_heap_leave */
  brisk_tls_state = THREAD_LIVE;
  if (__atomic_load_n(&thread_key_ready, __ATOMIC_ACQUIRE)) pthread_setspecific(thread_key, h);
  return h;
}

/* Give back what h holds of other heaps: its foreign cache and remote
 * batches. */
static void heap_return_foreign(heap_t *h) {
  brisk_foreign_flush_all(h); /* (flushes the batches too) */
}

/* Release h's quarantine, heap_return_foreign, then collect h's own
 * remote frees and retire its empty pages (no system call). */
static void heap_settle(heap_t *h) {
  if (BRISK_QUARANTINE) brisk_quarantine_flush(h);
  heap_return_foreign(h);
  brisk_page_collect_all(h, true);
}

/* Return the free memory of a settled heap.  Returns bytes. */
static size_t heap_purge_all(heap_t *h) {
  return brisk_purge_heap(h, PURGE_ALL) + brisk_purge_spare_segments(h);
}

/* Return heap's free memory; its live blocks stay.  Returns bytes. */
static size_t heap_tidy(heap_t *h) {
  heap_settle(h);
  return heap_purge_all(h);
}

static void heap_hand_back(heap_t *h) {
  if (brisk_heap_tls == h) brisk_heap_tls = &brisk_heap_empty;
  brisk_heaplist_abandon(h);
}

NOINLINE void brisk_heap_free_orphan(segment_t *seg, page_t *page, void *p) {
  /* A thread that frees other threads' blocks but never allocated (a
   * consumer) gets a heap here, so that its frees are cached and batched
   * (one CAS per BRISK_REMOTE_BATCH blocks, at most BRISK_REMOTE_SLOTS
   * batches held) instead of one contended CAS on the owner's page per
   * block: bench/prodcons pairs=4 ran 1.8-2.8x slower than the best peer
   * that way, 0.07-0.20 s instead of 0.22-0.24 s with it. */
  heap_t *h = seg->heap_kind == HEAP_THREAD ? brisk_heap_get_or_init() : NULL;
  if (h == NULL) {
    brisk_free_declined(p);
    return;
  }
  brisk_foreign_set_consumer(h, true); /* until its first allocation slow path (core/alloc.c) */
  brisk_free_foreign(p, page, seg, h);
  brisk_heap_leave(h);
}

void brisk_heap_leave(heap_t *heap) {
  if (likely(brisk_tls_state != THREAD_DONE) || heap == &brisk_heap_empty) return;
  heap_return_foreign(heap);
  heap_hand_back(heap);
}

void brisk_heap_thread_done(void *arg) {
  heap_t *h = arg;
  brisk_tls_state = THREAD_DONE;
  if (h == NULL || h == &brisk_heap_empty) return;
  /* Warm hand-over: a churning program's next thread reuses the memory at
   * once, so no purge at exit beyond the heap's own dirty limit: the
   * normal delay decides (the janitor purges what expires if no thread
   * comes).  Only a cap on the abandoned heaps together,
   * BRISK_ABANDONED_DIRTY_FACTOR times the dirty limit, keeps a burst of
   * exiting threads (hundreds of detached workers) from keeping their
   * memory each: a heap beyond it keeps only what is left of the cap (its
   * most recently freed spans).  A cap of one dirty limit cost
   * bench/threadchurn (two threads a wave, ~20 MiB dirty each) 260-660
   * madvise calls and 50-150k page faults per run against 15-22k with 2;
   * with 4, test/stress/stress_churn's RSS grew past its bound once in 20
   * loaded runs (0 in 30 with 2); purging at exit down to 1/4 or 1/16 of
   * the limit measured 30% / 80% slower there for 11-18% less peak RSS. */
  heap_settle(h);
  size_t cap = (size_t)brisk_options.dirty_max_kib * 1024 * BRISK_ABANDONED_DIRTY_FACTOR;
  size_t announced = h->dirty_bytes;
  size_t others = brisk_heaplist_exiting(announced); /* abandoned, and exiting before this one */
  if (others + h->dirty_bytes > cap)
    brisk_purge_down_to(h, others < cap ? cap - others : 0); /* the oldest spans beyond it */
  else
    purge_after_free(h);
  heap_hand_back(h);
  brisk_heaplist_exited(announced);
}

/* Whether the janitor has work in abandoned heap h at now: its dirty
 * spans' delay expired, or frees by other threads wait in its delayed
 * list (registry lock held: h is listed, so nobody writes it). */
static bool janitor_due(const heap_t *h, uint64_t now) {
  return (h->purge_due_ms != 0 && now >= h->purge_due_ms) || remote_delayed_pending(h);
}

/* The oldest abandoned heap: when due, collect and purge what expired (or
 * collect the delayed frees), put it back.  (Taking a heap that has no
 * work off the list made a thread starting then create a heap of its own:
 * brisk_heaplist_visit_oldest leaves it listed.) */
static void janitor(uint64_t now) {
  heap_t *h = brisk_heaplist_visit_oldest(janitor_due, now);
  if (h == NULL) return;
  if (h->purge_due_ms != 0 && now >= h->purge_due_ms) {
    brisk_page_collect_all(h, true);
    brisk_purge_heap(h, PURGE_EXPIRED);
  } else {
    brisk_page_collect_delayed(h);
  }
  brisk_heaplist_visit_done(h);
}

void brisk_heap_tick(heap_t *heap, bool periodic) {
  brisk_purge_tick(heap);
  if (unlikely(brisk_mesh_enabled) && periodic) brisk_mesh_pass_tick(heap);
  if ((++heap->house_ticks & 15) != 0 && !periodic) return;
  /* Destroyed heaps' segments, four at a time: a bounded pause (a relaxed
   * peek when there are none). */
  brisk_segment_reap(4);
  brisk_huge_cache_trim(false); /* expired huge mappings, even when idle */
  brisk_transfer_tick();        /* batches nobody takes go home */
  if (brisk_heaplist_has_abandoned()) {
    /* each abandoned heap at most once a round */
    uint32_t visits = brisk_heaplist_abandoned_count();
    if (visits > BRISK_JANITOR_VISITS) visits = BRISK_JANITOR_VISITS;
    uint64_t now = brisk_os_now_ms();
    while (visits-- > 0) janitor(now);
  }
}

/* The free memory of the heaps of exited threads: each is taken off the
 * abandoned list (so no thread adopts it meanwhile), collected, purged
 * and put back.  At most one pass over the list as it was. */
static size_t release_abandoned(void) {
  size_t released = 0;
  for (uint32_t n = brisk_heaplist_abandoned_count(); n > 0; n--) {
    heap_t *h = brisk_heaplist_visit_oldest(NULL, 0);
    if (h == NULL) break;
    brisk_page_collect_all(h, true);
    released += heap_purge_all(h);
    brisk_heaplist_visit_done(h);
  }
  return released;
}

size_t brisk_heap_release(heap_t *heap) {
  brisk_transfer_flush_all(); /* before the owners collect and purge */
  size_t released = heap != &brisk_heap_empty ? heap_tidy(heap) : 0;
  released += release_abandoned();
  released += brisk_huge_cache_trim(true);
  released += brisk_segment_cache_trim();
  released += brisk_segment_reap(~0u);
  return released;
}

void brisk_heap_process_init(void) {
  if (pthread_key_create(&thread_key, brisk_heap_thread_done) == 0) {
    __atomic_store_n(&thread_key_ready, 1, __ATOMIC_RELEASE);
    heap_t *h = brisk_heap_tls;
    if (h != &brisk_heap_empty) pthread_setspecific(thread_key, h);
  }
}

/* In the child only the forking thread exists.  Heaps of the other threads
 * may have been mid-operation at the fork, so they are left alone (never
 * adopted): their memory is lost to the child, which stays correct. */
void brisk_heap_atfork_child(void) {
  brisk_heaplist_atfork_child();
  brisk_transfer_atfork_child();
}
