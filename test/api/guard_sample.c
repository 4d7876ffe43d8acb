/* SPDX-License-Identifier: MIT */
/* guard_sample.c — BRISK_GUARD_SAMPLE (safety/guard.h): sampled blocks
 * behave like any other, and sampling really happens.
 *
 * Runs with the sidecar's BRISK_GUARD_SAMPLE=1 (every allocation up to
 * 4096 bytes is sampled while the pool has a slot), then runs itself
 * again with BRISK_GUARD_SAMPLE=7 (a mix of pool and heap blocks).  Each
 * run: blocks of every size up to 4096 (and a few bigger) written and
 * verified, malloc_usable_size >= the request, realloc across the pool /
 * heap boundary both ways, calloc zeroed also from reused slots, every
 * block freed, four threads allocating and freeing each other's blocks,
 * fork children (some forked while the threads run) that keep
 * allocating, and brisk's statistics exact over sampled blocks.
 * Brisk-only checks: with N=1 a block that is freed at once is always
 * sampled (it ends on a page end, before an unreadable page); with N=7
 * about one in 7 is; at N=1 a forked child
 * writing one byte past a 32-byte block, or reading a freed one, dies by
 * SIGSEGV with brisk's one-line report.  On glibc only the portable
 * checks run. */
#include "check.h"
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>

#include "brisk.h"

static int brisk; /* on_brisk() */
static long rate; /* BRISK_GUARD_SAMPLE of this run */

static uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

/* Whether a can be read (a write from it into a pipe fails with EFAULT
 * when it cannot: a probe that does not fault). */
static int probe[2];
static int readable(const void *a) {
  if (write(probe[1], a, 1) != 1) return 0;
  char c;
  CHECK(read(probe[0], &c, 1) == 1, "read back the probe");
  return 1;
}

/* A sampled block: it ends on a page end, and the page after it is a
 * guard page (heap blocks may end on a page end too, never before an
 * inaccessible page). */
static int guarded(const void *p) {
  uintptr_t end = (uintptr_t)p + malloc_usable_size((void *)p);
  return (end & 4095) == 0 && !readable((const void *)end);
}

/* Pattern: byte i of a block with tag t (a prefix keeps it: realloc). */
static unsigned char pat(size_t i, unsigned t) { return (unsigned char)(t * 31 + i * 7 + (i >> 8)); }
static void fill(unsigned char *p, size_t n, unsigned t) {
  for (size_t i = 0; i < n; i++) p[i] = pat(i, t);
}
static void verify(const unsigned char *p, size_t n, unsigned t, const char *what) {
  for (size_t i = 0; i < n; i++)
    CHECK(p[i] == pat(i, t), "%s: byte %zu of a %zu-byte block %p changed", what, i, n, (void *)p);
}

/* Sizes to cover: edges of the rounding, of the fast path, of the page. */
static size_t size_of(uint64_t r) {
  static const size_t edge[] = {0, 1, 15, 16, 17, 24, 32, 33, 1023, 1024, 1025, 2048, 4080, 4095, 4096};
  if (r % 4 == 0) return edge[(r >> 8) % (sizeof edge / sizeof edge[0])];
  return (r >> 8) % 4097;
}

/* ------------------------------------------------------------ the checks */

/* Many live blocks of every size, verified, then freed; then blocks freed
 * at once, of which the sampled ones end on a page end. */
static void sizes(void) {
  enum { LIVE = 700 };
  static unsigned char *v[LIVE];
  static size_t len[LIVE];
  uint64_t s = 0x9e3779b97f4a7c15u;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < LIVE; i++) {
      len[i] = i % 50 == 49 ? 4097 + (size_t)i * 3 : size_of(rng_next(&s));
      v[i] = malloc(len[i]);
      CHECK(v[i] != NULL, "malloc(%zu)", len[i]);
      CHECK(((uintptr_t)v[i] & 15) == 0, "malloc(%zu) = %p: not 16-byte aligned", len[i], (void *)v[i]);
      CHECK(malloc_usable_size(v[i]) >= len[i], "usable %zu < %zu", malloc_usable_size(v[i]), len[i]);
      fill(v[i], len[i], (unsigned)i);
    }
    for (int i = 0; i < LIVE; i++) verify(v[i], len[i], (unsigned)i, "live block");
    for (int i = round; i < LIVE; i += 2) free(v[i]);
    for (int i = 1 - round % 2; i < LIVE; i += 2) {
      verify(v[i], len[i], (unsigned)i, "after other frees");
      free(v[i]);
    }
  }
  int n = 4000, ends = 0;
  for (int i = 0; i < n; i++) {
    size_t sz = 1 + rng_next(&s) % 4096;
    unsigned char *p = malloc(sz);
    CHECK(p != NULL, "malloc(%zu)", sz);
    ends += guarded(p);
    fill(p, sz, 5);
    verify(p, sz, 5, "short-lived block");
    free(p);
  }
  NOTE("N=%ld: %d of %d short-lived blocks sampled", rate, ends, n);
  if (!brisk) return;
  if (rate == 1) CHECK(ends == n, "N=1: only %d of %d blocks were sampled", ends, n);
  if (rate == 7)
    CHECK(ends > n / 20 && ends < n / 3, "N=7: %d of %d blocks sampled, want about 1/7", ends, n);
}

