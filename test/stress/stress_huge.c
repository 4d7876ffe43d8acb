/* SPDX-License-Identifier: MIT */
/* stress_huge.c — threads share a small set of big blocks (2-24 MiB):
 * each operation replaces a random slot's block with a new one (malloc,
 * calloc, or posix_memalign with an alignment of 4 KiB to 8 MiB), grows or
 * shrinks it with realloc, or trims.  Blocks displaced are usually another
 * thread's.  Every block carries a pattern derived from its address and
 * size (test/lib/pattern.h: sampled regions, 64 bytes every 64 KiB), checked
 * before each free and realloc and at the end; calloc blocks must read as
 * zero, aligned ones be aligned.  On brisk this drives the huge-block cache
 * from several threads at once: mappings split, grown, and gathered from
 * several cached ones (core/huge.c) while others are cached and taken.
 *
 * usage: stress_huge [-t threads] [-s seconds] [-S slots] [-x seed] */
#include "check.h"
#include "alloc.h"
#include "pattern.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct {
  pthread_mutex_t mu;
  unsigned char *p;
  size_t n;
  uint64_t tag;
} slot_t;

static slot_t *slots;
static size_t nslots = 24;
static int nthreads = 4;
static double seconds = 2.0;
static uint64_t seed0 = 777;
static double deadline;
static atomic_long ops_done, above16, trims;

static size_t pick_size(uint64_t *rs) { return 2 * MiB + rng_next(rs) % (22 * MiB) + rng_next(rs) % 4096; }

static void check_block(const slot_t *s, const char *when) {
  size_t bad = pat_check(s->p, s->n, s->n, s->tag);
  CHECK(bad == SIZE_MAX, "%s: byte %zu of a %zu-byte block at %p changed", when, bad, s->n, (void *)s->p);
}

static void fill_new(slot_t *s, unsigned char *p, size_t n) {
  s->p = p;
  s->n = n;
  s->tag = pat_tag(p, n);
  pat_fill(p, n, s->tag);
}

static void *worker(void *arg) {
  uint64_t rs = seed0 ^ (0x9E3779B97F4A7C15ull * (uint64_t)(uintptr_t)arg + 1);
  while (now_s() < deadline) {
    slot_t *s = &slots[rng_next(&rs) % nslots];
    unsigned op = (unsigned)(rng_next(&rs) % 100);
    pthread_mutex_lock(&s->mu);
    if (s->p != NULL) check_block(s, "before free/realloc");
    if (op < 15 && s->p != NULL) { /* realloc: contents kept up to the smaller size */
      size_t m = pick_size(&rs);
      unsigned char *q = T_realloc(s->p, m);
      CHECK(q != NULL, "realloc(%zu -> %zu)", s->n, m);
      size_t keep = m < s->n ? m : s->n;
      size_t bad = pat_check(q, s->n, keep, s->tag);
      CHECK(bad == SIZE_MAX, "realloc %zu -> %zu lost byte %zu", s->n, m, bad);
      fill_new(s, q, m);
    } else {
      if (s->p != NULL) T_free(s->p);
      s->p = NULL;
      size_t n = pick_size(&rs);
      unsigned char *p = NULL;
      if (op < 40) {
        p = T_calloc(1, n);
        CHECK(p != NULL, "calloc(%zu)", n);
        size_t bad = pat_check_zero(p, n);
        CHECK(bad == SIZE_MAX, "calloc(%zu) not zero at %zu", n, bad);
        for (size_t off = 0; off < n; off += 4096) CHECK(p[off] == 0, "calloc(%zu) not zero at %zu", n, off);
      } else if (op < 55) {
        size_t align = (size_t)4096 << (rng_next(&rs) % 12); /* 4 KiB .. 8 MiB */
        void *v = NULL;
        CHECK(T_posix_memalign(&v, align, n) == 0 && v != NULL, "posix_memalign(%zu, %zu)", align, n);
        CHECK(((uintptr_t)v & (align - 1)) == 0, "posix_memalign(%zu) gave %p", align, v);
        p = v;
      } else {
        p = T_malloc(n);
        CHECK(p != NULL, "malloc(%zu)", n);
      }
      CHECK(T_usable_size(p) >= n, "usable %zu < %zu", T_usable_size(p), n);
      for (size_t off = 0; off < n; off += 4096) p[off] = 0xA5; /* every page written */
      fill_new(s, p, n);
      if (n > 16 * MiB) atomic_fetch_add_explicit(&above16, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&s->mu);
    if (rng_next(&rs) % 200 == 0) {
      T_trim();
      atomic_fetch_add_explicit(&trims, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&ops_done, 1, memory_order_relaxed);
  }
  return NULL;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-t")) nthreads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-s")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "-S")) nslots = (size_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "-x")) seed0 = (uint64_t)atoll(argv[i + 1]);
    else CHECK(0, "unknown option %s", argv[i]);
  }
  CHECK(nthreads > 0 && nthreads <= 64 && nslots > 0, "bad arguments");
  slots = calloc(nslots, sizeof *slots);
  CHECK(slots != NULL, "slots");
  for (size_t i = 0; i < nslots; i++) pthread_mutex_init(&slots[i].mu, NULL);
  deadline = now_s() + seconds;
  pthread_t th[64];
  for (int i = 0; i < nthreads; i++)
    CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0, "pthread_create");
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  for (size_t i = 0; i < nslots; i++) {
    if (slots[i].p == NULL) continue;
    check_block(&slots[i], "at the end");
    T_free(slots[i].p);
  }
  printf("%s: %ld operations, %ld blocks above 16 MiB, %ld trims, %d threads\n", T_LIBNAME,
         atomic_load(&ops_done), atomic_load(&above16), atomic_load(&trims), nthreads);
  free(slots);
  return 0;
}
