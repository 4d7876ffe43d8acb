/* SPDX-License-Identifier: MIT */
/* soak.c — a long mixed multithreaded workload with a bounded live set,
 * to check that brisk's RSS stays bounded in steady state.
 *
 * T worker threads each own NSLOT slots.  Every operation picks a slot and
 * replaces, reallocates or hands off its block: sizes follow a skewed mix
 * (mostly small, some medium and large, rarely huge), some blocks are
 * calloc'ed or aligned, and one block in eight is passed to the next
 * thread, which frees it (cross-thread frees).  Every block starts with a
 * header (size, seed) and carries a pattern that is verified before it is
 * freed or reallocated.  The live set is bounded by construction, so after
 * a warm-up RSS must stop growing.
 *
 * The main thread samples RSS (/proc/self/statm) every -i seconds and
 * prints each sample.  Verdict: with the samples after warm-up (the first
 * 20% of the run, at least 10 s) split into halves, PASS if the largest
 * RSS in the second half is at most 1.1x the largest in the first half
 * (plus 4 MiB of slack for small processes).
 * Usage: soak [-s seconds] [-t threads] [-i interval_s]
 * Run with LD_PRELOAD=build/libbrisk.so (make soak) or without (glibc).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NSLOT 1024
#define MAXT 16
#define QCAP 4096

typedef struct {
  size_t size;
  uint32_t seed;
  uint32_t align;
} hdr_t;

typedef struct {
  pthread_mutex_t mu;
  void *q[QCAP];
  int n;
} inbox_t;

static inbox_t inbox[MAXT];
static int nthreads = 4;
static atomic_int stop;
static atomic_long total_ops, total_remote, live_bytes;

static _Noreturn void die(const char *msg, const void *p) {
  fprintf(stderr, "soak: FAIL: %s (%p)\n", msg, p);
  abort();
}

static uint32_t rnd(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*s >> 33);
}

static unsigned char pat(uint32_t seed, size_t i) { return (unsigned char)(seed ^ (i * 251u) ^ (i >> 9)); }

/* Pattern over the bytes after the header: head, tail and every 1 KiB. */
#define FOR_PAT(n, i, body)                                              \
  do {                                                                   \
    size_t n_ = (n), i;                                                  \
    for (i = sizeof(hdr_t); i < n_ && i < 128; i++) body;                \
    for (i = n_ > 160 ? n_ - 32 : n_; i < n_; i++) body;                 \
    for (i = 1024; i < n_; i += 1024) body;                              \
  } while (0)

static void stamp(unsigned char *p, size_t n, uint32_t seed, uint32_t align) {
  hdr_t h = {n, seed, align};
  memcpy(p, &h, sizeof h);
  FOR_PAT(n, i, p[i] = pat(seed, i));
}

static size_t verify(const unsigned char *p) {
  hdr_t h;
  memcpy(&h, p, sizeof h);
  if (h.size < sizeof(hdr_t) || h.size > (64u << 20)) die("corrupted block header", p);
  if (h.align && ((uintptr_t)p & (h.align - 1))) die("misaligned block", p);
  FOR_PAT(h.size, i, if (p[i] != pat(h.seed, i)) die("block content changed", p));
  return h.size;
}

static size_t pick_size(uint64_t *s) {
  uint32_t r = rnd(s), k = r % 1000;
  if (k < 700) return 16 + r % 256;
  if (k < 900) return 256 + r % 4096;
  if (k < 980) return 4096 + r % 65536;
  if (k < 998) return 65536 + r % (1u << 20);
  return (2u << 20) + r % (4u << 20); /* huge */
}

static void release(unsigned char *p) {
  size_t n = verify(p);
  atomic_fetch_sub(&live_bytes, (long)n);
  free(p);
}

static unsigned char *make(uint64_t *s, uint32_t *align_out) {
  size_t n = pick_size(s);
  uint32_t r = rnd(s), align = 0;
  unsigned char *p;
  if (r % 16 == 0) {
    align = 1u << (4 + r / 16 % 13); /* 16 .. 64 KiB */
    if (posix_memalign((void **)&p, align, n) != 0) p = NULL;
  } else if (r % 16 == 1) {
    p = calloc(1, n);
    if (p)
      for (size_t i = 0; i < n; i += 512)
        if (p[i] != 0) die("calloc memory not zero", p);
  } else {
    p = malloc(n);
  }
  if (p == NULL) die("allocation failed", NULL);
  stamp(p, n, r, align);
  atomic_fetch_add(&live_bytes, (long)n);
  *align_out = align;
  return p;
}

