/* SPDX-License-Identifier: MIT */
/* stats_peak_handoff.c — the live peak stays true when one thread frees
 * what others allocated: each of 20 rounds a new thread allocates ~10 MB
 * (10000 blocks of 1000 bytes) and exits, and the main thread frees them
 * all.  At most one round's blocks are ever live, so peak_allocated must
 * stay within the documented slack (1 MiB per other thread) of one
 * round's bytes.  Before the freeing thread added its frees to the process
 * total (observe/event.h event_frees_left), only the allocating heaps did,
 * and the reported peak grew by a round each round (195 MiB after 20).
 * Then: large blocks (256 KiB) that an exited thread made and the main
 * thread frees leave large_spans at once, though their owner, the exited
 * thread's heap, frees the spans only when a thread adopts it; and a
 * heap made with brisk_heap_new whose large blocks are freed, one by
 * another thread and the rest by brisk_heap_reset, counts none live.
 * Brisk-only checks (brisk_stats_get resolved with dlsym). */
#include "check.h"
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>

#include "brisk.h"

enum { N = 10000, SZ = 1000, ROUNDS = 20 };
static void *v[N];
static uint64_t round_bytes;

static void *maker(void *arg) {
  (void)arg;
  uint64_t bytes = 0;
  for (int i = 0; i < N; i++) {
    v[i] = malloc(SZ);
    CHECK(v[i] != NULL, "malloc");
    memset(v[i], i & 0xff, SZ);
    bytes += malloc_usable_size(v[i]);
  }
  round_bytes = bytes;
  return NULL;
}

enum { NLARGE = 8, LARGE = 256 << 10 };
static void *big[NLARGE];
static void *large_maker(void *arg) {
  (void)arg;
  for (int i = 0; i < NLARGE; i++) {
    big[i] = malloc(LARGE);
    CHECK(big[i] != NULL, "malloc(%d)", LARGE);
    memset(big[i], 0x6b, LARGE);
  }
  return NULL;
}

static void *free_one(void *p) {
  free(p);
  return NULL;
}

int main(void) {
  typedef int (*stats_fn)(brisk_stats_t *);
  stats_fn get_stats = (stats_fn)dlsym(RTLD_DEFAULT, "brisk_stats_get");
  free(malloc(opaque(64))); /* the main thread has a heap of its own */
  brisk_stats_t s0;
  if (get_stats) get_stats(&s0);
  for (int r = 0; r < ROUNDS; r++) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, maker, NULL) == 0, "pthread_create");
    pthread_join(t, NULL);
    for (int i = 0; i < N; i++) {
      CHECK(((unsigned char *)v[i])[SZ - 1] == (i & 0xff), "block %d changed", i);
      free(v[i]);
    }
  }
  if (!on_brisk() || get_stats == NULL) {
    puts("ok (not on brisk: statistics not checked)");
    return 0;
  }
  brisk_stats_t s;
  get_stats(&s);
  uint64_t most = s0.allocated + round_bytes + ((uint64_t)3 << 20); /* 1 MiB x (2 other heaps + 1) */
  NOTE("live peak %llu KiB, one round %llu KiB, live now %llu KiB",
       (unsigned long long)(s.peak_allocated >> 10), (unsigned long long)(round_bytes >> 10),
       (unsigned long long)(s.allocated >> 10));
  CHECK(s.peak_allocated >= round_bytes, "live peak %llu below one round's %llu bytes",
        (unsigned long long)s.peak_allocated, (unsigned long long)round_bytes);
  CHECK(s.peak_allocated <= most, "live peak %llu KiB after %d rounds of %llu KiB each freed by another thread",
        (unsigned long long)(s.peak_allocated >> 10), ROUNDS, (unsigned long long)(round_bytes >> 10));

  brisk_stats_t l0, l1, l2;
  get_stats(&l0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, large_maker, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);
  get_stats(&l1);
  CHECK(l1.large_spans == l0.large_spans + NLARGE, "large blocks live %llu after %d made (before %llu)",
        (unsigned long long)l1.large_spans, NLARGE, (unsigned long long)l0.large_spans);
  for (int i = 0; i < NLARGE; i++) free(big[i]);
  get_stats(&l2);
  CHECK(l2.large_spans == l0.large_spans, "large blocks live %llu after all %d were freed (before %llu)",
        (unsigned long long)l2.large_spans, NLARGE, (unsigned long long)l0.large_spans);

  brisk_heap_t *(*heap_new)(void) = (brisk_heap_t * (*)(void)) dlsym(RTLD_DEFAULT, "brisk_heap_new");
  void *(*heap_malloc)(brisk_heap_t *, size_t) =
      (void *(*)(brisk_heap_t *, size_t))dlsym(RTLD_DEFAULT, "brisk_heap_malloc");
  void (*heap_reset)(brisk_heap_t *) = (void (*)(brisk_heap_t *))dlsym(RTLD_DEFAULT, "brisk_heap_reset");
  CHECK(heap_new && heap_malloc && heap_reset, "brisk_heap_* not found");
  brisk_heap_t *hp = heap_new();
  CHECK(hp != NULL, "brisk_heap_new");
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < NLARGE; i++) {
      big[i] = heap_malloc(hp, LARGE);
      CHECK(big[i] != NULL, "brisk_heap_malloc(%d)", LARGE);
    }
    CHECK(pthread_create(&t, NULL, free_one, big[0]) == 0, "pthread_create");
    pthread_join(t, NULL);
    heap_reset(hp);
    get_stats(&l2);
    CHECK(l2.large_spans == l0.large_spans,
          "round %d: large blocks live %llu after a reset (one freed by another thread; before %llu)", round,
          (unsigned long long)l2.large_spans, (unsigned long long)l0.large_spans);
  }
  puts("ok");
  return 0;
}
