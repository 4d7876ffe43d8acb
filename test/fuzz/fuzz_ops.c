/* SPDX-License-Identifier: MIT */
/* fuzz_ops.c — libFuzzer harness for brisk (prefixed build: the fuzzer
 * and its sanitizers keep glibc's malloc; the harness calls brisk_*).
 *
 * The input is a program: each operation takes an opcode byte and a few
 * argument bytes (missing bytes read as 0).  Up to NSLOT blocks are live
 * at once; every block carries a pattern derived from its slot and
 * generation, written over its head, tail and sampled bytes between, and
 * verified before every free, realloc and at the end of the input
 * (one byte per 4 KiB up to 64 KiB, then per 64 KiB, to keep huge blocks
 * cheap).  Each
 * new block is checked for alignment, usable size and overlap with every
 * other live block.  A helper thread frees blocks (cross-thread frees) and
 * allocates blocks that the main thread later frees.  Any violation
 * prints one line and aborts (libFuzzer saves the input as a crash).
 *
 * Regressions: test/fuzz/regressions/ holds every input that once failed;
 * test/real/run.sh replays them (and test/fuzz/corpus/) through the same
 * harness built with gcc against build/prefix/libbrisk-prefix.a
 * (fuzz_replay.c provides main()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brisk.h"

#define NSLOT 64

typedef struct {
  unsigned char *p;
  size_t size;
  size_t align; /* alignment asked for (0: malloc's 16) */
  uint32_t seed;
} slot_t;

static slot_t slots[NSLOT];
static uint32_t generation;

static _Noreturn void die(const char *what, const void *p, size_t n) {
  fprintf(stderr, "fuzz_ops: %s (pointer %p, size %zu)\n", what, p, n);
  abort();
}

static unsigned char pat(uint32_t seed, size_t i) {
  return (unsigned char)((seed * 0x9e3779b1u) >> 24 ^ (i * 131u) ^ (i >> 12));
}

/* Apply f to the pattern positions of an n-byte block. */
#define FOR_PATTERN(n, i, body)                                          \
  do {                                                                   \
    size_t n_ = (n), i;                                                  \
    for (i = 0; i < n_ && i < 256; i++) body;                            \
    for (i = n_ > 320 ? n_ - 64 : 256; i < n_; i++) body;                \
    for (i = 4096; i + 64 < n_; i += i < 65536 ? 4096 : 65536) body;    \
  } while (0)

static void fill(slot_t *s) {
  unsigned char *p = s->p;
  uint32_t seed = s->seed;
  FOR_PATTERN(s->size, i, p[i] = pat(seed, i));
}

static void check(const slot_t *s, size_t upto) {
  const unsigned char *p = s->p;
  uint32_t seed = s->seed;
  /* The positions written for the block's size, those below upto. */
  FOR_PATTERN(s->size, i, if (i < upto && p[i] != pat(seed, i)) die("block content changed", p, i));
}

static void check_new(unsigned char *p, size_t n, size_t align, int self) {
  if (((uintptr_t)p & 15) != 0) die("block not 16-byte aligned", p, n);
  if (align > 16 && ((uintptr_t)p & (align - 1)) != 0) die("block misaligned", p, align);
  size_t u = brisk_usable_size(p);
  if (u < n) die("usable size smaller than requested", p, u);
  /* Generous bound: realloc may keep a block twice the size, large spans
   * round to 64 KiB slices, aligned blocks carry their alignment slack, and
   * a huge block may reuse a cached mapping up to 4 MiB bigger (huge.c). */
  size_t slack = (align > 16 ? align : 0) + 65536 + 4096;
  if (n + align > (1u << 20)) slack += (4u << 20) + align; /* maybe a huge block */
  if (u > 2 * n + slack) {
    fprintf(stderr, "fuzz_ops: requested %zu bytes (alignment %zu), usable %zu\n", n, align, u);
    die("usable size absurdly large", p, u);
  }
  for (int k = 0; k < NSLOT; k++) {
    if (k == self || slots[k].p == NULL) continue;
    unsigned char *q = slots[k].p;
    if (p < q + slots[k].size && q < p + (n ? n : 1)) die("block overlaps a live block", p, n);
  }
}

/* ------------------------------------------------------- helper thread */

static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int req;          /* 0 idle, 1 free slot_t job, 2 allocate */
static slot_t job;       /* block to verify + free, or the request size */
static unsigned char *reply;
static pthread_t helper_tid;
static int helper_up;

static void *helper(void *arg) {
  (void)arg;
  pthread_mutex_lock(&mx);
  for (;;) {
    while (req == 0) pthread_cond_wait(&cv, &mx);
    if (req == 1) {
      check(&job, SIZE_MAX);
      brisk_free(job.p);
    } else {
      reply = brisk_malloc(job.size);
      if (reply != NULL) memset(reply, 0, job.size < 512 ? job.size : 512);
    }
    req = 0;
    pthread_cond_broadcast(&cv);
  }
  return NULL;
}

