/* SPDX-License-Identifier: MIT */
/* unit_transfer — the transfer cache (core/transfer.c).
 *
 * A worker thread allocates N blocks of one class (one page of its heap).
 * A consumer thread (it never allocates) frees them all: its foreign cache
 * keeps BRISK_FOREIGN_MAX, and each free beyond a full cache hands the
 * whole cache to the transfer cache as one batch (3 batches of 32 for 100
 * frees, 4 left in the cache, given back to the owner at the consumer's
 * exit); the owner's page still counts the batched blocks as used.  The
 * main thread (it allocates) then gets exactly the newest batch's blocks
 * from its next 32 mallocs of the class (one refill into its foreign
 * cache), then the next batch's.  A block freed twice while it sits in a
 * batch aborts as a double free (forked child).  The housekeeping tick
 * leaves a class alone while batches are being taken and gives half of
 * them (at least one) back to the owners once none was taken between two
 * visits; brisk_trim
 * gives back all.  A consumer keeps no block of a class without transfer
 * cache.  Blocks of a destroyable heap never enter a batch.  Once the
 * transfer cache of the class is full, a consumer's full cache goes back
 * to the owners instead, and its next frees fill it again (it used to
 * stay full, every later free trying the transfer cache again and
 * handing its block to the owner alone).  A thread that allocated but
 * then only frees other threads' blocks becomes a consumer after
 * BRISK_CONSUMER_AFTER frees past its full cache, and stops being one at
 * its next allocation slow path.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brisk.h"
#include "core/transfer.h"
#include "unit.h"

#define SZ 64
#define N 100
#define FM BRISK_FOREIGN_MAX

static uworker_t W;
static heap_t *wh;
static void *blk[N];
static page_t *P;
static unsigned bin;

static page_t *page_of_ptr(const void *p) { return page_of(segment_of_ptr(p), p); }
static uint32_t rfreed(const page_t *p) { return atomic_load(&p->rfreed); }

static void job_alloc(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) {
    blk[i] = brisk_malloc(SZ);
    memset(blk[i], 0x22, SZ);
  }
  wh = brisk_heap_tls;
}

static void job_collect(void *arg) {
  (void)arg;
  brisk_page_collect_all(wh, false);
  brisk_check_heap(wh);
}

/* The consumer: frees every block, never allocates. */
static void *consume(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) {
    brisk_free(blk[i]);
    heap_t *h = brisk_heap_tls;
    UCHECK(h->consumer == 1, "the freeing thread is no consumer");
    uint32_t cached = 0u - h->foreign[bin].used;
    uint32_t want = i < FM ? (uint32_t)i + 1 : (uint32_t)((i - FM) % FM) + 1;
    UCHECK(cached == want, "after %d frees the consumer caches %u, want %u", i + 1, cached, want);
    size_t batched = (size_t)(i < FM ? 0 : (i - FM) / FM + 1) * FM;
    UCHECK(brisk_transfer_blocks(bin) == batched, "after %d frees the transfer cache holds %zu, want %zu",
           i + 1, brisk_transfer_blocks(bin), batched);
  }
  return NULL;
}

/* A consumer of a destroyable heap's blocks. */
static void *consume_owned(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) brisk_free(blk[i]);
  UCHECK(brisk_heap_tls->foreign[bin].used == 0, "a destroyable heap's block was cached");
  return NULL;
}

/* A consumer frees a block of a class without transfer cache: it keeps
 * none of those (they would hold their pages until it allocates or
 * exits), the block is batched for its owner at once. */
static void *big_blk;
static void job_alloc_big(void *arg) {
  (void)arg;
  big_blk = brisk_malloc(8192);
}
static void *consume_big(void *arg) {
  (void)arg;
  brisk_free(big_blk);
  heap_t *h = brisk_heap_tls;
  unsigned b = brisk_sizeclass_bin(8192);
  UCHECK(h->consumer == 1 && h->foreign[b].used == 0 && h->foreign[b].reserved == 0,
         "a consumer cached a block of a class without transfer cache");
  UCHECK(h->remote_mask != 0, "the block was not batched for its owner");
  return NULL;
}

