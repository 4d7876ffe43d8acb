/* SPDX-License-Identifier: MIT */
/* test/region/threads.c — one region (private, then SHARED) used by four
 * threads at once; each checks its own blocks' contents; the region is
 * clean afterwards and every block comes back. */
#include <pthread.h>

#include "rt.h"

#define LEN (16u << 20)
#define THREADS 4
#define OPS 150000
#define LIVE 256

static brisk_region_t *r;

static void *worker(void *arg) {
  uint64_t rng = 0x9e37 + (uintptr_t)arg * 7919;
  char *p[LIVE] = {0};
  size_t n[LIVE];
  for (int op = 0; op < OPS; op++) {
    int i = (int)(rt_rand(&rng) % LIVE);
    if (p[i]) {
      CHECK(rt_verify(p[i], n[i] < 32 ? n[i] : 32, (uint64_t)i << 8 | (uintptr_t)arg));
      brisk_region_free(r, p[i]);
      p[i] = NULL;
    } else {
      n[i] = 1 + rt_rand(&rng) % 2000;
      p[i] = (rt_rand(&rng) & 3) ? brisk_region_malloc(r, n[i])
                                 : brisk_region_aligned_alloc(r, 256, n[i]);
      CHECK(p[i] != NULL);
      rt_fill(p[i], n[i] < 32 ? n[i] : 32, (uint64_t)i << 8 | (uintptr_t)arg);
    }
  }
  for (int i = 0; i < LIVE; i++) brisk_region_free(r, p[i]);
  return NULL;
}

int main(void) {
  void *mem = rt_map(LEN);
  for (unsigned flags = 0; flags <= BRISK_REGION_SHARED; flags++) {
    r = brisk_region_init(mem, LEN, flags);
    CHECK(r != NULL);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++) CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    CHECK_CLEAN(r);
    brisk_region_stats_t s = rt_stats(r);
    CHECK(s.blocks == 0 && s.free_blocks == 1);
  }
  return 0;
}
