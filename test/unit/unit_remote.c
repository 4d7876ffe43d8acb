/* SPDX-License-Identifier: MIT */
/* unit_remote — the remote-free batch table and hand-over (core/remote.c).
 *
 * A worker thread owns the blocks; the main thread frees them.  Beyond the
 * foreign cache's limit the frees of one page collect in one slot of the
 * main heap's remote table (slot page, count, remote_mask bit) and are
 * handed over with one push when the slot reaches BRISK_REMOTE_BATCH
 * (page->rfreed, a chain on page->xfree), by brisk_remote_flush_all, by
 * the next malloc slow path, or when the freeing thread exits; the owner's
 * brisk_page_collect_all then takes exactly the handed-over blocks off
 * `used`.  With more pages than slots, a slot taken by another page is
 * flushed first (no free lost: slot counts + rfreed = frees).  A page
 * parked full (XF_WANTED) sends the first handed-over chain to the owner
 * heap's delayed list (state XF_NOTIFIED), later ones to its xfree list;
 * the owner collects both and the page leaves the full list.  A large
 * block freed by another thread goes to the delayed list at once and a
 * second free of it before the owner collects aborts (forked child).
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brisk.h"
#include "unit.h"

#define SZ 64
#define NS (BRISK_FOREIGN_MAX + 40)
#define SZ_BIG 8192
#define PER_PAGE 8 /* 8 KiB blocks in a one-slice page */
#define NP 69      /* pages of 8 KiB blocks: 0,1 foreign fill, 2..66 collisions, 67 full */

static uworker_t W;
static heap_t *wh, *hm;
static void *sm[NS];
static void *bg[NP][PER_PAGE];
static void *large;

static page_t *page_of_ptr(const void *p) { return page_of(segment_of_ptr(p), p); }
static uint32_t rfreed(const page_t *p) { return atomic_load(&p->rfreed); }
static uintptr_t xstate(const page_t *p) { return atomic_load(&p->xfree) & 3; }
static uint32_t xfree_len(const page_t *p) {
  uint32_t n = 0;
  for (block_t *b = (block_t *)(atomic_load(&p->xfree) & ~(uintptr_t)3); b != NULL; b = block_next(b)) n++;
  return n;
}
static uint32_t delayed_len(heap_t *h) {
  uint32_t n = 0;
  for (block_t *b = atomic_load(&h->delayed); b != NULL; b = block_next(b)) n++;
  return n;
}
static int slot_of(heap_t *h, const page_t *p) {
  for (int i = 0; i < BRISK_REMOTE_SLOTS; i++)
    if (h->remote[i].page == p) return i;
  return -1;
}

/* ---- worker jobs */

static void job_alloc_small(void *arg) {
  (void)arg;
  wh = brisk_heap_tls == &brisk_heap_empty ? brisk_heap_get_or_init() : brisk_heap_tls;
  for (int i = 0; i < NS; i++) sm[i] = brisk_malloc(SZ);
}

static void job_alloc_big(void *arg) {
  (void)arg;
  for (int p = 0; p < NP; p++)
    for (int k = 0; k < PER_PAGE; k++) bg[p][k] = brisk_malloc(SZ_BIG);
  for (int p = 0; p < NP; p++) {
    page_t *pg = page_of_ptr(bg[p][0]);
    for (int k = 0; k < PER_PAGE; k++) UCHECK(page_of_ptr(bg[p][k]) == pg, "page %d not contiguous", p);
  }
  /* every page but the last was parked full by the next allocation; a
   * local free of one block brings pages 0..66 back to their queue */
  for (int p = 0; p < NP - 2; p++) {
    brisk_free(bg[p][PER_PAGE - 1]);
    bg[p][PER_PAGE - 1] = NULL;
  }
  brisk_check_heap(wh);
}

static void job_alloc_large(void *arg) {
  (void)arg;
  large = brisk_malloc(256 * 1024);
}

static void job_collect(void *arg) {
  (void)arg;
  brisk_page_collect_all(wh, false);
  brisk_check_heap(wh);
}

/* ---- other threads */

static void *free_and_exit(void *arg) {
  void **v = arg;
  void *own = brisk_malloc(16); /* a heap of its own: batches, not pushes */
  for (int i = 0; v[i] != NULL; i++) brisk_free(v[i]);
  UCHECK(brisk_heap_tls->remote_mask != 0, "exiting thread batched nothing");
  brisk_free(own);
  return NULL;
}

static void double_free_large(void) { brisk_free(large); }

static void expect_abort(void (*fn)(void), const char *what) {
  fflush(NULL);
  pid_t pid = fork();
  UCHECK(pid >= 0, "fork");
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    fn();
    _exit(0);
  }
  int st;
  UCHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "%s: status %#x",
         what, st);
}

