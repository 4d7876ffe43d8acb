/* SPDX-License-Identifier: MIT */
/* test/region/unit.c — splitting and coalescing edge cases of region heaps,
 * observed through the public API: addresses, usable sizes, statistics
 * and brisk_region_check after every step.  Block sizes follow the
 * documented layout: 16-byte header, 16-byte granularity, 48-byte minimum. */
#include "rt.h"

#define LEN (1u << 20)

static size_t bsz(size_t n) { /* the block a request of n bytes takes */
  size_t b = (n + 16 + 15) & ~(size_t)15;
  return b < 48 ? 48 : b;
}

static brisk_region_t *fresh(void *mem, size_t len) {
  brisk_region_t *r = brisk_region_init(mem, len, 0);
  CHECK(r == mem);
  CHECK_CLEAN(r);
  brisk_region_stats_t s = rt_stats(r);
  CHECK(s.blocks == 0 && s.free_blocks == 1 && s.used == 0 && s.largest_free == s.free);
  return r;
}

/* free with neither, next, prev and both neighbours free; first block */
static void t_coalesce(void *mem) {
  brisk_region_t *r = fresh(mem, LEN);
  brisk_region_stats_t s0 = rt_stats(r);
  char *a = brisk_region_malloc(r, 100), *b = brisk_region_malloc(r, 200),
       *c = brisk_region_malloc(r, 300), *d = brisk_region_malloc(r, 100);
  CHECK(a && b == a + bsz(100) && c == b + bsz(200) && d == c + bsz(300));
  CHECK(brisk_region_usable_size(r, a) == bsz(100) - 16);
  brisk_region_stats_t s = rt_stats(r);
  CHECK(s.blocks == 4 && s.free_blocks == 1 && s.used == 3 * bsz(100) + bsz(200) + bsz(300) - bsz(100));
  CHECK(s.used + s.free == s0.free);
  brisk_region_free(r, b); /* neither neighbour free */
  CHECK_CLEAN(r);
  CHECK(rt_stats(r).free_blocks == 2);
  brisk_region_free(r, a); /* first block of the region; next free */
  CHECK_CLEAN(r);
  CHECK(rt_stats(r).free_blocks == 2);
  char *ab = brisk_region_malloc(r, bsz(100) + bsz(200) - 16); /* exact fit */
  CHECK(ab == a);
  CHECK(rt_stats(r).free_blocks == 1 && rt_stats(r).blocks == 3);
  CHECK_CLEAN(r);
  brisk_region_free(r, ab);
  brisk_region_free(r, c); /* prev free */
  CHECK_CLEAN(r);
  CHECK(rt_stats(r).free_blocks == 2);
  CHECK(brisk_region_malloc(r, bsz(100) + bsz(200) + bsz(300) - 16) == a);
  brisk_region_free(r, a);
  /* both: x . z free, then y between them */
  char *x = brisk_region_malloc(r, 64), *y = brisk_region_malloc(r, 64),
       *z = brisk_region_malloc(r, 64), *w = brisk_region_malloc(r, 64);
  CHECK(x == a && y == x + 80 && z == y + 80 && w == z + 80);
  brisk_region_free(r, x);
  brisk_region_free(r, z);
  CHECK(rt_stats(r).free_blocks == 4); /* x, z, the rest before d, the tail */
  brisk_region_free(r, y);               /* both neighbours free */
  CHECK_CLEAN(r);
  CHECK(rt_stats(r).free_blocks == 3);
  CHECK(brisk_region_malloc(r, 3 * 80 - 16) == x);
  brisk_region_free(r, x);
  brisk_region_free(r, w); /* both again: x..z and the rest before d */
  CHECK(rt_stats(r).free_blocks == 2);
  brisk_region_free(r, d); /* prev and next (the tail, last block) */
  CHECK_CLEAN(r);
  s = rt_stats(r);
  CHECK(s.blocks == 0 && s.free_blocks == 1 && s.free == s0.free);
}