/* More blocks than the transfer cache of the class takes. */
#define TB BRISK_TRANSFER_BATCHES
#define NM ((TB + 2) * FM)
static void *many[NM];
static void job_alloc_many(void *arg) {
  (void)arg;
  for (int i = 0; i < NM; i++) many[i] = brisk_malloc(SZ);
}
static void *consume_overflow(void *arg) {
  (void)arg;
  for (int i = 0; i < NM; i++) {
    brisk_free(many[i]);
    uint32_t cached = 0u - brisk_heap_tls->foreign[bin].used;
    uint32_t want = i < FM ? (uint32_t)i + 1 : (uint32_t)((i - FM) % FM) + 1;
    UCHECK(cached == want, "after %d frees the consumer caches %u, want %u", i + 1, cached, want);
    int spills = i < FM ? 0 : (i - FM) / FM + 1;
    size_t batched = (size_t)(spills < TB ? spills : TB) * FM;
    UCHECK(brisk_transfer_blocks(bin) == batched, "after %d frees the transfer cache holds %zu, want %zu",
           i + 1, brisk_transfer_blocks(bin), batched);
  }
  return NULL;
}
/* Blocks pushed back to the pages of many[] so far. */
static uint32_t many_rfreed(void) {
  page_t *seen[NM];
  int n = 0;
  uint32_t sum = 0;
  for (int i = 0; i < NM; i++) {
    page_t *pg = page_of_ptr(many[i]);
    int j = 0;
    while (j < n && seen[j] != pg) j++;
    if (j < n) continue;
    seen[n++] = pg;
    sum += rfreed(pg);
  }
  return sum;
}

/* Blocks for the main thread to free: a full cache, the frees that make
 * it a consumer, then two batches and the block that spills the second. */
#define NR (FM + BRISK_CONSUMER_AFTER + 2 * FM + 1)
static void *rest[NR];
static void job_alloc_rest(void *arg) {
  (void)arg;
  for (int i = 0; i < NR; i++) rest[i] = brisk_malloc(SZ);
}

static int index_of(const void *p) {
  for (int i = 0; i < N; i++)
    if (blk[i] == p) return i;
  return -1;
}

/* Runs in a forked child: frees a block that sits in a batch. */
static void double_free_batched(void *p) {
  brisk_free(p);
  _exit(0);
}

