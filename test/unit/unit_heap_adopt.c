/* SPDX-License-Identifier: MIT */
/* unit_heap_adopt — thread heaps are abandoned at thread exit and adopted
 * whole by later threads (core/heap.c, core/heaplist.c).
 *
 * A thread allocates small and large blocks and exits: its heap is tidied
 * (no dirty spans, no foreign or batched frees left) and abandoned; the
 * main thread still reads and frees its blocks (handed to the abandoned
 * heap's pages); the next thread adopts the very same heap_t (no new heap:
 * brisk_heaplist_count unchanged), collects the main thread's frees, frees
 * the rest as the owner, and the heap passes the invariant walk.  100
 * sequential threads create no new heap (at most a couple); two rounds
 * of 8 concurrent threads (all alive at once) never share a heap, create
 * at most 7 heaps the first time (one abandoned heap exists) and none the
 * second.  A pthread
 * key destructor that runs after brisk's and allocates gets a heap for one
 * operation and hands it back each time (no heap leaked per thread).
 * The janitor purges an abandoned heap nobody adopts after the delay; a
 * visit with nothing due leaves the heap listed, and a thread that starts
 * while every abandoned heap is out with a visitor waits and adopts one
 * (no new heap).
 */
#include <string.h>
#include <time.h>

#include "brisk.h"
#include "unit.h"

#define NS 100

static heap_t *hm;
static heap_t *heap_a;
static uint8_t *small_a[NS], *large_a, *huge_a;

static page_t *page_of_ptr(const void *p) { return page_of(segment_of_ptr(p), p); }

static void *thread_a(void *arg) {
  (void)arg;
  for (int i = 0; i < NS; i++) {
    small_a[i] = brisk_malloc(48);
    memset(small_a[i], i, 48);
  }
  large_a = brisk_malloc(300 * 1024);
  memset(large_a, 0x6c, 300 * 1024);
  huge_a = brisk_malloc(3 << 20);
  memset(huge_a, 0x68, 3 << 20);
  heap_a = brisk_heap_tls;
  /* leave some garbage to tidy: an empty page, a dirty span */
  void *tmp = brisk_malloc(5000);
  brisk_free(tmp);
  void *l2 = brisk_malloc(200 * 1024);
  brisk_free(l2);
  return NULL;
}

typedef struct {
  heap_t *heap;
  uint32_t small_used_before, small_used_after;
} adopt_t;

static void *thread_b(void *arg) {
  adopt_t *r = arg;
  void *p = brisk_malloc(16);
  r->heap = brisk_heap_tls;
  page_t *pg = page_of_ptr(small_a[NS - 1]);
  r->small_used_before = pg->used;
  brisk_page_collect_all(r->heap, false); /* the main thread's frees */
  r->small_used_after = pg->used;
  for (int i = NS / 2; i < NS; i++) brisk_free(small_a[i]); /* as the owner now */
  brisk_free(large_a);
  brisk_free(p);
  brisk_check_heap(r->heap);
  return NULL;
}

static void *one_heap(void *arg) {
  heap_t **out = arg;
  void *p = brisk_malloc(100);
  void *q = brisk_malloc(70000);
  *out = brisk_heap_tls;
  brisk_free(q);
  brisk_free(p);
  return NULL;
}

static pthread_barrier_t barrier;
static void *concurrent(void *arg) {
  heap_t **out = arg;
  void *p = brisk_malloc(32);
  *out = brisk_heap_tls;
  pthread_barrier_wait(&barrier); /* all heaps in use at once */
  brisk_free(p);
  return NULL;
}

static pthread_key_t late_key;
static heap_t *late_seen;
static void late_destructor(void *v) {
  (void)v;
  /* runs after brisk's destructor handed the heap back */
  void *p = brisk_malloc(64);
  void *q = brisk_malloc(256 * 1024);
  UCHECK(p != NULL && q != NULL, "malloc in a late destructor failed");
  late_seen = brisk_heap_tls; /* handed back again after each operation */
  brisk_free(q);
  brisk_free(p);
}
static void *with_late_key(void *arg) {
  (void)arg;
  pthread_setspecific(late_key, (void *)1);
  brisk_free(brisk_malloc(64));
  return NULL;
}

static void *adopt_and_check(void *arg) {
  void *p = brisk_malloc(64);
  heap_t *h = brisk_heap_tls;
  brisk_page_collect_all(h, false);
  brisk_check_heap(h);
  brisk_free(p);
  *(heap_t **)arg = h;
  return NULL;
}