/* the last block of the region, a full region, minimum blocks */
static void t_last_and_min(void *mem) {
  brisk_region_t *r = fresh(mem, 64 * 1024);
  brisk_region_stats_t s0 = rt_stats(r);
  CHECK(brisk_region_usable_size(r, brisk_region_malloc(r, 0)) == 32);
  CHECK(brisk_region_usable_size(r, brisk_region_malloc(r, 1)) == 32);
  CHECK(brisk_region_usable_size(r, brisk_region_malloc(r, 32)) == 32);
  CHECK(brisk_region_usable_size(r, brisk_region_malloc(r, 33)) == 48);
  size_t last = rt_stats(r).largest_free;
  char *l = brisk_region_malloc(r, last - 16); /* the whole last block */
  CHECK(l != NULL && brisk_region_usable_size(r, l) == last - 16);
  CHECK(rt_stats(r).free_blocks == 0);
  errno = 0;
  CHECK(brisk_region_malloc(r, 1) == NULL && errno == ENOMEM);
  CHECK_CLEAN(r);
  memset(l, 0xab, last - 16); /* the whole payload, up to the end sentinel */
  CHECK_CLEAN(r);
  brisk_region_free(r, l); /* last block: next is the end sentinel */
  CHECK_CLEAN(r);
  CHECK(rt_stats(r).free_blocks == 1 && rt_stats(r).largest_free == last);
  (void)s0;
}

/* a remainder below the minimum block is not split off */
static void t_split_remainder(void *mem) {
  brisk_region_t *r = fresh(mem, LEN);
  char *a = brisk_region_malloc(r, 112), *guard = brisk_region_malloc(r, 16);
  CHECK(a && guard);
  brisk_region_free(r, a); /* a free 128-byte block between in-use ones */
  char *b = brisk_region_malloc(r, 80); /* 96 bytes: remainder 32 < 48 */
  CHECK(b == a && brisk_region_usable_size(r, b) == 112);
  brisk_region_free(r, b);
  char *c = brisk_region_malloc(r, 64); /* 80 bytes: remainder 48 = minimum */
  CHECK(c == a && brisk_region_usable_size(r, c) == 64);
  CHECK(rt_stats(r).free_blocks == 2);
  char *e = brisk_region_malloc(r, 32); /* exactly the 48-byte remainder */
  CHECK(e == a + 80);
  CHECK_CLEAN(r);
}

/* aligned allocations: padding becomes a free block, coalesced back */
static void t_aligned(void *mem) {
  brisk_region_t *r = fresh(mem, LEN);
  brisk_region_stats_t s0 = rt_stats(r);
  void *ps[256];
  int n = 0;
  for (size_t align = 1; align <= 65536; align <<= 1) {
    for (size_t len = 1; len < 300; len += 97) {
      char *p = brisk_region_aligned_alloc(r, align, len);
      CHECK(p != NULL && (uintptr_t)p % align == 0 && (uintptr_t)p % 16 == 0);
      CHECK(brisk_region_usable_size(r, p) >= len);
      memset(p, 0x5a, brisk_region_usable_size(r, p));
      CHECK_CLEAN(r);
      ps[n++] = p;
      char *spacer = brisk_region_malloc(r, 8); /* keeps the next gap from merging */
      ps[n++] = spacer;
    }
  }
  errno = 0;
  CHECK(brisk_region_aligned_alloc(r, 24, 8) == NULL && errno == EINVAL);
  CHECK(brisk_region_aligned_alloc(r, 0, 8) == NULL && errno == EINVAL);
  for (int i = 0; i < n; i += 2) brisk_region_free(r, ps[i]);
  CHECK_CLEAN(r);
  for (int i = 1; i < n; i += 2) brisk_region_free(r, ps[i]);
  CHECK_CLEAN(r);
  brisk_region_stats_t s = rt_stats(r);
  CHECK(s.blocks == 0 && s.free_blocks == 1 && s.free == s0.free);
}

