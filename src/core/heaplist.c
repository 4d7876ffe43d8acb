/* SPDX-License-Identifier: MIT */
/* core/heaplist.c — the registry of thread heaps (core/heaplist.h).
 *
 * Invariants:
 *  - heap_t objects are never freed (thread heaps are immortal; a
 *    destroyed brisk_heap_new heap waits on `retired` for reuse): a heap
 *    whose thread exited is abandoned with its segments and adopted whole
 *    by a later thread, so segment->heap stays valid for remote frees;
 *  - all_heaps only grows, and a heap is linked only after it is set up,
 *    so readers walk it without the lock;
 *  - pool_left is a multiple of HEAP_SLOT;
 *  - abandoned_dirty is the sum of dirty_bytes of the heaps on the
 *    abandoned list, as they were when put there (an abandoned heap's
 *    dirty bytes change only while taken off it).
 *  - abandoned_count is the length of the abandoned list;
 *  - visiting counts the heaps taken off it by brisk_heaplist_visit_oldest
 *    and not yet put back.
 * Locking: list_lock guards pool, pool_left, abandoned, abandoned_dirty,
 * abandoned_count, visiting, retired and the pushes onto all_heaps; the pool is
 * refilled by mapping outside the lock.
 */
#include <pthread.h>

#include "core/heaplist.h"
#include "os/os.h"

#define HEAP_SLOT ((sizeof(heap_t) + 63) & ~(size_t)63)
#define POOL_CHUNK ((size_t)256 * 1024)
_Static_assert(POOL_CHUNK >= HEAP_SLOT, "a chunk holds a heap");

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static heap_t *all_heaps;
static heap_t *abandoned; /* written under list_lock (atomic stores): peeked without it */
static heap_t *retired;   /* destroyed HEAP_OWNED heaps for reuse (abandoned_next) */
static size_t abandoned_dirty; /* written under list_lock (atomic stores): read without it */
static uint32_t abandoned_count; /* heaps on abandoned; as abandoned_dirty */
static uint32_t visiting;        /* out with a visitor; as abandoned_dirty */
static size_t exiting_dirty;     /* announced by exiting threads (atomic, no lock) */
static uint8_t *pool;
static size_t pool_left;
static uint32_t heap_count;

/* Lock held: unlink h (on the abandoned list at *link). */
static void unlink_locked(heap_t **link, heap_t *h) {
  __atomic_store_n(link, h->abandoned_next, __ATOMIC_RELAXED);
  h->abandoned_next = NULL;
  __atomic_store_n(&abandoned_dirty, abandoned_dirty - h->dirty_bytes, __ATOMIC_RELAXED);
  __atomic_store_n(&abandoned_count, abandoned_count - 1, __ATOMIC_RELAXED);
}

/* Lock held: push h (off every list) on the abandoned list. */
static void push_locked(heap_t *h) {
  h->abandoned_next = abandoned;
  __atomic_store_n(&abandoned, h, __ATOMIC_RELAXED);
  __atomic_store_n(&abandoned_dirty, abandoned_dirty + h->dirty_bytes, __ATOMIC_RELAXED);
  __atomic_store_n(&abandoned_count, abandoned_count + 1, __ATOMIC_RELAXED);
}

/* Lock held.  NULL when the pool is empty.  owned: never an abandoned
 * thread heap, a retired one first. */
static heap_t *take_locked(bool *fresh, bool owned) {
  heap_t *h = retired;
  if (owned && h != NULL) {
    retired = h->abandoned_next;
    h->abandoned_next = NULL;
    *fresh = false;
    return h;
  }
  h = abandoned;
  if (!owned && h != NULL) {
    unlink_locked(&abandoned, h);
    *fresh = false;
    return h;
  }
  if (pool_left < HEAP_SLOT) return NULL;
  h = (heap_t *)pool;
  pool += HEAP_SLOT;
  pool_left -= HEAP_SLOT;
  *fresh = true;
  return h;
}

/* A starting thread that finds no abandoned heap because the janitor (or
 * a trim) has the only ones out waits for one to come back, yielding, for
 * at most VISIT_WAIT_NS (a visit is a collection and the madvise calls of
 * one purge; the bound covers a visitor that does not return soon: a
 * signal handler of its own thread starting a heap).  A heap made instead
 * stays for the rest of the run, with its own pages and dirty memory:
 * bench/threadchurn (waves of 2 threads) made a 4th heap in half its runs,
 * 88 MB peak RSS against 63 with 3; 64 yields (~30 us) still did in 3 of
 * 10. */
#define VISIT_WAIT_NS (5 * 1000 * 1000)