static void reallocs(void) {
  unsigned char *p = malloc(100);
  CHECK(p != NULL, "malloc(100)");
  if (brisk && rate == 1) CHECK(guarded(p), "N=1: malloc(100) = %p not sampled", (void *)p);
  fill(p, 100, 1);
  unsigned char *q = realloc(p, 10000); /* pool -> heap */
  CHECK(q != NULL, "realloc(p, 10000)");
  verify(q, 100, 1, "realloc pool -> heap");
  fill(q, 10000, 2);
  unsigned char *r = realloc(q, 200); /* heap -> pool (a smaller class: it moves) */
  CHECK(r != NULL, "realloc(q, 200)");
  verify(r, 200, 2, "realloc heap -> pool");
  if (brisk && rate == 1) CHECK(guarded(r), "N=1: realloc to 200 bytes = %p not sampled", (void *)r);
  fill(r, 200, 3);
  r = realloc(r, 3000); /* grow within the pool's sizes */
  CHECK(r != NULL, "realloc(r, 3000)");
  verify(r, 200, 3, "realloc grow");
  fill(r, 3000, 4);
  r = realloc(r, 40); /* shrink */
  CHECK(r != NULL, "realloc(r, 40)");
  verify(r, 40, 4, "realloc shrink");
  CHECK(malloc_usable_size(r) >= 40, "usable %zu", malloc_usable_size(r));
  CHECK(realloc(r, 0) == NULL, "realloc(r, 0) frees");
  for (int i = 0; i < 300; i++) { /* chains through both sides */
    size_t a = 1 + (size_t)i * 13 % 4096, b = 1 + (size_t)i * 29 % 6000;
    unsigned char *x = malloc(a);
    fill(x, a, 9);
    x = realloc(x, b);
    CHECK(x != NULL, "realloc(%zu -> %zu)", a, b);
    verify(x, a < b ? a : b, 9, "realloc chain");
    free(x);
  }
}

static void callocs(void) {
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < 600; i++) { /* dirty slots go back to the quarantine */
      unsigned char *p = malloc(1 + (size_t)i * 7 % 4096);
      memset(p, 0xAB, malloc_usable_size(p));
      free(p);
    }
    for (int i = 0; i < 300; i++) {
      size_t n = i % 3 == 0 ? 3000 : i % 3 == 1 ? 1000 : 4096; /* slow and fast calloc paths */
      unsigned char *p = i % 2 ? calloc(1, n) : calloc(n / 8, 8);
      CHECK(p != NULL, "calloc %zu", n);
      for (size_t j = 0; j < n; j++)
        CHECK(p[j] == 0, "calloc(%zu) byte %zu is %#x (p %p)", n, j, p[j], (void *)p);
      memset(p, 0xCD, n);
      free(p);
    }
  }
}

/* Statistics: sampled blocks counted like others (exact at N=1, where
 * every one takes the slow path). */
static void stats(void) {
  int (*get)(brisk_stats_t *) = (int (*)(brisk_stats_t *))dlsym(RTLD_DEFAULT, "brisk_stats_get");
  if (!brisk || get == NULL || rate != 1) return;
  enum { K = 100 };
  void *v[K];
  brisk_stats_t a, b, c;
  get(&a);
  size_t sum = 0;
  for (int i = 0; i < K; i++) {
    v[i] = malloc(24 + (size_t)i * 40);
    sum += malloc_usable_size(v[i]);
  }
  get(&b);
  for (int i = 0; i < K; i++) free(v[i]);
  get(&c);
  CHECK(b.allocated - a.allocated == sum, "allocated grew by %llu, blocks hold %zu",
        (unsigned long long)(b.allocated - a.allocated), sum);
  CHECK(c.allocated == a.allocated, "allocated %llu after the frees, %llu before",
        (unsigned long long)c.allocated, (unsigned long long)a.allocated);
  CHECK(b.malloc_calls - a.malloc_calls == K, "malloc_calls grew by %llu",
        (unsigned long long)(b.malloc_calls - a.malloc_calls));
  CHECK(c.free_calls - b.free_calls == K, "free_calls grew by %llu",
        (unsigned long long)(c.free_calls - b.free_calls));
  struct mallinfo2 m1 = mallinfo2();
  void *p = malloc(1000);
  struct mallinfo2 m2 = mallinfo2();
  free(p);
  CHECK(m2.uordblks - m1.uordblks == 1008, "mallinfo2: in use grew by %zu for a sampled 1000-byte block",
        m2.uordblks - m1.uordblks);
}

/* ------------------------------------------------------------- threads */

enum { THREADS = 4, XCHG = 64 };
static _Atomic(unsigned char *) xchg[XCHG];
static atomic_int stop;