static void run(void *(*fn)(void *), void *arg) {
  pthread_t t;
  UCHECK(pthread_create(&t, NULL, fn, arg) == 0, "pthread_create");
  pthread_join(t, NULL);
}

static uint64_t fake_now;
static uint64_t fake_clock(void) { return fake_now; }

/* The janitor: an abandoned heap nobody adopts is purged after the delay
 * by another thread's allocation slow paths (brisk_heap_tick). */
static void check_janitor(void) {
  heap_t *h = NULL;
  run(thread_a, NULL); /* heap_a again, adopted and abandoned */
  h = heap_a;
  UCHECK(h->dirty_bytes > 0, "nothing dirty to purge");
  fake_now = brisk_os_now_ms();
  brisk_os_clock_hook = fake_clock;
  for (int i = 0; i < 64; i++) brisk_heap_tick(hm, false); /* not yet expired */
  UCHECK(h->dirty_bytes > 0, "janitor purged before the delay");
  fake_now += (uint64_t)brisk_options.purge_delay_ms + 1;
  for (int i = 0; i < 64 && h->dirty_bytes > 0; i++) brisk_heap_tick(hm, false);
  brisk_os_clock_hook = NULL;
  UCHECK(h->dirty_bytes == 0, "janitor left %zu dirty bytes in an abandoned heap", h->dirty_bytes);
}

/* A visit of the janitor (or a trim) takes an abandoned heap off the list
 * only when it has work there; a thread that starts while the only
 * abandoned heap is out waits for it instead of making a heap of its own
 * (which would stay for the rest of the run). */
static void *start_heap(void *arg) {
  brisk_free(brisk_malloc(32));
  *(heap_t **)arg = brisk_heap_tls;
  return NULL;
}
static bool never_due(const heap_t *h, uint64_t now) {
  (void)h, (void)now;
  return false;
}
static void check_visit_wait(void) {
  run(start_heap, &(heap_t *){NULL}); /* at least one abandoned heap */
  uint32_t before = brisk_heaplist_count();
  uint32_t n = brisk_heaplist_abandoned_count();
  UCHECK(n >= 1, "no abandoned heap");
  UCHECK(brisk_heaplist_visit_oldest(never_due, 0) == NULL, "a visit with nothing due took a heap");
  UCHECK(brisk_heaplist_abandoned_count() == n, "a visit with nothing due changed the list: %u -> %u", n,
         brisk_heaplist_abandoned_count());
  /* every abandoned heap out with a visitor */
  heap_t *out[64];
  UCHECK(n <= 64, "%u abandoned heaps", n);
  for (uint32_t i = 0; i < n; i++) out[i] = brisk_heaplist_visit_oldest(NULL, 0);
  UCHECK(brisk_heaplist_abandoned_count() == 0, "visited heaps still listed");
  pthread_t t;
  heap_t *got = NULL;
  UCHECK(pthread_create(&t, NULL, start_heap, &got) == 0, "pthread_create");
  struct timespec ms = {0, 2 * 1000 * 1000};
  nanosleep(&ms, NULL); /* the thread starts and waits */
  for (uint32_t i = 0; i < n; i++) brisk_heaplist_visit_done(out[i]);
  pthread_join(t, NULL);
  bool adopted = false;
  for (uint32_t i = 0; i < n; i++) adopted |= got == out[i];
  UCHECK(adopted, "a thread started during a visit made heap %p instead of adopting", (void *)got);
  UCHECK(brisk_heaplist_count() == before, "heaps %u -> %u", before, brisk_heaplist_count());
}