/* Run one request on the helper thread and wait for it. */
static void helper_do(int kind, slot_t s) {
  if (!helper_up) {
    if (pthread_create(&helper_tid, NULL, helper, NULL) != 0) die("pthread_create", NULL, 0);
    helper_up = 1;
  }
  pthread_mutex_lock(&mx);
  job = s;
  req = kind;
  pthread_cond_broadcast(&cv);
  while (req != 0) pthread_cond_wait(&cv, &mx);
  pthread_mutex_unlock(&mx);
}

/* ------------------------------------------------------------ decoding */

typedef struct {
  const uint8_t *d;
  size_t n, i;
} rd_t;

static uint8_t byte(rd_t *r) { return r->i < r->n ? r->d[r->i++] : 0; }

/* Sizes spread over every size range of the allocator. */
static size_t size_arg(rd_t *r) {
  uint8_t k = byte(r);
  size_t lo = byte(r), hi = byte(r);
  size_t v = lo | hi << 8;
  switch (k % 16) {
  case 0: return 0;
  case 1: case 2: case 3: case 4: return v % 64 + 1;
  case 5: case 6: case 7: return v % 1024 + 1;
  case 8: case 9: return (v << 2) % 16384 + 1;
  case 10: return (v << 4) % (128 * 1024) + 1;
  case 11: return (v << 5) % (2 * 1024 * 1024) + 1;
  case 12: return (size_t)(k >> 4) * 65536 + v % 64; /* around slice sizes */
  case 13: return (2u << 20) + (v << 6) % (6u << 20); /* huge blocks */
  case 14: return ((size_t)1 << (v % 17)) - 1 + (k >> 7); /* powers of two +- 1 */
  default: return v;
  }
}

static void put(int k, unsigned char *p, size_t n, size_t align) {
  slots[k].p = p;
  slots[k].size = n;
  slots[k].align = align;
  slots[k].seed = ++generation * 2654435761u + (uint32_t)k;
  fill(&slots[k]);
}

static int tracing;
static void release(int k, int how) {
  slot_t *s = &slots[k];
  if (s->p == NULL) return;
  if (tracing) fprintf(stderr, "free slot %d %p (size %zu, how %d)\n", k, (void *)s->p, s->size, how);
  check(s, SIZE_MAX);
  if (how == 0) brisk_free(s->p);
  else if (how == 1) brisk_free_sized(s->p, s->size);
  else if (how == 2 && s->align > 16) brisk_free_aligned_sized(s->p, s->align, s->size);
  else if (how == 2) brisk_free_sized(s->p, s->size);
  else helper_do(1, *s);
  s->p = NULL;
}

/* FUZZ_TRACE=1 in the environment: one stderr line per operation, for
 * turning a failing input into a small C reproducer. */

