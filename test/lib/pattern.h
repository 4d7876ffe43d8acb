/* SPDX-License-Identifier: MIT */
/* pattern.h — content patterns and random sizes for the stress tests.
 *
 * A block of n bytes with tag t holds byte b(i) = byte (i & 7) of
 * pw(t, i & ~7), little-endian, so a word write and byte writes agree and a
 * prefix of a block (after realloc) keeps the same pattern.  Blocks up to
 * PAT_FULL bytes are written in full; bigger ones on a sampled set of
 * regions (first 4 KiB, 64 bytes every 64 KiB, last 4 KiB) so that 16 MiB
 * blocks stay cheap.  pat_tag() derives the tag from the block's address
 * and size, so two live blocks that overlap overwrite each other's pattern.
 */
#ifndef BRISK_TEST_PATTERN_H
#define BRISK_TEST_PATTERN_H

#include <stdint.h>
#include <string.h>

#define PAT_FULL 8192u
#define PAT_HEAD 4096u
#define PAT_STRIDE 65536u
#define PAT_SAMPLE 64u

static inline uint64_t pat_mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7FB5D329728EA185ull;
  x ^= x >> 27;
  x *= 0x81DADEF4BC2DD44Dull;
  x ^= x >> 33;
  return x;
}

static inline uint64_t pat_tag(const void *p, size_t n) {
  return pat_mix((uint64_t)(uintptr_t)p ^ ((uint64_t)n << 40) ^ n);
}

static inline uint64_t pat_word(uint64_t tag, size_t off) {
  return tag ^ ((uint64_t)off * 0x9E3779B97F4A7C15ull);
}

static inline unsigned char pat_byte(uint64_t tag, size_t i) {
  return (unsigned char)(pat_word(tag, i & ~(size_t)7) >> (8 * (i & 7)));
}

/* fill [lo, hi) of p */
static inline void pat_fill_range(unsigned char *p, size_t lo, size_t hi,
                                  uint64_t tag) {
  size_t i = lo;
  while (i < hi && (i & 7)) { p[i] = pat_byte(tag, i); i++; }
  for (; i + 8 <= hi; i += 8) {
    uint64_t w = pat_word(tag, i);
    memcpy(p + i, &w, 8);
  }
  for (; i < hi; i++) p[i] = pat_byte(tag, i);
}

/* returns the first bad offset in [lo, hi), or SIZE_MAX */
static inline size_t pat_check_range(const unsigned char *p, size_t lo,
                                     size_t hi, uint64_t tag) {
  size_t i = lo;
  while (i < hi && (i & 7)) {
    if (p[i] != pat_byte(tag, i)) return i;
    i++;
  }
  for (; i + 8 <= hi; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    if (w != pat_word(tag, i)) {
      for (size_t j = i; j < i + 8; j++)
        if (p[j] != pat_byte(tag, j)) return j;
    }
  }
  for (; i < hi; i++)
    if (p[i] != pat_byte(tag, i)) return i;
  return SIZE_MAX;
}

static inline size_t pat_min(size_t a, size_t b) { return a < b ? a : b; }

/* Visit the pattern regions of an n-byte block clipped to [0, limit).
 * op 0: fill; op 1: check pattern; op 2: check zero.  Returns the first bad
 * offset or SIZE_MAX. */
static inline size_t pat_regions(unsigned char *p, size_t n, size_t limit,
                                 uint64_t tag, int op) {
  size_t lim = pat_min(n, limit);
  size_t bad = SIZE_MAX;
#define PAT_DO(lo_, hi_)                                                    \
  do {                                                                      \
    size_t lo = (lo_), hi = pat_min((hi_), lim);                            \
    if (lo < hi && bad == SIZE_MAX) {                                       \
      if (op == 0) {                                                        \
        pat_fill_range(p, lo, hi, tag);                                     \
      } else if (op == 1) {                                                 \
        bad = pat_check_range(p, lo, hi, tag);                              \
      } else {                                                              \
        for (size_t z = lo; z < hi; z++)                                    \
          if (p[z]) { bad = z; break; }                                     \
      }                                                                     \
    }                                                                       \
  } while (0)
  if (n <= PAT_FULL) {
    PAT_DO(0, n);
    return bad;
  }
  PAT_DO(0, PAT_HEAD);
  for (size_t off = PAT_STRIDE; off + PAT_SAMPLE <= n - PAT_HEAD;
       off += PAT_STRIDE)
    PAT_DO(off, off + PAT_SAMPLE);
  PAT_DO((n - PAT_HEAD) & ~(size_t)7, n);
#undef PAT_DO
  return bad;
}

static inline void pat_fill(void *p, size_t n, uint64_t tag) {
  pat_regions((unsigned char *)p, n, n, tag, 0);
}
/* check the pattern of a block written with size n, up to limit bytes */
static inline size_t pat_check(const void *p, size_t n, size_t limit,
                               uint64_t tag) {
  return pat_regions((unsigned char *)(uintptr_t)p, n, limit, tag, 1);
}
static inline size_t pat_check_zero(const void *p, size_t n) {
  return pat_regions((unsigned char *)(uintptr_t)p, n, n, 0, 2);
}

/* xorshift64* generator, one state per thread */
static inline uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* A realistic size mix: 70% 1..256 B, 20% up to 4 KiB, 8% up to 64 KiB,
 * ~2% up to 1 MiB and, when big != 0, 1 in 2000 between 4 and 16 MiB. */
static inline size_t rng_size(uint64_t *s, int big) {
  uint64_t r = rng_next(s);
  unsigned u = (unsigned)(r % 10000);
  uint64_t v = r >> 20;
  if (u < 7000) return 1 + (size_t)(v % 256);
  if (u < 9000) return 257 + (size_t)(v % (4096 - 256));
  if (u < 9800) return 4097 + (size_t)(v % (65536 - 4096));
  if (u < 9995 || !big) return 65537 + (size_t)(v % (1048576 - 65536));
  return ((size_t)4 << 20) + (size_t)(v % ((size_t)12 << 20));
}

/* power-of-two alignment: mostly 8..4096, sometimes up to 2 MiB */
static inline size_t rng_align(uint64_t *s) {
  uint64_t r = rng_next(s);
  if (r % 50 == 0) return (size_t)1 << (13 + (r >> 8) % 9); /* 8K..2M */
  return (size_t)1 << (3 + (r >> 8) % 10);                  /* 8..4096 */
}

#endif /* BRISK_TEST_PATTERN_H */
