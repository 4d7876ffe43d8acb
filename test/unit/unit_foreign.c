/* SPDX-License-Identifier: MIT */
/* unit_foreign — the foreign-block cache (core/foreign.c).
 *
 * A worker thread allocates blocks (its heap), the main thread frees them:
 * the first BRISK_FOREIGN_MAX of a class go to the main heap's foreign
 * cache (foreign[bin].used == -count, the direct slots point at the
 * pseudo-page from BRISK_FOREIGN_DIRECT_MIN blocks on, the owner's page
 * still counts them as used), the rest are
 * batched for the owner; the main thread's next mallocs of that class
 * return exactly those blocks, last freed first, then its own blocks again;
 * the cache of a big class stops at BRISK_FOREIGN_BYTES and is popped by
 * the slow path (no direct slot); brisk_foreign_flush_all hands every
 * block back (the owner's page xfree/rfreed, `used` drops when the owner
 * collects with brisk_page_collect_all); a thread without a heap gets one
 * at its first free of another thread's block (a consumer's: it caches
 * too, and hands full caches to the transfer cache); a thread's foreign
 * cache and batches are flushed when it exits; a block of a class too
 * big for any cache is batched at once (it once looped between the
 * foreign path and the slow path); a
 * block freed twice while in a foreign cache aborts (forked child); a
 * cache drained with nothing else due takes the slow path's shortcut
 * (core/alloc.c refill: no housekeeping tick) back to the class's own
 * pages, each malloc counted once; a cache with fewer blocks than
 * BRISK_FOREIGN_DIRECT_MIN is not the direct slot's, and the slow path
 * hands its blocks out when the class's own page runs dry.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brisk.h"
#include "unit.h"

#define SZ 64
#define N 40
#define SZ_BIG 8192
#define N_BIG 20

static uworker_t W;
static heap_t *wh, *hm;
static void *blk[N], *big[N_BIG];
static page_t *P;

static page_t *page_of_ptr(const void *p) { return page_of(segment_of_ptr(p), p); }

static void job_alloc(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) {
    blk[i] = brisk_malloc(SZ);
    memset(blk[i], 0x11, SZ);
  }
  for (int i = 0; i < N_BIG; i++) big[i] = brisk_malloc(SZ_BIG);
  wh = brisk_heap_tls;
}

static void *huge_class_blk;
/* A block of a class too big for any foreign cache (reserved 0). */
static void job_alloc_uncached(void *arg) {
  (void)arg;
  huge_class_blk = brisk_malloc(100000);
}

static void job_collect(void *arg) {
  (void)arg;
  brisk_page_collect_all(wh, false);
  brisk_check_heap(wh);
}

static uint32_t rfreed(const page_t *p) { return atomic_load(&p->rfreed); }

static uint32_t xfree_len(const page_t *p) {
  uint32_t n = 0;
  for (block_t *b = (block_t *)(atomic_load(&p->xfree) & ~(uintptr_t)3); b != NULL; b = block_next(b)) n++;
  return n;
}

static uint32_t held(unsigned bin) { return 0u - hm->foreign[bin].used; }

/* A thread without a heap frees one block: it gets a heap (a consumer's),
 * whose foreign cache keeps the block until the thread exits (a full one
 * would go to the transfer cache: unit_transfer). */
static void *orphan_free(void *p) {
  brisk_free(p);
  heap_t *h = brisk_heap_tls;
  UCHECK(h != &brisk_heap_empty, "the freeing thread got no heap");
  unsigned bin = page_of(segment_of_ptr(p), p)->bin;
  UCHECK(h->consumer == 1 && h->foreign[bin].used == 0u - 1 && h->foreign[bin].free == p,
         "the consumer's heap did not cache the block");
  UCHECK(h->remote_mask == 0, "the block was batched for its owner");
  return NULL;
}

/* A thread with a heap frees blocks (its foreign cache) and exits. */
static void *free_and_exit(void *arg) {
  void **v = arg;
  void *own = brisk_malloc(16);
  for (int i = 0; v[i] != NULL; i++) brisk_free(v[i]);
  unsigned bin = brisk_sizeclass_bin(SZ);
  UCHECK(brisk_heap_tls->foreign[bin].free != NULL, "exiting thread kept nothing");
  brisk_free(own);
  return NULL;
}