static void drain(int self) {
  void *local[QCAP];
  int n;
  pthread_mutex_lock(&inbox[self].mu);
  n = inbox[self].n;
  memcpy(local, inbox[self].q, (size_t)n * sizeof(void *));
  inbox[self].n = 0;
  pthread_mutex_unlock(&inbox[self].mu);
  for (int i = 0; i < n; i++) release(local[i]);
  atomic_fetch_add(&total_remote, n);
}

static void *worker(void *arg) {
  int self = (int)(intptr_t)arg;
  uint64_t s = 0x1234567ull * (uint64_t)(self + 1);
  unsigned char **slot = calloc(NSLOT, sizeof *slot);
  long ops = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    for (int burst = 0; burst < 256; burst++) {
      unsigned i = rnd(&s) % NSLOT;
      uint32_t r = rnd(&s) % 16, align;
      if (slot[i] != NULL && r < 3) { /* realloc */
        size_t old = verify(slot[i]);
        size_t n = pick_size(&s);
        unsigned char *q = realloc(slot[i], n);
        if (q == NULL) die("realloc failed", slot[i]);
        hdr_t h;
        memcpy(&h, q, sizeof h);
        if (h.size != old) die("realloc lost the header", q);
        atomic_fetch_add(&live_bytes, (long)n - (long)old);
        stamp(q, n, h.seed + 1, 0);
        slot[i] = q;
      } else if (slot[i] != NULL && r < 5) { /* hand off to the next thread */
        int to = (self + 1) % nthreads;
        pthread_mutex_lock(&inbox[to].mu);
        if (inbox[to].n < QCAP) {
          inbox[to].q[inbox[to].n++] = slot[i];
          slot[i] = NULL;
        }
        pthread_mutex_unlock(&inbox[to].mu);
        if (slot[i] == NULL) slot[i] = make(&s, &align);
      } else {
        if (slot[i] != NULL) release(slot[i]);
        slot[i] = make(&s, &align);
      }
      ops++;
    }
    drain(self);
  }
  for (int i = 0; i < NSLOT; i++)
    if (slot[i]) release(slot[i]);
  free(slot);
  atomic_fetch_add(&total_ops, ops);
  return NULL;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long a = 0, b = 0;
  if (f == NULL || fscanf(f, "%ld %ld", &a, &b) != 2) die("cannot read /proc/self/statm", NULL);
  fclose(f);
  return b * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv) {
  double secs = 600, interval = 5;
  int opt;
  while ((opt = getopt(argc, argv, "s:t:i:")) != -1) {
    if (opt == 's') secs = atof(optarg);
    else if (opt == 't') nthreads = atoi(optarg);
    else if (opt == 'i') interval = atof(optarg);
  }
  if (nthreads < 1 || nthreads > MAXT) nthreads = 4;
  if (interval > secs / 8) interval = secs / 8 > 0.5 ? secs / 8 : 0.5;
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 0; i < MAXT; i++) pthread_mutex_init(&inbox[i].mu, NULL);
  pthread_t th[MAXT];
  for (int i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
  int cap = (int)(secs / interval) + 4, n = 0;
  long *rss = calloc((size_t)cap, sizeof(long));
  double *at = calloc((size_t)cap, sizeof(double));
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  printf("soak: %d threads, %.0f s, RSS sampled every %.1f s\n", nthreads, secs, interval);
  for (;;) {
    struct timespec d = {(time_t)interval, (long)((interval - (long)interval) * 1e9)};
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t);
    double el = (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
    if (n < cap) {
      rss[n] = rss_kib();
      at[n] = el;
      printf("sample %3d  t=%6.1f s  rss=%7ld KiB  live=%7ld KiB\n", n, el, rss[n],
             atomic_load(&live_bytes) / 1024);
      n++;
    }
    if (el >= secs) break;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < nthreads; i++) drain(i);
  double warm = secs * 0.2 < 10 ? 10 : secs * 0.2;
  int first = 0;
  while (first < n && at[first] < warm) first++;
  int m = n - first;
  if (m < 4) {
    printf("soak: FAIL: only %d samples after the %.0f s warm-up (run longer)\n", m, warm);
    return 1;
  }
  long max1 = 0, max2 = 0;
  for (int i = first; i < first + m / 2; i++) max1 = rss[i] > max1 ? rss[i] : max1;
  for (int i = first + m / 2; i < n; i++) max2 = rss[i] > max2 ? rss[i] : max2;
  long limit = max1 + max1 / 10 + 4096;
  printf("soak: %ld ops, %ld cross-thread frees; after warm-up (%.0f s): max RSS first half "
         "%ld KiB, second half %ld KiB (limit %ld KiB)\n",
         atomic_load(&total_ops), atomic_load(&total_remote), warm, max1, max2, limit);
  if (max2 > limit) {
    printf("soak: FAIL: RSS still growing in steady state\n");
    return 1;
  }
  printf("soak: PASS\n");
  return 0;
}
