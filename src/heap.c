/* heap.c — per-thread heaps: the sentinel, creation, adoption, abandonment.
 *
 * Owns: brisk_tls_heap (each thread's heap pointer), the immortal pool of
 * heap_t objects, the list of all heaps (for statistics and trim) and the
 * list of abandoned heaps (of exited threads), and thread-exit handling
 * through a pthread key destructor.
 *
 * Invariants:
 *  - brisk_tls_heap starts at &brisk_heap_empty, whose direct slots all
 *    point at brisk_page_empty (free == NULL): the first malloc of a thread
 *    falls into the slow path, which calls brisk_heap_get_or_init();
 *  - heap_t objects are never freed: a heap whose thread exited is
 *    abandoned with its segments and adopted whole by the next new thread,
 *    so segment->heap stays valid for remote frees at all times;
 *  - a heap is used by at most one thread at a time (the one whose
 *    brisk_tls_heap points at it).
 * Locking: heaps_lock guards the pool and both lists; it is never held
 * across a syscall (the pool is refilled by mapping outside the lock).
 */
#include <pthread.h>

#include "internal.h"
#include "os.h"

__thread heap_t *brisk_tls_heap __attribute__((tls_model("initial-exec"))) = &brisk_heap_empty;

page_t brisk_page_empty = {.flags = PAGE_NOT_SMALL, .kind = SPAN_META};

#define EMPTY4 &brisk_page_empty, &brisk_page_empty, &brisk_page_empty, &brisk_page_empty
#define EMPTY16 EMPTY4, EMPTY4, EMPTY4, EMPTY4
heap_t brisk_heap_empty = {.direct = {EMPTY16, EMPTY16, EMPTY16, EMPTY16, &brisk_page_empty}};
_Static_assert(BRISK_DIRECT_SLOTS == 65, "sentinel initialiser covers 65 direct slots");

static pthread_mutex_t heaps_lock = PTHREAD_MUTEX_INITIALIZER;
static heap_t *all_heaps;
static heap_t *abandoned;
static uint8_t *pool;
static size_t pool_left;
static uint32_t heap_count;

static pthread_key_t thread_key;
static int thread_key_ready;

#define POOL_CHUNK ((size_t)256 * 1024)

/* Take an abandoned heap or carve a new one; NULL when the pool is empty. */
static heap_t *heap_take_locked(bool *fresh) {
  heap_t *h = abandoned;
  if (h != NULL) {
    abandoned = h->abandoned_next;
    *fresh = false;
    return h;
  }
  size_t sz = (sizeof(heap_t) + 63) & ~(size_t)63;
  if (pool_left < sz) return NULL;
  h = (heap_t *)pool;
  pool += sz;
  pool_left -= sz;
  *fresh = true;
  h->id = ++heap_count;
  h->all_next = all_heaps;
  all_heaps = h;
  return h;
}

static void heap_init_fresh(heap_t *h) {
  for (unsigned w = 0; w < BRISK_DIRECT_SLOTS; w++) h->direct[w] = &brisk_page_empty;
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    page_t *fp = &h->foreign[bin];
    fp->kind = SPAN_META; /* never found by free(): no segment holds it */
    fp->flags = PAGE_NOT_SMALL;
    fp->bin = (uint8_t)bin;
    fp->block_size = brisk_bin_size[bin];
  }
}

/* The calling thread's heap, created or adopted on first use.  Returns
 * NULL only when no memory can be mapped for a new heap. */
heap_t *brisk_heap_get_or_init(void) {
  heap_t *h = brisk_tls_heap;
  if (h != &brisk_heap_empty) return h;
  bool fresh = false;
  pthread_mutex_lock(&heaps_lock);
  h = heap_take_locked(&fresh);
  pthread_mutex_unlock(&heaps_lock);
  if (h == NULL) {
    uint8_t *chunk = brisk_os_map_aligned(POOL_CHUNK, BRISK_OS_PAGE);
    if (chunk == NULL) return NULL;
    pthread_mutex_lock(&heaps_lock);
    if (pool_left < sizeof(heap_t)) { /* else another thread refilled first */
      pool = chunk;
      pool_left = POOL_CHUNK;
      chunk = NULL;
    }
    h = heap_take_locked(&fresh);
    pthread_mutex_unlock(&heaps_lock);
    if (chunk != NULL) brisk_os_unmap(chunk, POOL_CHUNK);
    if (h == NULL) return NULL;
  }
  if (fresh) heap_init_fresh(h);
  h->active = 1;
  brisk_tls_heap = h;
  if (__atomic_load_n(&thread_key_ready, __ATOMIC_ACQUIRE)) pthread_setspecific(thread_key, h);
  return h;
}

/* Thread exit (pthread key destructor): hand the heap back.  Its free
 * memory is returned first; its live blocks stay valid and can be freed by
 * any thread later. */
void brisk_heap_thread_done(void *arg) {
  heap_t *h = arg;
  if (h == NULL || h == &brisk_heap_empty) return;
  brisk_foreign_flush_all(h);
  brisk_remote_flush_all(h);
  brisk_heap_collect(h, true);
  brisk_heap_purge(h, PURGE_ALL);
  brisk_segment_release_all_spare(h);
  if (brisk_tls_heap == h) brisk_tls_heap = &brisk_heap_empty;
  h->active = 0;
  pthread_mutex_lock(&heaps_lock);
  h->abandoned_next = abandoned;
  abandoned = h;
  pthread_mutex_unlock(&heaps_lock);
}

/* Create the thread-exit key (from the library constructor). */
void brisk_heap_process_init(void) {
  if (pthread_key_create(&thread_key, brisk_heap_thread_done) == 0) {
    __atomic_store_n(&thread_key_ready, 1, __ATOMIC_RELEASE);
    heap_t *h = brisk_tls_heap;
    if (h != &brisk_heap_empty) pthread_setspecific(thread_key, h);
  }
}

/* Head of the list of every heap ever created (linked by all_next). */
heap_t *brisk_heap_list(void) {
  pthread_mutex_lock(&heaps_lock);
  heap_t *h = all_heaps;
  pthread_mutex_unlock(&heaps_lock);
  return h;
}

uint32_t brisk_heap_count(void) { return __atomic_load_n(&heap_count, __ATOMIC_RELAXED); }

void brisk_heap_atfork_prepare(void) { pthread_mutex_lock(&heaps_lock); }
void brisk_heap_atfork_parent(void) { pthread_mutex_unlock(&heaps_lock); }
/* In the child only the forking thread exists.  Heaps of the other threads
 * may have been mid-operation at the fork, so they are left alone (never
 * adopted): their memory is lost to the child, which stays correct. */
void brisk_heap_atfork_child(void) { pthread_mutex_init(&heaps_lock, NULL); }
