/* SPDX-License-Identifier: MIT */
/* stress_churn.c — thread churn: thousands of short-lived threads (a few
 * alive at a time, some joined, some detached) each allocate blocks, free
 * some, free blocks that a long-lived survivor thread allocated for them,
 * and hand the rest to the survivor, which verifies and frees them after
 * their owner has exited.  Every block's pattern is checked before free.
 * RSS must not grow without bound, measured after the first fifth of the
 * threads (default 1000 of 5000) and after all of them, each time once as
 * it is and once after malloc_trim(0):
 *  - trimmed, the growth is at most 24 MiB: what a trim cannot give back
 *    is held by live blocks or lost, so a leak of one thread heap (or of
 *    its pages) per thread shows up here;
 *  - untrimmed, at most 128 MiB: free memory kept warm for the next
 *    threads (brisk: the dirty limits of the survivor's heap and of the
 *    heaps of exited threads together, BRISK_ABANDONED_DIRTY_FACTOR) is
 *    bounded, whatever the timing of purges.
 *
 * usage: stress_churn [-n threads] [-c concurrent] [-R 0]
 *   -R 0 skips the RSS assertion (TSan: its shadow memory grows with every
 *        thread, which says nothing about brisk). */
#include "check.h"
#include "alloc.h"
#include "pattern.h"
#include <pthread.h>
#include <stdatomic.h>

#define PER_THREAD 64
#define HANDOFF 16
#define GIFTS 8
#define QCAP 65536

typedef struct { unsigned char *p; size_t n; uint64_t tag; } blk_t;

/* survivor queue (blocks handed over by exiting threads) */
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcv = PTHREAD_COND_INITIALIZER;
static blk_t queue[QCAP];
static size_t qhead, qtail; /* protected by qmu */
static int qdone, survivor_busy;

/* gifts: blocks the survivor allocated for churn threads to free */
static pthread_mutex_t gmu = PTHREAD_MUTEX_INITIALIZER;
static blk_t gifts[QCAP];
static size_t ngifts;

static atomic_long handed, freed_by_survivor, gifts_freed, detached_running;
static atomic_long thread_seq;

static void verify_free(blk_t b, const char *who) {
  size_t bad = pat_check(b.p, b.n, b.n, b.tag);
  CHECK(bad == SIZE_MAX, "%s: block %p (%zu bytes) corrupted at %zu", who,
        (void *)b.p, b.n, bad);
  T_free(b.p);
}

static blk_t make_block(uint64_t *rs, int big) {
  blk_t b;
  b.n = rng_size(rs, 0);
  if (!big && b.n > 65536) b.n = 1 + b.n % 4096;
  b.p = T_malloc(b.n);
  CHECK(b.p != NULL, "malloc(%zu)", b.n);
  b.tag = pat_tag(b.p, b.n);
  pat_fill(b.p, b.n, b.tag);
  return b;
}

static void *survivor(void *arg) {
  (void)arg;
  uint64_t rs = 99;
  pthread_mutex_lock(&qmu);
  for (;;) {
    while (qhead == qtail && !qdone) {
      survivor_busy = 0;
      pthread_cond_broadcast(&qcv);
      pthread_cond_wait(&qcv, &qmu);
    }
    if (qhead == qtail && qdone) break;
    survivor_busy = 1;
    blk_t b = queue[qhead++ % QCAP];
    pthread_mutex_unlock(&qmu);
    verify_free(b, "survivor");
    atomic_fetch_add(&freed_by_survivor, 1);
    /* top up gifts for the churn threads */
    pthread_mutex_lock(&gmu);
    while (ngifts < 256) gifts[ngifts++] = make_block(&rs, 0);
    pthread_mutex_unlock(&gmu);
    pthread_mutex_lock(&qmu);
  }
  survivor_busy = 0;
  pthread_cond_broadcast(&qcv);
  pthread_mutex_unlock(&qmu);
  return NULL;
}