/* realloc: grow in place into a free next block, shrink, move, edge cases */
static void t_realloc(void *mem) {
  brisk_region_t *r = fresh(mem, LEN);
  char *p = brisk_region_malloc(r, 100), *q = brisk_region_malloc(r, 400),
       *g = brisk_region_malloc(r, 16);
  rt_fill(p, 100, 1);
  brisk_region_free(r, q);
  char *p2 = brisk_region_realloc(r, p, 300); /* grows into q, splits the rest */
  CHECK(p2 == p && rt_verify(p, 100, 1) && brisk_region_usable_size(r, p) >= 300);
  CHECK_CLEAN(r);
  p2 = brisk_region_realloc(r, p, 100 + 400 + 16); /* swallows all of q's block */
  CHECK(p2 == p && rt_verify(p, 100, 1) && brisk_region_usable_size(r, p) == 112 + 416);
  CHECK(rt_stats(r).free_blocks == 1);
  CHECK_CLEAN(r);
  p2 = brisk_region_realloc(r, p, 40); /* shrink: the tail becomes free */
  CHECK(p2 == p && rt_verify(p, 40, 1) && brisk_region_usable_size(r, p) == 48);
  CHECK(rt_stats(r).free_blocks == 2);
  CHECK_CLEAN(r);
  char *big = brisk_region_realloc(r, p, 5000); /* moves */
  CHECK(big != NULL && big != p && rt_verify(big, 40, 1));
  CHECK_CLEAN(r);
  char *t = brisk_region_malloc(r, 100); /* the freed room, right before g */
  CHECK(t == p);
  brisk_region_free(r, t);
  /* shrink with a free next block: the tail merges into it */
  char *h = brisk_region_malloc(r, 400);
  CHECK(h == p);
  brisk_region_free(r, g);
  CHECK(brisk_region_realloc(r, h, 100) == h);
  CHECK_CLEAN(r);
  CHECK(brisk_region_realloc(r, h, 100) == h); /* same size: nothing */
  size_t blocks = rt_stats(r).blocks;
  CHECK(brisk_region_realloc(r, h, 0) == NULL); /* frees */
  CHECK(rt_stats(r).blocks == blocks - 1);
  char *n0 = brisk_region_realloc(r, NULL, 10);
  CHECK(n0 != NULL && rt_stats(r).blocks == blocks);
  errno = 0;
  CHECK(brisk_region_realloc(r, n0, (size_t)1 << 40) == NULL && errno == ENOMEM);
  CHECK(brisk_region_usable_size(r, n0) >= 10);
  brisk_region_free(r, n0);
  brisk_region_free(r, big);
  CHECK_CLEAN(r);
  CHECK(rt_stats(r).blocks == 0 && rt_stats(r).free_blocks == 1);
}

static void t_calloc_offsets(void *mem) {
  brisk_region_t *r = fresh(mem, LEN);
  char *p = brisk_region_malloc(r, 1000);
  memset(p, 0xff, 1000);
  brisk_region_free(r, p);
  unsigned char *z = brisk_region_calloc(r, 10, 100);
  CHECK(z == (unsigned char *)p);
  for (int i = 0; i < 1000; i++) CHECK(z[i] == 0);
  uint64_t off = brisk_region_offset(r, z);
  CHECK(off != 0 && off % 16 == 0 && brisk_region_ptr(r, off) == z);
  CHECK(brisk_region_offset(r, NULL) == 0 && brisk_region_ptr(r, 0) == NULL);
  int local;
  errno = 0;
  CHECK(brisk_region_offset(r, &local) == 0 && errno == EINVAL);
  errno = 0;
  CHECK(brisk_region_ptr(r, LEN) == NULL && errno == EINVAL);
  CHECK(brisk_region_attach(mem) == r);
  brisk_region_free(r, NULL);
  CHECK(brisk_region_usable_size(r, NULL) == 0);
  CHECK_CLEAN(r);
}

int main(void) {
  void *mem = rt_map(LEN);
  t_coalesce(mem);
  t_last_and_min(mem);
  t_split_remainder(mem);
  t_aligned(mem);
  t_realloc(mem);
  t_calloc_offsets(mem);
  return 0;
}