/* A block carries its size in its first 4 bytes, then a pattern. */
static unsigned char *tagged(size_t n) {
  unsigned char *p = malloc(n);
  CHECK(p != NULL, "malloc(%zu)", n);
  memcpy(p, &(uint32_t){(uint32_t)n}, 4);
  fill(p + 4, n - 4, (unsigned)n);
  return p;
}
static void untag(unsigned char *p) {
  uint32_t n;
  memcpy(&n, p, 4);
  CHECK(n >= 8 && n <= 4096, "block %p: size word %u damaged", (void *)p, n);
  verify(p + 4, n - 4, n, "cross-thread block");
  free(p);
}

static void *churn(void *arg) {
  uint64_t s = 0x1234567u + (uintptr_t)arg * 0x9e3779b9u;
  long iters = (long)(uintptr_t)arg >= 100 ? -1 : 20000;
  for (long i = 0; iters < 0 ? !atomic_load(&stop) : i < iters; i++) {
    uint64_t r = rng_next(&s);
    unsigned char *p = tagged(8 + (r >> 20) % 4089);
    if (r & 1) { /* hand it to whichever thread takes the slot next */
      unsigned char *old = atomic_exchange(&xchg[(r >> 8) % XCHG], p);
      if (old) untag(old);
    } else {
      untag(p);
    }
  }
  return NULL;
}

static void threads(void) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    CHECK(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)i) == 0, "pthread_create");
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < XCHG; i++) {
    unsigned char *p = atomic_exchange(&xchg[i], NULL);
    if (p) untag(p);
  }
}

/* -------------------------------------------------------------- fork */

/* Run fn in a child; returns its wait status; its stderr into err. */
static int in_child(void (*fn)(void), char *err, size_t errlen) {
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0, "fork");
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    fn();
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  ssize_t k;
  while (got + 1 < errlen && (k = read(fds[0], err + got, errlen - 1 - got)) > 0) got += (size_t)k;
  err[got] = 0;
  close(fds[0]);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
  return st;
}

static void child_works(void) {
  uint64_t s = 77;
  unsigned char *v[300];
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < 300; i++) v[i] = tagged(8 + rng_next(&s) % 4089);
    for (int i = 0; i < 300; i++) untag(v[i]);
  }
  unsigned char *p = malloc(64);
  if (brisk && rate == 1 && !guarded(p)) _exit(3); /* the child still samples */
  free(p);
}

static void child_overflow(void) {
  volatile unsigned char *p = malloc(32);
  if (!guarded((void *)p)) _exit(3);
  p[31] = 1;
  p[32] = 1; /* the guard page */
  _exit(4);
}

static void child_uaf(void) {
  volatile unsigned char *p = malloc(24);
  if (!guarded((void *)p)) _exit(3);
  p[0] = 7;
  free((void *)p);
  (void)p[5]; /* its page is PROT_NONE now */
  _exit(4);
}

static void expect_segv(void (*fn)(void), const char *want) {
  char err[1024];
  int st = in_child(fn, err, sizeof err);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "child: status %#x (want SIGSEGV), stderr: %s", st, err);
  CHECK(strstr(err, want) != NULL, "child's stderr '%s' lacks '%s'", err, want);
  CHECK(strchr(err, '\n') == strrchr(err, '\n'), "child's stderr is more than one line: %s", err);
}

static void forks(void) {
  char err[1024];
  int st = in_child(child_works, err, sizeof err);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: status %#x, stderr: %s", st, err);
  /* fork while threads allocate and free sampled blocks: the child keeps
   * using the pool (the quarantine is repaired in the child) */
  pthread_t t[2];
  atomic_store(&stop, 0);
  for (int i = 0; i < 2; i++) /* (an argument >= 100: run until stop) */
    CHECK(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(100 + i)) == 0, "pthread_create");
  for (int i = 0; i < 20; i++) {
    st = in_child(child_works, err, sizeof err);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status %#x, stderr: %s", i, st, err);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < XCHG; i++) {
    unsigned char *p = atomic_exchange(&xchg[i], NULL);
    if (p) untag(p);
  }
  if (brisk && rate == 1) {
    expect_segv(child_overflow, "brisk: guarded sample: heap overflow of a 32-byte block (block 0x");
    expect_segv(child_uaf, "brisk: guarded sample: use after free of a 24-byte block (block 0x");
  }
}

int main(int argc, char **argv) {
  brisk = on_brisk();
  CHECK(pipe(probe) == 0, "pipe");
  const char *r = getenv("BRISK_GUARD_SAMPLE");
  rate = r ? atol(r) : 0;
  NOTE("%s, BRISK_GUARD_SAMPLE=%ld", brisk ? "brisk" : "libc", rate);
  sizes();
  reallocs();
  callocs();
  stats();
  threads();
  forks();
  sizes(); /* after the threads and forks, the pool still serves */
  if (rate == 1 && (argc < 2 || strcmp(argv[1], "again") != 0)) {
    /* the second setting: this program again, with N=7 */
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
      setenv("BRISK_GUARD_SAMPLE", "7", 1);
      execl("/proc/self/exe", argv[0], "again", (char *)NULL);
      _exit(127);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the run with BRISK_GUARD_SAMPLE=7: status %#x", st);
  }
  puts("ok");
  return 0;
}