#define TRACE(...) \
  do { \
    if (tracing) fprintf(stderr, __VA_ARGS__); \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rd_t r = {data, size, 0};
  int ops = 0;
  static int once;
  if (!once++) tracing = getenv("FUZZ_TRACE") != NULL;
  while (r.i < r.n && ops++ < 4096) {
    uint8_t op = byte(&r);
    int k = byte(&r) % NSLOT;
    slot_t *s = &slots[k];
    switch (op % 14) {
    case 0: case 1: { /* malloc */
      release(k, 0);
      size_t n = size_arg(&r);
      errno = 0;
      unsigned char *p = brisk_malloc(n);
      TRACE("slot %d = malloc(%zu) = %p\n", k, n, (void *)p);
      if (p == NULL) die("malloc failed", NULL, n);
      check_new(p, n, 0, k);
      put(k, p, n, 0);
      break;
    }
    case 2: { /* calloc */
      release(k, 1);
      size_t n = size_arg(&r), c = byte(&r) % 4 + 1;
      unsigned char *p = brisk_calloc(c, n / c);
      TRACE("slot %d = calloc(%zu, %zu) = %p\n", k, c, n / c, (void *)p);
      size_t t = c * (n / c);
      if (p == NULL) die("calloc failed", NULL, t);
      FOR_PATTERN(t, i, if (p[i] != 0) die("calloc memory not zero", p, i));
      check_new(p, t, 0, k);
      put(k, p, t, 0);
      break;
    }
    case 3: case 4: { /* realloc (NULL slot: like malloc; 0: frees) */
      size_t n = size_arg(&r);
      if (s->p != NULL && n == 0) {
        check(s, SIZE_MAX);
        if (brisk_realloc(s->p, 0) != NULL) die("realloc(p, 0) returned a block", s->p, 0);
        s->p = NULL;
        break;
      }
      if (s->p != NULL) check(s, SIZE_MAX);
      unsigned char *p = brisk_realloc(s->p, n);
      TRACE("slot %d = realloc(%p, %zu) = %p\n", k, (void *)s->p, n, (void *)p);
      if (p == NULL) die("realloc failed", s->p, n);
      if (s->p != NULL) {
        slot_t old = *s;
        old.p = p;
        check(&old, n); /* the common prefix moved along */
      }
      s->p = NULL;
      check_new(p, n, 0, k);
      put(k, p, n, 0);
      break;
    }
    case 5: { /* aligned */
      release(k, 2);
      size_t n = size_arg(&r);
      uint8_t b = byte(&r);
      size_t align = (size_t)1 << (b % 23); /* up to 4 MiB */
      unsigned char *p = NULL;
      switch ((b >> 5) % 4) {
      case 0: p = brisk_memalign(align, n); break;
      case 1: p = brisk_aligned_alloc(align, n); break;
      case 2: {
        void *q = NULL;
        int e = brisk_posix_memalign(&q, align < sizeof(void *) ? sizeof(void *) : align, n);
        if (e != 0) die("posix_memalign failed", NULL, n);
        p = q;
        if (align < sizeof(void *)) align = sizeof(void *);
        break;
      }
      default: p = brisk_valloc(n); align = 4096; break;
      }
      TRACE("slot %d = aligned(kind %d, align %zu, size %zu) = %p\n", k, (b >> 5) % 4, align, n,
            (void *)p);
      if (p == NULL) die("aligned allocation failed", NULL, align);
      check_new(p, n, align, k);
      put(k, p, n, align);
      break;
    }
    case 6: release(k, 0); break;
    case 7: release(k, 1); break;
    case 8: /* usable size: the whole usable area is writable */
      if (s->p != NULL) {
        check(s, SIZE_MAX);
        size_t u = brisk_usable_size(s->p);
        if (u < s->size) die("usable size shrank", s->p, u);
        if (u > s->size) {
          memset(s->p + s->size, 0xee, u - s->size > 4096 ? 4096 : u - s->size);
          s->p[u - 1] = 0xef;
        }
        check(s, SIZE_MAX);
      }
      break;
    case 9: release(k, 3); break; /* freed by the helper thread */
    case 10: { /* allocated by the helper thread, freed here later */
      release(k, 0);
      slot_t q = {NULL, size_arg(&r), 0, 0};
      helper_do(2, q);
      TRACE("slot %d = helper malloc(%zu) = %p\n", k, q.size, (void *)reply);
      if (reply == NULL) die("helper malloc failed", NULL, q.size);
      check_new(reply, q.size, 0, k);
      put(k, reply, q.size, 0);
      break;
    }
    case 11: { /* reallocarray, with an overflowing request sometimes */
      size_t c = byte(&r) % 8 + 1, n = size_arg(&r) / c;
      if (byte(&r) % 8 == 0) {
        errno = 0;
        if (brisk_reallocarray(s->p, SIZE_MAX / 2 + 1, 2 * c) != NULL || errno != ENOMEM)
          die("overflowing reallocarray succeeded", s->p, c);
        if (s->p != NULL) check(s, SIZE_MAX);
        break;
      }
      if (s->p != NULL && c * n == 0) break;
      if (s->p != NULL) check(s, SIZE_MAX);
      unsigned char *p = brisk_reallocarray(s->p, c, n);
      if (p == NULL) die("reallocarray failed", s->p, c * n);
      if (s->p != NULL) {
        slot_t old = *s;
        old.p = p;
        check(&old, c * n);
      }
      s->p = NULL;
      check_new(p, c * n, 0, k);
      put(k, p, c * n, 0);
      break;
    }
    case 12: { /* requests that must fail cleanly */
      static const size_t bad[] = {SIZE_MAX, SIZE_MAX - 4096, (size_t)PTRDIFF_MAX + 1,
                                   (size_t)PTRDIFF_MAX, (size_t)1 << 62};
      size_t n = bad[byte(&r) % 5];
      errno = 0;
      if (brisk_malloc(n) != NULL || errno != ENOMEM) die("huge malloc succeeded", NULL, n);
      errno = 0;
      if (brisk_memalign(64, n) != NULL || errno != ENOMEM) die("huge memalign succeeded", NULL, n);
      if (s->p != NULL) {
        errno = 0;
        if (brisk_realloc(s->p, n) != NULL || errno != ENOMEM) die("huge realloc succeeded", s->p, n);
        check(s, SIZE_MAX);
      }
      break;
    }
    default:
      if (byte(&r) % 16 == 0) brisk_trim();
      break;
    }
  }
  for (int k = 0; k < NSLOT; k++) release(k, k % 4 == 3 ? 3 : 0);
  return 0;
}
