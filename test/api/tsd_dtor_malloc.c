/* SPDX-License-Identifier: MIT */
/* tsd_dtor_malloc.c — a thread whose pthread-key destructor allocates in
 * the last destructor round must not leak a thread heap.
 *
 * Each of 200 threads (run one after another: each is joined before the
 * next starts) sets a key whose destructor sets the key again for
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds, so it runs in every round glibc
 * makes, and mallocs and frees in each round (and leaks one small block in
 * the last).  An allocator that hands its per-thread state back from a
 * key destructor of its own sees the thread allocate again after that
 * destructor ran; if the allocation comes in the last round nobody hands
 * the state back any more.
 *
 * Checks (on brisk, via brisk_stats_get resolved with dlsym so that the
 * test also runs on glibc): `threads` (heaps created, cumulative) stays
 * small, as only one thread runs at a time and an exited thread's heap is
 * adopted by the next, and `mapped` stays bounded.  Everywhere: every
 * destructor round ran and its allocations succeeded. */
#include "check.h"
#include <brisk.h>
#include <limits.h>
#include <pthread.h>

enum { NTHREADS = 200 };

static pthread_key_t key;
static int rounds_seen[NTHREADS]; /* destructor rounds per thread */
static int alloc_failed;

typedef struct tstate {
  int idx;
  int round;
} tstate_t;

static void dtor(void *v) {
  tstate_t *s = v;
  s->round++;
  rounds_seen[s->idx] = s->round;
  /* allocate in every round, the last one included */
  for (int i = 0; i < 8; i++) {
    size_t n = (size_t)16 << (i % 8); /* 16 .. 2048 bytes */
    char *p = malloc(n);
    if (p == NULL) {
      alloc_failed = 1;
      continue;
    }
    memset(p, 0x5a, n);
    free(p);
  }
  char *big = malloc(200000); /* a large span as well */
  if (big == NULL)
    alloc_failed = 1;
  else
    big[0] = 1;
  free(big);
  if (s->round < PTHREAD_DESTRUCTOR_ITERATIONS) {
    pthread_setspecific(key, s); /* run again in the next round */
    return;
  }
  /* last round: leak one small block, and free the state */
  void *leak = malloc(32);
  if (leak == NULL) alloc_failed = 1;
  free(s);
}

static void *worker(void *arg) {
  int idx = (int)(intptr_t)arg;
  tstate_t *s = malloc(sizeof *s);
  if (s == NULL) return (void *)1;
  s->idx = idx;
  s->round = 0;
  /* some ordinary work on the thread's own heap */
  void *v[64];
  for (int i = 0; i < 64; i++) {
    v[i] = malloc((size_t)(i + 1) * 24);
    if (v[i] == NULL) return (void *)1;
    memset(v[i], i, (size_t)(i + 1) * 24);
  }
  for (int i = 0; i < 64; i++) free(v[i]);
  pthread_setspecific(key, s);
  return NULL;
}

int main(void) {
  int (*stats_get)(brisk_stats_t *) =
      (int (*)(brisk_stats_t *))dlsym(RTLD_DEFAULT, "brisk_stats_get");
  CHECK(!on_brisk() || stats_get != NULL, "brisk_stats_get not found on brisk");
  CHECK(pthread_key_create(&key, dtor) == 0, "pthread_key_create");
  brisk_stats_t s0 = {0}, s1 = {0};
  if (stats_get) stats_get(&s0);
  for (int t = 0; t < NTHREADS; t++) {
    pthread_t th;
    CHECK(pthread_create(&th, NULL, worker, (void *)(intptr_t)t) == 0, "pthread_create %d", t);
    void *ret;
    CHECK(pthread_join(th, &ret) == 0, "pthread_join %d", t);
    CHECK(ret == NULL, "thread %d: malloc failed", t);
    CHECK(rounds_seen[t] == PTHREAD_DESTRUCTOR_ITERATIONS,
          "thread %d: key destructor ran %d rounds, want %d", t, rounds_seen[t],
          PTHREAD_DESTRUCTOR_ITERATIONS);
  }
  CHECK(!alloc_failed, "a malloc in a key destructor returned NULL");
  if (stats_get) {
    stats_get(&s1);
    NOTE("%d threads, one at a time: heaps created %llu -> %llu, mapped %.1f -> %.1f MiB",
         NTHREADS, (unsigned long long)s0.threads, (unsigned long long)s1.threads,
         (double)s0.mapped / (double)MiB, (double)s1.mapped / (double)MiB);
    CHECK(s1.threads <= 8,
          "%llu thread heaps created for %d sequential threads whose key destructor "
          "allocates in the last round (heaps leaked; want <= 8)",
          (unsigned long long)s1.threads, NTHREADS);
    CHECK(s1.mapped < 64 * MiB,
          "%.1f MiB mapped after %d sequential threads (heaps' memory leaked; want < 64 MiB)",
          (double)s1.mapped / (double)MiB, NTHREADS);
  } else {
    NOTE("not brisk: heap and mapping counts not checked");
  }
  pthread_key_delete(key);
  puts("ok");
  return 0;
}