static heap_t *take(bool *fresh, bool owned) {
  heap_t *h = NULL;
  bool patient = !owned; /* (destroyable heaps never adopt) */
  uint64_t until = 0;
  for (;;) {
    pthread_mutex_lock(&list_lock);
    bool wait = patient && abandoned == NULL && visiting != 0;
    if (!wait) h = take_locked(fresh, owned);
    pthread_mutex_unlock(&list_lock);
    if (!wait) break;
    uint64_t now = brisk_os_now_ns();
    if (until == 0) until = now + VISIT_WAIT_NS;
    patient = now < until;
    if (patient) brisk_os_yield();
  }
  if (h != NULL) return h;
  uint8_t *chunk = brisk_os_map_aligned(POOL_CHUNK, BRISK_OS_PAGE);
  if (chunk == NULL) return NULL;
  pthread_mutex_lock(&list_lock);
  if (pool_left < HEAP_SLOT) { /* else another thread refilled first */
    pool = chunk;
    pool_left = POOL_CHUNK - POOL_CHUNK % HEAP_SLOT;
    chunk = NULL;
  }
  h = take_locked(fresh, owned);
  pthread_mutex_unlock(&list_lock);
  if (chunk != NULL) brisk_os_unmap(chunk, POOL_CHUNK);
  return h;
}

heap_t *brisk_heaplist_take(bool *fresh) { return take(fresh, false); }
heap_t *brisk_heaplist_take_owned(bool *fresh) { return take(fresh, true); }

void brisk_heaplist_retire(heap_t *h) {
  pthread_mutex_lock(&list_lock);
  h->abandoned_next = retired;
  retired = h;
  pthread_mutex_unlock(&list_lock);
}

void brisk_heaplist_abandon(heap_t *h) {
  pthread_mutex_lock(&list_lock);
  push_locked(h);
  pthread_mutex_unlock(&list_lock);
}

size_t brisk_heaplist_abandoned_dirty(void) {
  return __atomic_load_n(&abandoned_dirty, __ATOMIC_RELAXED);
}

size_t brisk_heaplist_exiting(size_t bytes) {
  size_t ahead = __atomic_fetch_add(&exiting_dirty, bytes, __ATOMIC_RELAXED);
  return ahead + __atomic_load_n(&abandoned_dirty, __ATOMIC_RELAXED);
}

void brisk_heaplist_exited(size_t bytes) { __atomic_fetch_sub(&exiting_dirty, bytes, __ATOMIC_RELAXED); }

uint32_t brisk_heaplist_abandoned_count(void) {
  return __atomic_load_n(&abandoned_count, __ATOMIC_RELAXED);
}

bool brisk_heaplist_has_abandoned(void) {
  return __atomic_load_n(&abandoned, __ATOMIC_RELAXED) != NULL;
}

heap_t *brisk_heaplist_visit_oldest(bool (*due)(const heap_t *h, uint64_t now), uint64_t now) {
  pthread_mutex_lock(&list_lock);
  heap_t **link = &abandoned;
  while (*link != NULL && (*link)->abandoned_next != NULL) link = &(*link)->abandoned_next;
  heap_t *h = *link;
  if (h != NULL) {
    unlink_locked(link, h);
    if (due == NULL || due(h, now)) {
      __atomic_store_n(&visiting, visiting + 1, __ATOMIC_RELAXED);
    } else {
      push_locked(h); /* (its fields are read under the lock: nobody writes a listed heap) */
      h = NULL;
    }
  }
  pthread_mutex_unlock(&list_lock);
  return h;
}

void brisk_heaplist_visit_done(heap_t *h) {
  pthread_mutex_lock(&list_lock);
  push_locked(h);
  __atomic_store_n(&visiting, visiting - 1, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&list_lock);
}

heap_t *brisk_heaplist_first(void) { return __atomic_load_n(&all_heaps, __ATOMIC_ACQUIRE); }

uint32_t brisk_heaplist_count(void) { return __atomic_load_n(&heap_count, __ATOMIC_RELAXED); }

void brisk_heaplist_publish(heap_t *h) {
  pthread_mutex_lock(&list_lock);
  h->all_next = all_heaps;
  __atomic_store_n(&all_heaps, h, __ATOMIC_RELEASE);
  __atomic_fetch_add(&heap_count, 1, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&list_lock);
}

void brisk_heaplist_atfork_child(void) {
  pthread_mutex_init(&list_lock, NULL);
  abandoned = NULL;
  abandoned_dirty = 0;
  exiting_dirty = 0;
  abandoned_count = 0;
  visiting = 0;
  retired = NULL;
  pool = NULL;
  pool_left = 0;
}