static void double_free_foreign(void) { brisk_free(blk[0]); }

int main(void) {
  hm = brisk_heap_get_or_init();
  UCHECK(hm != NULL && hm != &brisk_heap_empty, "no heap");
  const unsigned bin = brisk_sizeclass_bin(SZ);
  page_t *fp = &hm->foreign[bin];
  page_t **slot = &hm->direct[(SZ + 15) >> 4];

  uworker_start(&W);
  uworker_run(&W, job_alloc, NULL);
  UCHECK(wh != NULL && wh != hm, "worker heap %p", (void *)wh);
  P = page_of_ptr(blk[0]);
  for (int i = 0; i < N; i++) UCHECK(page_of_ptr(blk[i]) == P, "block %d on another page", i);
  UCHECK(segment_of_page(P)->heap == wh && P->used == N, "owner page: used %u", P->used);

  /* ---- the first BRISK_FOREIGN_MAX frees are kept */
  for (int i = 0; i < N; i++) {
    brisk_free(blk[i]);
    uint32_t want = i < BRISK_FOREIGN_MAX ? (uint32_t)i + 1 : BRISK_FOREIGN_MAX;
    UCHECK(held(bin) == want, "after %d frees: %u held, want %u", i + 1, held(bin), want);
    if (want >= BRISK_FOREIGN_DIRECT_MIN)
      UCHECK(*slot == fp, "direct slot %p, not the pseudo-page %p", (void *)*slot, (void *)fp);
    else
      UCHECK(*slot != fp, "direct slot on the pseudo-page with %u blocks", want);
  }
  UCHECK(P->used == N && rfreed(P) == 0 && xfree_len(P) == 0, "owner saw the frees: used %u rfreed %u",
         P->used, rfreed(P));
  UCHECK(hm->remote_mask != 0, "the frees beyond the cache were not batched");
  brisk_check_heap(hm);

  /* a second free of a cached block is caught (in a child) */
  fflush(NULL);
  pid_t pid = fork();
  UCHECK(pid >= 0, "fork");
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    double_free_foreign();
    _exit(0);
  }
  int st;
  UCHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
         "double free of a foreign-cached block: status %#x", st);

  /* ---- the next mallocs of the class pop exactly those, last first */
  for (int i = BRISK_FOREIGN_MAX - 1; i >= 0; i--) {
    void *q = brisk_malloc(i % 2 ? SZ : SZ - 15); /* 49..64 share the class */
    UCHECK(q == blk[i], "malloc %p, want foreign block %d %p", q, i, blk[i]);
    UCHECK(held(bin) == (uint32_t)i, "held %u after a pop", held(bin));
  }
  UCHECK(fp->free == NULL, "cache not empty");
  void *own = brisk_malloc(SZ); /* the cache is empty: own page again */
  UCHECK(segment_of_ptr(own)->heap == hm, "malloc after the cache emptied gave a foreign block");
  UCHECK(*slot != fp, "direct slot still on the empty pseudo-page");
  /* that malloc took the slow path, which hands the batched frees over */
  UCHECK(hm->remote_mask == 0 && rfreed(P) == N - BRISK_FOREIGN_MAX,
         "slow path did not flush the batch: mask %#lx rfreed %u", (unsigned long)hm->remote_mask,
         rfreed(P));
  brisk_free(own);
  UCHECK(P->used == N, "pops changed the owner's count: %u", P->used);
  brisk_check_heap(hm);

  /* ---- freed again: cached again; then flushed to the owner */
  for (int i = 0; i < BRISK_FOREIGN_MAX; i++) brisk_free(blk[i]);
  UCHECK(held(bin) == BRISK_FOREIGN_MAX, "held %u", held(bin));
  brisk_foreign_flush_all(hm);
  UCHECK(fp->free == NULL && fp->used == 0 && *slot != fp, "flush left the cache: used %d", (int)fp->used);
  UCHECK(rfreed(P) == N && xfree_len(P) == N, "owner got %u/%u", rfreed(P), xfree_len(P));
  UCHECK(P->used == N, "used changed before the owner collected");
  brisk_remote_flush_all(hm);
  UCHECK(hm->remote_mask == 0 && rfreed(P) == N, "rfreed %u after the batch flush", rfreed(P));
  uworker_run(&W, job_collect, NULL);
  UCHECK(P->used == 0 && xfree_len(P) == 0, "after collect: used %u", P->used);
  brisk_check_heap(hm);

  /* ---- a big class: the byte limit */
  const unsigned bbin = brisk_sizeclass_bin(SZ_BIG);
  UCHECK(brisk_sizeclass_size[bbin] == SZ_BIG, "8192 is not a class");
  const uint32_t bmax = BRISK_FOREIGN_BYTES / SZ_BIG;
  for (int i = 0; i < N_BIG; i++) brisk_free(big[i]);
  UCHECK(0u - hm->foreign[bbin].used == bmax, "big class holds %u, want %u", 0u - hm->foreign[bbin].used,
         bmax);
  for (int i = (int)bmax - 1; i >= 0; i--) {
    void *q = brisk_malloc(SZ_BIG); /* no direct slot: the slow path pops */
    UCHECK(q == big[i], "big malloc %p, want %p", q, big[i]);
  }
  UCHECK(hm->foreign[bbin].free == NULL, "big cache not empty");
  for (int i = 0; i < (int)bmax; i++) brisk_free(big[i]);
  brisk_foreign_flush_all(hm);
  brisk_remote_flush_all(hm);
  uworker_run(&W, job_collect, NULL);
  UCHECK(page_of_ptr(big[0])->kind != SPAN_PAGE || page_of_ptr(big[0])->used == 0,
         "big page still counts %u", page_of_ptr(big[0])->used);

  /* ---- the worker takes its blocks back; a heap-less thread frees one */
  uworker_run(&W, job_alloc, NULL);
  P = page_of_ptr(blk[0]);
  uint32_t before = rfreed(P);
  uint32_t heaps = brisk_heaplist_count();
  pthread_t t;
  UCHECK(pthread_create(&t, NULL, orphan_free, blk[0]) == 0, "pthread_create");
  pthread_join(t, NULL);
  UCHECK(rfreed(P) == before + 1, "orphan free not handed back at the thread's exit: rfreed %u", rfreed(P));
  UCHECK(brisk_heaplist_count() <= heaps + 1, "orphan free created more than one heap");

  /* ---- an exiting thread hands its foreign cache back */
  void *v[N + 1] = {0};
  for (int i = 1; i < 11; i++) v[i - 1] = blk[i];
  before = rfreed(P);
  UCHECK(pthread_create(&t, NULL, free_and_exit, v) == 0, "pthread_create");
  pthread_join(t, NULL);
  UCHECK(rfreed(P) == before + 10, "exit did not flush the foreign cache: rfreed %u (+%u)", rfreed(P),
         rfreed(P) - before);
  uworker_run(&W, job_collect, NULL);
  UCHECK(P->used == N - 11, "used %u after collect, want %d", P->used, N - 11);
  /* the main thread's own mallocs of the class are its own again */
  own = brisk_malloc(SZ);
  UCHECK(segment_of_ptr(own)->heap == hm, "main malloc gave a foreign block");
  brisk_free(own);

  /* ---- a class no foreign cache keeps (reserved 0): batched at once */
  uworker_run(&W, job_alloc_uncached, NULL);
  page_t *hp = page_of_ptr(huge_class_blk);
  unsigned hbin = hp->bin;
  UCHECK(hm->foreign[hbin].reserved == 0, "class %u has a foreign cache", hbin);
  uint32_t hused = hp->used;
  brisk_free(huge_class_blk);
  UCHECK(held(hbin) == 0 && hm->remote_mask != 0, "uncached class: block not batched");
  brisk_remote_flush_all(hm);
  uworker_run(&W, job_collect, NULL);
  UCHECK(hp->used == hused - 1, "uncached class: owner used %u, want %u", hp->used, hused - 1);

  /* ---- a cache drained with nothing else due (no batch, no delayed
   * free, the grant not spent): the slow path's shortcut (core/alloc.c,
   * refill) points the slot back at the class's own pages, and the
   * statistics count each malloc once */
  uworker_run(&W, job_alloc, NULL);
  brisk_remote_flush_all(hm);
  enum { K = 8 };
  for (int i = 0; i < K; i++) brisk_free(blk[i]);
  UCHECK(held(bin) == K && *slot == fp && hm->remote_mask == 0, "drain: %u held, mask %#lx", held(bin),
         (unsigned long)hm->remote_mask);
  /* a grant far from spent, the count (fast_grant - what is left of it)
   * unchanged (observe/event.h, fast_word) */
  int64_t d = 1000 - (hm->stats.fast_word >> EVENT_ALLOC_SHIFT);
  hm->stats.fast_word += d * EVENT_ALLOC_ONE;
  hm->stats.fast_grant += (uint64_t)d;
  uint32_t ticks = hm->house_ticks;
  brisk_stats_t s0, s1;
  UCHECK(brisk_stats_get(&s0) == 0, "stats");
  for (int i = K - 1; i >= 0; i--) UCHECK(brisk_malloc(SZ) == blk[i], "drain: pop %d", i);
  UCHECK(*slot == fp && fp->free == NULL, "the pops left the slot or the cache");
  void *mine[3];
  for (int i = 0; i < 3; i++) {
    mine[i] = brisk_malloc(SZ);
    UCHECK(mine[i] != NULL && segment_of_ptr(mine[i])->heap == hm, "drain: malloc %d not from own page", i);
  }
  UCHECK(*slot == hm->queues[bin].first && *slot != fp, "drain: slot %p, not the class's first page",
         (void *)*slot);
  UCHECK(hm->house_ticks == ticks, "drain: the malloc went through heap_alloc's housekeeping");
  UCHECK(brisk_stats_get(&s1) == 0, "stats");
  UCHECK(s1.malloc_calls - s0.malloc_calls == K + 3, "drain: %llu mallocs counted, want %d",
         (unsigned long long)(s1.malloc_calls - s0.malloc_calls), K + 3);
  UCHECK(s1.allocated - s0.allocated == (uint64_t)(K + 3) * SZ, "drain: %llu bytes counted, want %d",
         (unsigned long long)(s1.allocated - s0.allocated), (K + 3) * SZ);
  for (int i = 0; i < 3; i++) brisk_free(mine[i]);
  for (int i = 0; i < K; i++) brisk_free(blk[i]);
  brisk_foreign_flush_all(hm);
  brisk_remote_flush_all(hm);
  brisk_check_heap(hm);

  /* ---- fewer cached blocks than the fast path takes: the slot stays on
   * the class's own page, whose blocks the fast path hands out first; when
   * that page runs dry the slow path takes the cached blocks, last freed
   * first, before carving or a new page (core/alloc.c refill) */
  enum { F = BRISK_FOREIGN_DIRECT_MIN - 1 };
  for (int i = 0; i < F; i++) brisk_free(blk[K + i]);
  page_t *mine_page = hm->queues[bin].first;
  UCHECK(held(bin) == F && *slot == mine_page && *slot != fp, "few: %u held, slot %p", held(bin),
         (void *)*slot);
  /* exhaust the own page's free list so the next malloc takes the slow path */
  void **own_blocks = calloc(mine_page->reserved + 1u, sizeof(void *));
  uint32_t n_own = 0;
  while (mine_page->free != NULL) own_blocks[n_own++] = brisk_malloc(SZ);
  UCHECK(held(bin) == F, "few: the own page's mallocs took cached blocks (%u held)", held(bin));
  for (int i = F - 1; i >= 0; i--) {
    void *q = brisk_malloc(SZ);
    UCHECK(q == blk[K + i], "few: malloc %p, want cached block %d %p", q, K + i, blk[K + i]);
  }
  UCHECK(held(bin) == 0 && fp->free == NULL && *slot != fp, "few: cache not drained (%u held)", held(bin));
  brisk_check_heap(hm);
  for (uint32_t i = 0; i < n_own; i++) brisk_free(own_blocks[i]);
  free(own_blocks);
  for (int i = 0; i < F; i++) brisk_free(blk[K + i]);
  brisk_foreign_flush_all(hm);
  brisk_remote_flush_all(hm);
  brisk_check_heap(hm);

  uworker_stop(&W);
  brisk_check_heap(hm);
  return 0;
}