static void *churn(void *arg) {
  int detached = arg != NULL;
  uint64_t rs = (uint64_t)atomic_fetch_add(&thread_seq, 1) * 7919 + 17;
  blk_t mine[PER_THREAD];
  for (int i = 0; i < PER_THREAD; i++) mine[i] = make_block(&rs, i == 0);
  /* free some of our own, in a scrambled order */
  for (int i = PER_THREAD - 1; i >= HANDOFF; i -= 2) verify_free(mine[i], "own");
  for (int i = PER_THREAD - 2; i >= HANDOFF; i -= 2) verify_free(mine[i], "own");
  /* free blocks the survivor allocated */
  for (int g = 0; g < GIFTS; g++) {
    pthread_mutex_lock(&gmu);
    blk_t b = {0};
    if (ngifts) b = gifts[--ngifts];
    pthread_mutex_unlock(&gmu);
    if (!b.p) break;
    verify_free(b, "gift");
    atomic_fetch_add(&gifts_freed, 1);
  }
  /* hand the rest to the survivor */
  pthread_mutex_lock(&qmu);
  for (int i = 0; i < HANDOFF; i++) {
    CHECK(qtail - qhead < QCAP, "survivor queue overflow");
    queue[qtail++ % QCAP] = mine[i];
  }
  pthread_cond_broadcast(&qcv);
  pthread_mutex_unlock(&qmu);
  atomic_fetch_add(&handed, HANDOFF);
  if (detached) atomic_fetch_sub(&detached_running, 1);
  return NULL;
}

/* wait until every detached thread has finished and the queue is drained */
static void quiesce(void) {
  while (atomic_load(&detached_running) > 0) usleep(1000);
  usleep(20000); /* let exiting detached threads finish tearing down */
  pthread_mutex_lock(&qmu);
  while (qhead != qtail || survivor_busy) pthread_cond_wait(&qcv, &qmu);
  pthread_mutex_unlock(&qmu);
}

int main(int argc, char **argv) {
  int total = 5000, conc = 4, rss_check = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-n")) total = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-c")) conc = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-R")) rss_check = atoi(argv[i + 1]);
  }
  CHECK(total >= 50 && conc >= 1 && conc <= 64, "bad arguments");
  int checkpoint = total / 5;
  pthread_t surv;
  CHECK(pthread_create(&surv, NULL, survivor, NULL) == 0, "pthread_create");
  pthread_attr_t det;
  pthread_attr_init(&det);
  pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
  size_t rss_cp = 0, rss_end = 0, trim_cp = 0, trim_end = 0;
  double t0 = now_s();
  int started = 0;
  while (started < total) {
    pthread_t th[64];
    int joinable = 0;
    for (int k = 0; k < conc && started < total; k++, started++) {
      if (started % 4 == 3) {
        atomic_fetch_add(&detached_running, 1);
        pthread_t d;
        int rc = pthread_create(&d, &det, churn, (void *)1);
        CHECK(rc == 0, "pthread_create(detached) = %d", rc);
      } else {
        int rc = pthread_create(&th[joinable++], NULL, churn, NULL);
        CHECK(rc == 0, "pthread_create = %d", rc);
      }
    }
    for (int k = 0; k < joinable; k++) pthread_join(th[k], NULL);
    if (started == checkpoint) {
      quiesce();
      rss_cp = rss_bytes();
      T_trim();
      trim_cp = rss_bytes();
    }
  }
  quiesce();
  rss_end = rss_bytes();
  T_trim();
  trim_end = rss_bytes();
  pthread_mutex_lock(&qmu);
  qdone = 1;
  pthread_cond_broadcast(&qcv);
  pthread_mutex_unlock(&qmu);
  pthread_join(surv, NULL);
  for (size_t i = 0; i < ngifts; i++) verify_free(gifts[i], "final gifts");
  printf("%s: %d threads in %.2f s; %ld blocks handed to survivor, %ld freed "
         "by it, %ld gifts freed by churn threads; RSS after %d threads %zu "
         "KiB (%zu trimmed), after %d %zu KiB (%zu trimmed)\n", T_LIBNAME,
         total, now_s() - t0, atomic_load(&handed),
         atomic_load(&freed_by_survivor), atomic_load(&gifts_freed),
         checkpoint, rss_cp >> 10, trim_cp >> 10, total, rss_end >> 10,
         trim_end >> 10);
  CHECK(atomic_load(&freed_by_survivor) == (long)total * HANDOFF,
        "survivor freed %ld of %ld", atomic_load(&freed_by_survivor),
        (long)total * HANDOFF);
  CHECK(atomic_load(&gifts_freed) > total, "too few gifts were freed");
  CHECK(!rss_check || trim_end <= trim_cp + 24 * MiB,
        "RSS after malloc_trim grows with thread churn: %zu KiB after %d "
        "threads, %zu KiB after %d", trim_cp >> 10, checkpoint,
        trim_end >> 10, total);
  CHECK(!rss_check || rss_end <= rss_cp + 128 * MiB,
        "free memory kept for reuse grows with thread churn: RSS %zu KiB "
        "after %d threads, %zu KiB after %d", rss_cp >> 10, checkpoint,
        rss_end >> 10, total);
  puts("ok");
  return 0;
}
