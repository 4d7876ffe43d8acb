/* SPDX-License-Identifier: MIT */
/* test/region/model.c — a random-operation model test: 1e6 operations
 * (malloc, calloc, aligned_alloc, realloc, free) on a 32 MiB region,
 * every block's contents (sampled pattern bytes), usable size and
 * alignment checked against a model of the live set, and
 * brisk_region_check + the statistics every 50000 operations. */
#include "rt.h"

#define LEN (32u << 20)
#define SLOTS 8192
#define OPS 1000000

typedef struct {
  char *p;
  size_t n, align;
  uint64_t seed;
} slot_t;

static slot_t slot[SLOTS];
static uint64_t rng = 0x1234567887654321ull;

/* Pattern bytes written and checked: the first and last 64, every 509th. */
static void fill(slot_t *s) {
  size_t n = s->n;
  for (size_t i = 0; i < n && i < 64; i++) s->p[i] = (char)rt_byte(s->seed, i);
  for (size_t i = n > 64 ? n - 64 : 0; i < n; i++) s->p[i] = (char)rt_byte(s->seed, i);
  for (size_t i = 64; i < n; i += 509) s->p[i] = (char)rt_byte(s->seed, i);
}
static void verify(const slot_t *s, size_t upto) {
  size_t n = s->n < upto ? s->n : upto;
  const uint8_t *b = (const uint8_t *)s->p;
  for (size_t i = 0; i < n && i < 64; i++) CHECK(b[i] == rt_byte(s->seed, i));
  for (size_t i = s->n > 64 ? s->n - 64 : 0; i < n; i++) CHECK(b[i] == rt_byte(s->seed, i));
  for (size_t i = 64; i < n; i += 509) CHECK(b[i] == rt_byte(s->seed, i));
}

static size_t rand_size(void) {
  unsigned k = rt_rand(&rng) % 100;
  if (k < 70) return 1 + rt_rand(&rng) % 256;
  if (k < 95) return 257 + rt_rand(&rng) % 3840;
  return 4097 + rt_rand(&rng) % 61440;
}

int main(void) {
  void *mem = rt_map(LEN);
  brisk_region_t *r = brisk_region_init(mem, LEN, 0);
  CHECK(r != NULL);
  brisk_region_stats_t s0 = rt_stats(r);
  size_t live = 0, fails = 0;
  for (uint64_t op = 1; op <= OPS; op++) {
    slot_t *s = &slot[rt_rand(&rng) % SLOTS];
    unsigned k = rt_rand(&rng) % 100;
    if (s->p == NULL) {
      size_t n = rand_size(), align = 16;
      char *p;
      if (k < 60) {
        p = brisk_region_malloc(r, n);
      } else if (k < 75) {
        p = brisk_region_calloc(r, 1, n);
        if (p) for (size_t i = 0; i < n; i += 61) CHECK(p[i] == 0);
      } else if (k < 85) {
        align = (size_t)32 << (rt_rand(&rng) % 8);
        p = brisk_region_aligned_alloc(r, align, n);
      } else {
        p = brisk_region_realloc(r, NULL, n);
      }
      if (p == NULL) {
        CHECK(errno == ENOMEM);
        fails++;
        continue;
      }
      CHECK((uintptr_t)p % align == 0 && brisk_region_usable_size(r, p) >= n);
      *s = (slot_t){p, n, align, op};
      fill(s);
      live++;
    } else if (k < 50) {
      verify(s, SIZE_MAX);
      brisk_region_free(r, s->p);
      s->p = NULL;
      live--;
    } else if (k < 85) {
      verify(s, SIZE_MAX);
      size_t n = rand_size();
      char *p = brisk_region_realloc(r, s->p, n);
      if (p == NULL) {
        CHECK(errno == ENOMEM);
        fails++;
        verify(s, SIZE_MAX); /* untouched */
        continue;
      }
      CHECK((uintptr_t)p % 16 == 0 && brisk_region_usable_size(r, p) >= n);
      s->p = p;
      verify(s, n); /* the kept prefix */
      *s = (slot_t){p, n, 16, op};
      fill(s);
    } else {
      verify(s, SIZE_MAX);
      CHECK(brisk_region_usable_size(r, s->p) >= s->n);
      CHECK(brisk_region_ptr(r, brisk_region_offset(r, s->p)) == s->p);
    }
    if (op % 50000 == 0) {
      CHECK_CLEAN(r);
      brisk_region_stats_t st = rt_stats(r);
      CHECK(st.blocks == live && st.used + st.free == s0.free && st.largest_free <= st.free);
    }
  }
  for (int i = 0; i < SLOTS; i++)
    if (slot[i].p) {
      verify(&slot[i], SIZE_MAX);
      brisk_region_free(r, slot[i].p);
    }
  CHECK_CLEAN(r);
  brisk_region_stats_t st = rt_stats(r);
  CHECK(st.blocks == 0 && st.free_blocks == 1 && st.free == s0.free);
  printf("# model: %d ops, %zu allocation failures (ENOMEM)\n", OPS, fails);
  return 0;
}