int main(void) {
  bin = brisk_sizeclass_bin(SZ);
  UCHECK(brisk_transfer_serves(bin) && !brisk_transfer_serves(brisk_sizeclass_bin(8192)),
         "transfer classes: small ones only");
  heap_t *hm = brisk_heap_get_or_init();
  UCHECK(hm != NULL && hm != &brisk_heap_empty, "no heap");
  void *warm = brisk_malloc(16); /* the main thread allocates: no consumer */
  brisk_free(warm);

  uworker_start(&W);
  uworker_run(&W, job_alloc, NULL);
  P = page_of_ptr(blk[0]);
  for (int i = 0; i < N; i++) UCHECK(page_of_ptr(blk[i]) == P, "block %d on another page", i);

  /* ---- a consumer fills batches */
  pthread_t t;
  UCHECK(pthread_create(&t, NULL, consume, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);
  const uint32_t left = N - 3 * FM; /* in the consumer's cache at its exit */
  UCHECK(rfreed(P) == left, "the consumer's exit handed back %u, want %u", rfreed(P), left);
  uworker_run(&W, job_collect, NULL);
  UCHECK(P->used == N - left, "owner page: used %u, want %u (batched blocks stay used)", P->used, N - left);
  UCHECK(brisk_transfer_blocks(bin) == 3 * FM, "transfer holds %zu", brisk_transfer_blocks(bin));

  /* ---- a double free of a batched block aborts */
  pid_t pid = fork();
  UCHECK(pid >= 0, "fork");
  if (pid == 0) double_free_batched(blk[5]);
  int st;
  UCHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
         "double free of a batched block: status %#x", st);

  /* ---- the main thread's mallocs take the newest batch (blocks 64..95) */
  void *got[2 * FM];
  for (int i = 0; i < FM; i++) {
    got[i] = brisk_malloc(SZ);
    int k = index_of(got[i]);
    UCHECK(k >= 2 * FM && k < 3 * FM, "malloc %d: block %d, not of the newest batch", i, k);
    for (int j = 0; j < i; j++) UCHECK(got[j] != got[i], "block handed out twice");
    UCHECK(hm->foreign[bin].used == 0u - (uint32_t)(FM - 1 - i), "main's cache after %d mallocs", i + 1);
  }
  UCHECK(brisk_transfer_blocks(bin) == 2 * FM, "transfer holds %zu after one refill", brisk_transfer_blocks(bin));
  got[FM] = brisk_malloc(SZ); /* the next batch (32..63) */
  int k = index_of(got[FM]);
  UCHECK(k >= FM && k < 2 * FM, "malloc %d: block %d, not of the next batch", FM, k);
  UCHECK(brisk_transfer_blocks(bin) == FM, "transfer holds %zu after two refills", brisk_transfer_blocks(bin));
  brisk_check_heap(hm);

  /* ---- the tick keeps a class in use, gives back an idle one */
  for (unsigned i = 0; i < BRISK_BIN_COUNT; i++) brisk_transfer_tick(); /* sees the takes */
  UCHECK(brisk_transfer_blocks(bin) == FM, "a class in use lost its batch");
  uint32_t before = rfreed(P);
  for (unsigned i = 0; i < BRISK_BIN_COUNT; i++) brisk_transfer_tick(); /* nothing taken since */
  UCHECK(brisk_transfer_blocks(bin) == 0, "an idle class kept its batch");
  UCHECK(rfreed(P) == before + FM, "the tick gave back %u blocks, want %d", rfreed(P) - before, FM);

  /* ---- brisk_trim gives back every batch: the main thread frees what
   * it got (its foreign cache, then batches for the owner), a consumer
   * batches a new set */
  for (int i = 0; i <= FM; i++) brisk_free(got[i]);
  uworker_run(&W, job_alloc, NULL);
  UCHECK(pthread_create(&t, NULL, consume, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);
  UCHECK(brisk_transfer_blocks(bin) == 3 * FM, "second round: transfer holds %zu", brisk_transfer_blocks(bin));
  brisk_trim();
  UCHECK(brisk_transfer_blocks(bin) == 0, "brisk_trim left %zu blocks batched", brisk_transfer_blocks(bin));

  /* ---- a full transfer cache: the consumer's full caches go to the owners */
  uworker_run(&W, job_alloc_many, NULL);
  uint32_t pushed = many_rfreed();
  UCHECK(pthread_create(&t, NULL, consume_overflow, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);
  UCHECK(brisk_transfer_blocks(bin) == (size_t)TB * FM, "the transfer cache holds %zu", brisk_transfer_blocks(bin));
  UCHECK(many_rfreed() - pushed == NM - TB * FM, "the owners got back %u blocks, want %d", many_rfreed() - pushed,
         NM - TB * FM);
  /* an idle class gives back half its batches at each visit of the tick */
  for (unsigned i = 0; i < BRISK_BIN_COUNT; i++) brisk_transfer_tick();
  size_t held = brisk_transfer_blocks(bin), half = (held / FM + 1) / 2 * FM;
  UCHECK(held > 2 * FM && held % FM == 0, "the transfer cache holds %zu", held);
  for (unsigned i = 0; i < BRISK_BIN_COUNT; i++) brisk_transfer_tick();
  UCHECK(brisk_transfer_blocks(bin) == held - half, "an idle visit left %zu of %zu, want %zu", brisk_transfer_blocks(bin),
         held, held - half);
  brisk_trim();
  UCHECK(brisk_transfer_blocks(bin) == 0, "brisk_trim left %zu blocks batched", brisk_transfer_blocks(bin));

  /* ---- a heap that stops allocating becomes a consumer */
  uworker_run(&W, job_alloc_rest, NULL);
  UCHECK(hm->consumer == 0, "the main thread is a consumer");
  brisk_foreign_flush_all(hm); /* (an empty cache, and an allocation just before) */
  brisk_free(brisk_malloc(SZ));
  for (int i = 0; i < NR; i++) {
    brisk_free(rest[i]);
    bool want = i + 1 >= FM + BRISK_CONSUMER_AFTER;
    UCHECK(hm->consumer == want, "after %d frees consumer is %u", i + 1, hm->consumer);
  }
  UCHECK(brisk_transfer_blocks(bin) == 2 * FM, "the new consumer batched %zu", brisk_transfer_blocks(bin));
  void *big = brisk_malloc(200000); /* an allocation slow path */
  UCHECK(hm->consumer == 0 && hm->foreign[bin].used == 0, "consumer %u after an allocation, %u cached",
         hm->consumer, 0u - hm->foreign[bin].used);
  brisk_free(big);
  brisk_check_heap(hm);
  brisk_trim();

  /* ---- a consumer keeps no block of a class without transfer cache */
  uworker_run(&W, job_alloc_big, NULL);
  UCHECK(pthread_create(&t, NULL, consume_big, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);

  /* ---- a destroyable heap's blocks are never batched */
  brisk_heap_t *oh = brisk_heap_new();
  UCHECK(oh != NULL, "brisk_heap_new");
  for (int i = 0; i < N; i++) blk[i] = brisk_heap_malloc(oh, SZ);
  UCHECK(pthread_create(&t, NULL, consume_owned, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);
  UCHECK(brisk_transfer_blocks(bin) == 0, "a destroyable heap's blocks were batched");
  brisk_heap_destroy(oh);

  uworker_run(&W, job_collect, NULL);
  uworker_stop(&W);
  brisk_check_heap(hm);
  return 0;
}
