/* SPDX-License-Identifier: MIT */
/* test/region/rt.h — helpers shared by the region-heap tests: checks that
 * name their line, a mapped region, content patterns. */
#ifndef RT_H
#define RT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "brisk.h"

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

#define CHECK_CLEAN(r) CHECK(brisk_region_check(r) == 0)

/* A fresh private mapping of len bytes (page-aligned). */
static inline void *rt_map(size_t len) {
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED);
  return m;
}

/* Fill / verify n bytes at p with a pattern derived from seed. */
static inline uint8_t rt_byte(uint64_t seed, size_t i) {
  return (uint8_t)((seed * 0x9e3779b97f4a7c15ull >> 56) + i * 7 + (i >> 8));
}
static inline void rt_fill(void *p, size_t n, uint64_t seed) {
  uint8_t *b = p;
  for (size_t i = 0; i < n; i++) b[i] = rt_byte(seed, i);
}
static inline int rt_verify(const void *p, size_t n, uint64_t seed) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != rt_byte(seed, i)) return 0;
  return 1;
}

/* xorshift64* */
static inline uint64_t rt_rand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545f4914f6cdd1dull;
}

static inline brisk_region_stats_t rt_stats(brisk_region_t *r) {
  brisk_region_stats_t s;
  CHECK(brisk_region_stats(r, &s) == 0);
  return s;
}

#endif
