/* SPDX-License-Identifier: MIT */
/* thread_churn.c — thousands of short-lived threads allocate while others
 * run; each leaves blocks behind in a global pool that later threads (or
 * main) verify and free after their owner has exited.  Exercises thread
 * heap setup/teardown, orphaned blocks and cross-thread frees. */
#include <pthread.h>
#include <stdatomic.h>

#include "common.h"

#define POOL 4096
#define BATCH 24

static _Atomic(uintptr_t) pool[POOL]; /* blocks; each starts with its size */
static atomic_long freed_foreign;

static size_t size_for(uint32_t r) {
  switch (r % 6) {
  case 0: return r % 64 + 16;
  case 1: return r % 1024 + 16;
  case 2: return r % 16384 + 16;
  case 3: return r % 200000 + 16;
  case 4: return (r % 3 == 0) ? (r % (3u << 20)) + 16 : 100;
  default: return 32;
  }
}

/* Block layout: size_t n, then a pattern over up to 120 bytes. */
static void *make(size_t n) {
  unsigned char *p = malloc(n);
  CHECK(p);
  memcpy(p, &n, sizeof n);
  fill(p + 8, n - 8 < 120 ? n - 8 : 120, (uint32_t)n);
  return p;
}

static void check_free(void *v) {
  unsigned char *p = v;
  size_t n;
  memcpy(&n, p, sizeof n);
  CHECK(n >= 16 && n < (4u << 20));
  CHECK(verify(p + 8, n - 8 < 120 ? n - 8 : 120, (uint32_t)n));
  free(p);
}

static void *thr(void *arg) {
  uint64_t s = (uintptr_t)arg * 2654435761u + 3;
  void *mine[32];
  for (int i = 0; i < 32; i++) mine[i] = make(size_for(rnd(&s)));
  for (int i = 0; i < 32; i++) {
    unsigned k = rnd(&s) % POOL;
    /* Swap our block into the pool; free what was there (someone else's,
     * usually from a thread that has exited). */
    uintptr_t old = atomic_exchange(&pool[k], i % 2 == 0 ? (uintptr_t)mine[i] : 0);
    if (old) {
      check_free((void *)old);
      atomic_fetch_add(&freed_foreign, 1);
    }
    if (i % 2) check_free(mine[i]);
  }
  return NULL;
}

int main(int argc, char **argv) {
  watchdog(240);
  int total = argc > 1 ? atoi(argv[1]) : 4000;
  int made = 0;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setstacksize(&at, 128 * 1024);
  while (made < total) {
    pthread_t t[BATCH];
    int n = 0;
    for (; n < BATCH && made < total; n++, made++) {
      int e = pthread_create(&t[n], &at, thr, (void *)(uintptr_t)made);
      if (e != 0) {
        fprintf(stderr, "pthread_create: %s\n", strerror(e));
        return 1;
      }
    }
    for (int i = 0; i < n; i++) CHECK(pthread_join(t[i], NULL) == 0);
  }
  /* Detached threads as well. */
  for (int i = 0; i < 200; i++) {
    pthread_t t;
    CHECK(pthread_create(&t, &at, thr, (void *)(uintptr_t)(total + i)) == 0);
    pthread_detach(t);
  }
  usleep(300000);
  for (int k = 0; k < POOL; k++) {
    uintptr_t old = atomic_exchange(&pool[k], 0);
    if (old) check_free((void *)old);
  }
  /* Allocation still works and memory is reused. */
  for (int i = 0; i < 100000; i++) free(malloc((size_t)(i % 3000) + 1));
  printf("thread_churn: %d threads, %ld foreign frees ok\n", total + 200, atomic_load(&freed_foreign));
  return 0;
}