int main(void) {
  hm = brisk_heap_get_or_init();
  UCHECK(hm != NULL && hm != &brisk_heap_empty, "no heap");
  uint32_t count0 = brisk_heaplist_count();

  /* ---- a thread allocates and exits */
  run(thread_a, NULL);
  UCHECK(heap_a != NULL && heap_a != hm, "thread A heap %p", (void *)heap_a);
  UCHECK(brisk_heaplist_count() == count0 + 1, "count %u, want %u", brisk_heaplist_count(), count0 + 1);
  /* Handed over warm: its free memory stays committed (no purge at exit),
   * but it holds nothing of other heaps. */
  UCHECK(heap_a->remote_mask == 0, "abandoned heap keeps remote batches: mask %#lx",
         (unsigned long)heap_a->remote_mask);
  UCHECK(heap_a->dirty_bytes > 0, "abandoned heap was purged at exit (not warm)");
  for (unsigned b = 1; b < BRISK_BIN_COUNT; b++)
    UCHECK(heap_a->foreign[b].free == NULL, "abandoned heap keeps foreign blocks of bin %u", b);
  UCHECK(brisk_heap_tls == hm, "main thread's heap changed");

  /* its blocks stay valid */
  for (int i = 0; i < NS; i++) {
    UCHECK(segment_of_ptr(small_a[i])->heap == heap_a, "block %d changed owner", i);
    for (int k = 0; k < 48; k++) UCHECK(small_a[i][k] == (uint8_t)i, "block %d damaged", i);
    UCHECK(brisk_usable_size(small_a[i]) == 48, "usable %zu", brisk_usable_size(small_a[i]));
  }
  UCHECK(large_a[0] == 0x6c && large_a[300 * 1024 - 1] == 0x6c, "large block damaged");
  UCHECK(huge_a[0] == 0x68 && huge_a[(3 << 20) - 1] == 0x68, "huge block damaged");
  brisk_free(huge_a); /* huge blocks belong to no heap */
  page_t *pg = page_of_ptr(small_a[NS - 1]);
  uint32_t used = pg->used;
  uint32_t mine = 0;
  for (int i = 0; i < NS / 2; i++) mine += page_of_ptr(small_a[i]) == pg;
  for (int i = 0; i < NS / 2; i++) brisk_free(small_a[i]); /* into an abandoned heap's pages */
  brisk_foreign_flush_all(hm);
  brisk_remote_flush_all(hm);
  UCHECK(pg->used == used, "an abandoned page's count changed without an owner");

  /* ---- the next thread adopts that very heap */
  adopt_t r = {0};
  run(thread_b, &r);
  UCHECK(r.heap == heap_a, "thread B got heap %p, not the abandoned %p", (void *)r.heap, (void *)heap_a);
  UCHECK(brisk_heaplist_count() == count0 + 1, "adoption created a heap: count %u", brisk_heaplist_count());
  UCHECK(r.small_used_before == used && r.small_used_after == used - mine,
         "adopter's collect: used %u -> %u, want %u -> %u", r.small_used_before, r.small_used_after, used,
         used - mine);

  /* ---- 100 sequential threads: no new heap */
  heap_t *seen[100];
  for (int i = 0; i < 100; i++) run(one_heap, &seen[i]);
  uint32_t distinct = 0;
  for (int i = 0; i < 100; i++) {
    bool dup = false;
    for (int j = 0; j < i; j++) dup |= seen[j] == seen[i];
    distinct += !dup;
    UCHECK(seen[i] != hm, "a thread got the main thread's heap");
  }
  UCHECK(brisk_heaplist_count() <= count0 + 2, "100 sequential threads: %u heaps (started with %u)",
         brisk_heaplist_count(), count0 + 1);
  UCHECK(distinct <= 2, "100 sequential threads used %u distinct heaps", distinct);

  /* ---- concurrent threads need heaps of their own, once */
  for (int round = 0; round < 2; round++) {
    uint32_t before = brisk_heaplist_count();
    enum { NT = 8 };
    pthread_t t[NT];
    heap_t *hs[NT];
    pthread_barrier_init(&barrier, NULL, NT);
    for (int i = 0; i < NT; i++) UCHECK(pthread_create(&t[i], NULL, concurrent, &hs[i]) == 0, "create");
    for (int i = 0; i < NT; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < NT; i++)
      for (int j = 0; j < i; j++) UCHECK(hs[i] != hs[j], "two live threads shared a heap");
    uint32_t made = brisk_heaplist_count() - before;
    if (round == 0)
      UCHECK(made <= NT - 1, "round 1: %u new heaps for %d threads (one abandoned heap exists)", made, NT);
    else
      UCHECK(made == 0, "round 2: %u new heaps, %d were abandoned", made, NT);
  }

  /* ---- a late pthread-key destructor allocates: no heap leaked */
  UCHECK(pthread_key_create(&late_key, late_destructor) == 0, "pthread_key_create");
  uint32_t before = brisk_heaplist_count();
  for (int i = 0; i < 20; i++) {
    late_seen = NULL;
    run(with_late_key, NULL);
    UCHECK(late_seen == &brisk_heap_empty, "late destructor kept a heap: %p", (void *)late_seen);
  }
  UCHECK(brisk_heaplist_count() <= before + 1, "late destructors leaked heaps: %u -> %u", before,
         brisk_heaplist_count());
  /* the heap they used is consistent for the next adopter, which collects
   * the orphan frees the destructors made */
  heap_t *last = NULL;
  run(adopt_and_check, &last);
  UCHECK(last != NULL && last != hm, "no heap adopted");

  brisk_check_heap(hm);
  check_janitor();
  check_visit_wait();
  return 0;
}