int main(void) {
  hm = brisk_heap_get_or_init();
  UCHECK(hm != NULL && hm != &brisk_heap_empty, "no heap");
  uworker_start(&W);
  uworker_run(&W, job_alloc_small, NULL);
  page_t *P = page_of_ptr(sm[0]);
  for (int i = 0; i < NS; i++) UCHECK(page_of_ptr(sm[i]) == P, "small block %d on another page", i);
  UCHECK(P->used == NS && segment_of_page(P)->heap == wh, "used %u", P->used);

  /* ---- fill the foreign cache, then batch */
  int i = 0;
  for (; i < BRISK_FOREIGN_MAX; i++) brisk_free(sm[i]);
  UCHECK(hm->remote_mask == 0, "batched while the foreign cache had room");
  for (int n = 1; n < BRISK_REMOTE_BATCH; n++, i++) {
    brisk_free(sm[i]);
    int s = slot_of(hm, P);
    UCHECK(s >= 0 && hm->remote[s].count == (uint32_t)n, "slot %d count %u, want %d", s,
           s >= 0 ? hm->remote[s].count : 0, n);
    UCHECK(hm->remote_mask == (uint64_t)1 << s, "mask %#lx for slot %d", (unsigned long)hm->remote_mask, s);
  }
  UCHECK(rfreed(P) == 0 && xfree_len(P) == 0 && P->used == NS, "handed over early: rfreed %u", rfreed(P));
  brisk_free(sm[i++]); /* the BRISK_REMOTE_BATCH-th: one push */
  UCHECK(slot_of(hm, P) < 0 && hm->remote_mask == 0, "slot not flushed at the batch size");
  UCHECK(rfreed(P) == BRISK_REMOTE_BATCH && xfree_len(P) == BRISK_REMOTE_BATCH && xstate(P) == XF_NORMAL,
         "after the batch: rfreed %u xfree %u state %lu", rfreed(P), xfree_len(P), (unsigned long)xstate(P));
  int rest = 0;
  for (; i < NS; i++, rest++) brisk_free(sm[i]);
  UCHECK(hm->remote[slot_of(hm, P)].count == (uint32_t)rest, "rest not batched");
  brisk_remote_flush_all(hm);
  UCHECK(hm->remote_mask == 0 && slot_of(hm, P) < 0, "flush_all left mask %#lx",
         (unsigned long)hm->remote_mask);
  for (int s = 0; s < BRISK_REMOTE_SLOTS; s++)
    UCHECK(hm->remote[s].page == NULL && hm->remote[s].count == 0, "slot %d not empty", s);
  UCHECK(rfreed(P) == BRISK_REMOTE_BATCH + (uint32_t)rest, "rfreed %u", rfreed(P));
  UCHECK(P->used == NS, "used changed before the owner collected");
  uworker_run(&W, job_collect, NULL);
  UCHECK(P->used == BRISK_FOREIGN_MAX && xfree_len(P) == 0,
         "after collect: used %u, want the %d foreign-cached blocks", P->used, BRISK_FOREIGN_MAX);
  brisk_foreign_flush_all(hm);
  uworker_run(&W, job_collect, NULL);
  UCHECK(P->used == 0, "after the foreign flush: used %u", P->used);
  brisk_check_heap(hm);

  /* ---- more pages than slots: collisions flush, nothing is lost */
  uworker_run(&W, job_alloc_big, NULL);
  page_t *pg[NP];
  for (int p = 0; p < NP; p++) pg[p] = page_of_ptr(bg[p][0]);
  for (int p = 0; p < NP - 2; p++)
    UCHECK(!(pg[p]->flags & PAGE_IN_FULL) && xstate(pg[p]) == XF_NORMAL, "page %d still parked", p);
  UCHECK((pg[NP - 2]->flags & PAGE_IN_FULL) && xstate(pg[NP - 2]) == XF_WANTED, "page %d not parked full",
         NP - 2);
  const unsigned bbin = brisk_sizeclass_bin(SZ_BIG);
  for (int k = 0; k < PER_PAGE - 1; k++) brisk_free(bg[0][k]); /* 7 + 1: the cache is full */
  brisk_free(bg[1][0]);
  UCHECK(0u - hm->foreign[bbin].used == BRISK_FOREIGN_BYTES / SZ_BIG, "big foreign cache holds %u",
         0u - hm->foreign[bbin].used);
  UCHECK(hm->remote_mask == 0, "mask before the collision test");
  const int first = 2, last = NP - 3; /* 65 pages, 64 slots */
  for (int p = first; p <= last; p++) brisk_free(bg[p][0]);
  uint32_t in_slots = 0, pushed = 0, flushed_pages = 0;
  for (int s = 0; s < BRISK_REMOTE_SLOTS; s++) {
    bool bit = (hm->remote_mask >> s) & 1;
    UCHECK(bit == (hm->remote[s].page != NULL), "slot %d: mask bit %d, page %p", s, bit,
           (void *)hm->remote[s].page);
    if (bit) UCHECK(hm->remote[s].count == 1, "slot %d holds %u frees of one page", s, hm->remote[s].count);
    in_slots += hm->remote[s].count;
  }
  for (int p = first; p <= last; p++) {
    pushed += rfreed(pg[p]);
    flushed_pages += rfreed(pg[p]) != 0;
    UCHECK(rfreed(pg[p]) == xfree_len(pg[p]), "page %d: rfreed %u, xfree %u", p, rfreed(pg[p]),
           xfree_len(pg[p]));
  }
  UCHECK(in_slots + pushed == (uint32_t)(last - first + 1), "frees lost: %u batched + %u pushed != %d",
         in_slots, pushed, last - first + 1);
  UCHECK(flushed_pages >= 1, "65 pages in 64 slots and no slot was flushed");
  brisk_remote_flush_all(hm);
  for (int p = first; p <= last; p++) UCHECK(rfreed(pg[p]) == 1, "page %d: rfreed %u", p, rfreed(pg[p]));

  /* ---- a page parked full: the first hand-over goes to delayed */
  page_t *F = pg[NP - 2];
  UCHECK(F->used == PER_PAGE && atomic_load(&wh->delayed) == NULL, "full page used %u", F->used);
  brisk_free(bg[NP - 2][0]);
  UCHECK(xstate(F) == XF_WANTED && atomic_load(&wh->delayed) == NULL, "pushed before the flush");
  brisk_remote_flush_all(hm);
  UCHECK(atomic_load(&wh->delayed) == bg[NP - 2][0] && xstate(F) == XF_NOTIFIED,
         "parked page: delayed %p, state %lu", (void *)atomic_load(&wh->delayed), (unsigned long)xstate(F));
  UCHECK(rfreed(F) == 0 && xfree_len(F) == 0, "a delayed free was counted on the page");
  brisk_free(bg[NP - 2][1]);
  brisk_remote_flush_all(hm);
  UCHECK(xstate(F) == XF_NOTIFIED && xfree_len(F) == 1 && rfreed(F) == 1 && delayed_len(wh) == 1,
         "second hand-over: xfree %u rfreed %u delayed %u", xfree_len(F), rfreed(F), delayed_len(wh));
  UCHECK(F->used == PER_PAGE, "used %u before the owner collected", F->used);
  uworker_run(&W, job_collect, NULL);
  UCHECK(F->used == PER_PAGE - 2 && !(F->flags & PAGE_IN_FULL) && xstate(F) == XF_NORMAL,
         "after collect: used %u flags %#x state %lu", F->used, F->flags, (unsigned long)xstate(F));
  UCHECK(atomic_load(&wh->delayed) == NULL, "delayed list not taken");
  for (int p = first; p <= last; p++)
    UCHECK(pg[p]->used == PER_PAGE - 2, "page %d: used %u after collect", p, pg[p]->used);

  /* ---- the next malloc slow path hands batches over */
  brisk_free(bg[NP - 1][0]);
  UCHECK(hm->remote_mask != 0, "not batched");
  void *slow = brisk_malloc(200 * 1024);
  UCHECK(hm->remote_mask == 0 && rfreed(pg[NP - 1]) + delayed_len(wh) == 1,
         "malloc slow path did not flush: mask %#lx", (unsigned long)hm->remote_mask);
  brisk_free(slow);

  /* ---- an exiting thread hands its batches over */
  void *v[16] = {0};
  int nv = 0;
  for (int p = first; p < first + 4; p++)
    for (int k = 1; k < 3; k++) v[nv++] = bg[p][k]; /* its foreign cache holds 8 */
  for (int k = 1; k < 5; k++) v[nv++] = bg[first + 4][k];
  pthread_t t;
  UCHECK(pthread_create(&t, NULL, free_and_exit, v) == 0, "pthread_create");
  pthread_join(t, NULL);
  uint32_t got = 0;
  for (int p = first; p <= first + 4; p++) got += rfreed(pg[p]) - 1;
  UCHECK(got == (uint32_t)nv, "thread exit handed over %u of %d frees", got, nv);

  /* ---- a large block freed by another thread: delayed at once */
  uworker_run(&W, job_alloc_large, NULL);
  page_t *L = page_of_ptr(large);
  UCHECK(L->kind == SPAN_LARGE, "256 KiB not a large span");
  brisk_free(large);
  UCHECK(atomic_load(&wh->delayed) == large && hm->remote_mask == 0, "large remote free not on delayed");
  UCHECK(L->kind == SPAN_LARGE, "span freed by a non-owner");
  expect_abort(double_free_large, "second free of a large block waiting on delayed");
  uworker_run(&W, job_collect, NULL);
  UCHECK(page_of_ptr(large)->kind == SPAN_FREE && atomic_load(&wh->delayed) == NULL,
         "owner did not free the large span");

  brisk_foreign_flush_all(hm);
  uworker_run(&W, job_collect, NULL);
  uworker_stop(&W);
  brisk_check_heap(hm);
  return 0;
}
