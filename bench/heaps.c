/* SPDX-License-Identifier: MIT */
/* bench/heaps.c — first-class heaps (brisk_heap_*) against plain malloc:
 *  1. allocation speed: n mallocs of mixed small sizes then n frees, from
 *     a heap (brisk_heap_malloc + free) and from the thread heap (malloc
 *     + free), ns per pair, median of rounds;
 *  2. freeing n live blocks: brisk_heap_destroy against a free() loop over
 *     the same blocks (plain malloc blocks), and the destroy plus
 *     malloc_trim(0) (the moment the memory is back with the kernel);
 *  3. reset-and-reuse, an arena per request: allocate k blocks, reset.
 * Run with the library linked (-lbrisk) or preloaded.  Prints a table.
 * Usage: heaps [n=1000000] [rounds=5] */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../include/brisk.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static size_t size_of(long i) { return 16 + (size_t)((i * 2654435761u) >> 7) % 496; }

int main(int argc, char **argv) {
  long n = 1000000;
  int rounds = 5;
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "n=", 2)) n = atol(argv[i] + 2);
    if (!strncmp(argv[i], "rounds=", 7)) rounds = atoi(argv[i] + 7);
  }
  void **v = malloc((size_t)n * sizeof *v);
  double heap_pair[64], malloc_pair[64], destroy[64], destroy_trim[64], freeloop[64], reset[64];
  if (rounds > 64) rounds = 64;
  for (int r = 0; r < rounds; r++) {
    /* 1. pairs */
    brisk_heap_t *h = brisk_heap_new();
    double t0 = now();
    for (long i = 0; i < n; i++) v[i] = brisk_heap_malloc(h, size_of(i));
    for (long i = 0; i < n; i++) free(v[i]);
    heap_pair[r] = (now() - t0) / (double)n * 1e9;
    brisk_heap_destroy(h);
    t0 = now();
    for (long i = 0; i < n; i++) v[i] = malloc(size_of(i));
    for (long i = 0; i < n; i++) free(v[i]);
    malloc_pair[r] = (now() - t0) / (double)n * 1e9;
    /* 2. freeing n live blocks */
    h = brisk_heap_new();
    for (long i = 0; i < n; i++) *(char *)(v[i] = brisk_heap_malloc(h, size_of(i))) = 1;
    t0 = now();
    brisk_heap_destroy(h);
    double t1 = now();
    malloc_trim(0);
    destroy[r] = (t1 - t0) * 1e3;
    destroy_trim[r] = (now() - t0) * 1e3;
    for (long i = 0; i < n; i++) *(char *)(v[i] = malloc(size_of(i))) = 1;
    t0 = now();
    for (long i = 0; i < n; i++) free(v[i]);
    freeloop[r] = (now() - t0) * 1e3;
    malloc_trim(0);
    /* 3. an arena per request: 1000 requests of 1000 blocks */
    h = brisk_heap_new();
    t0 = now();
    for (int q = 0; q < 1000; q++) {
      for (int i = 0; i < 1000; i++) *(char *)brisk_heap_malloc(h, size_of(i)) = 1;
      brisk_heap_reset(h);
    }
    reset[r] = (now() - t0) / 1000 * 1e6;
    brisk_heap_destroy(h);
  }
  double fl = median(freeloop, rounds), de = median(destroy, rounds), dt = median(destroy_trim, rounds);
  printf("# first-class heaps, n=%ld blocks of 16..512 bytes, %d rounds (medians)\n\n", n, rounds);
  printf("| measure | value |\n|---|---|\n");
  printf("| malloc+free pair from a heap (brisk_heap_malloc, free) | %.1f ns |\n", median(heap_pair, rounds));
  printf("| malloc+free pair from the thread heap (malloc, free) | %.1f ns |\n", median(malloc_pair, rounds));
  printf("| free() loop over %ld live blocks | %.2f ms |\n", n, fl);
  printf("| brisk_heap_destroy of a heap of %ld live blocks | %.3f ms (%.0fx faster) |\n", n, de, fl / de);
  printf("| destroy + malloc_trim(0) (memory back with the kernel) | %.2f ms (%.1fx) |\n", dt, fl / dt);
  printf("| request arena: 1000 blocks then brisk_heap_reset | %.1f us per request |\n", median(reset, rounds));
  free(v);
  return 0;
}
