/* SPDX-License-Identifier: MIT */
/* test/region/multiproc.c — one 64 MiB memfd region shared by processes
 * that map it at different addresses.
 *   - The parent makes a SHARED region and, inside it, a control block: a
 *     ring of block offsets guarded by a robust process-shared mutex.
 *   - Four workers each map the memfd again (after a dummy mapping of
 *     their own size, so that every address differs), attach, and loop:
 *     allocate blocks, stamp them (magic, size, seed) and fill a pattern,
 *     pass them to the others through the ring by offset, pop, verify and
 *     free the others' blocks, and churn private blocks of their own.
 *   - The parent SIGKILLs churner processes (a tight malloc/free loop that
 *     holds the region lock most of the time) over and over, and one of
 *     the four workers mid-run.
 * At the end: the surviving workers found all their own blocks intact,
 * every block taken from the ring was intact, brisk_region_check is 0
 * after many repairs, and the region still allocates. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "heaps/region.h" /* the repairs counter */
#include "rt.h"

#define LEN (64u << 20)
#define WORKERS 4
#define QCAP 512
#define KILLS 1000
#define MAGIC 0x51a7e5ull

typedef struct ctl {
  pthread_mutex_t qlock;
  uint64_t head, tail; /* ring indices: slot[head % QCAP] .. tail */
  uint64_t slot[QCAP];
  volatile int stop;
  volatile uint64_t map[WORKERS + 1]; /* each process's mapping address */
  volatile uint64_t passed[WORKERS];  /* foreign blocks verified and freed */
} ctl_t;

typedef struct stamp { /* the first 32 bytes of every block */
  uint64_t magic, n, seed, owner;
} stamp_t;

static int memfd;
static uint64_t ctl_off;
static char *parent_map;

static void stamp_block(char *p, size_t n, uint64_t seed, uint64_t owner) {
  *(stamp_t *)p = (stamp_t){MAGIC, n, seed, owner};
  rt_fill(p + 32, n - 32, seed);
}
static void check_block(brisk_region_t *r, const char *p) {
  const stamp_t *s = (const stamp_t *)p;
  CHECK(s->magic == MAGIC && s->n >= 32 && brisk_region_usable_size(r, p) >= s->n);
  CHECK(rt_verify(p + 32, s->n - 32, s->seed));
}

static void qlock(ctl_t *c) {
  int e = pthread_mutex_lock(&c->qlock);
  if (e == EOWNERDEAD) e = pthread_mutex_consistent(&c->qlock); /* each step below is safe */
  CHECK(e == 0);
}
/* push: the slot is written before the tail publishes it; pop: the slot is
 * read before head moves on (a death in between leaks one block, at most). */
static bool qpush(ctl_t *c, uint64_t off) {
  qlock(c);
  bool ok = c->tail - c->head < QCAP;
  if (ok) {
    c->slot[c->tail % QCAP] = off;
    __atomic_store_n(&c->tail, c->tail + 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&c->qlock);
  return ok;
}
static uint64_t qpop(ctl_t *c) {
  qlock(c);
  uint64_t off = 0;
  if (c->head != c->tail) {
    off = c->slot[c->head % QCAP];
    __atomic_store_n(&c->head, c->head + 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&c->qlock);
  return off;
}

/* Map the memfd again at an address of this process's own, attach. */
static brisk_region_t *remap(int who) {
  void *dummy = mmap(NULL, (size_t)(who + 1) << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(dummy != MAP_FAILED);
  char *m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  CHECK(m != MAP_FAILED && m != parent_map);
  CHECK(munmap(parent_map, LEN) == 0); /* no pointer of the parent's can work now */
  brisk_region_t *r = brisk_region_attach(m);
  CHECK(r == (void *)m);
  ((ctl_t *)brisk_region_ptr(r, ctl_off))->map[who] = (uint64_t)(uintptr_t)m;
  return r;
}

static size_t rand_size(uint64_t *rng) {
  return (rt_rand(rng) % 16 == 0) ? 4096 + rt_rand(rng) % 61440 : 32 + rt_rand(rng) % 4064;
}

static void worker(int who) {
  brisk_region_t *r = remap(who);
  ctl_t *c = brisk_region_ptr(r, ctl_off);
  uint64_t rng = 0xabcdef + (uint64_t)who * 1000003, seq = 0;
  char *own[32] = {0};
  while (!c->stop) {
    unsigned k = (unsigned)(rt_rand(&rng) % 10);
    if (k < 4) { /* make a block for someone else */
      size_t n = rand_size(&rng);
      char *p = brisk_region_malloc(r, n);
      if (p == NULL) continue; /* full for now */
      stamp_block(p, n, (uint64_t)who << 40 | ++seq, (uint64_t)who);
      if (!qpush(c, brisk_region_offset(r, p))) brisk_region_free(r, p);
    } else if (k < 8) { /* take one, verify, free */
      uint64_t off = qpop(c);
      if (off == 0) continue;
      char *p = brisk_region_ptr(r, off);
      check_block(r, p);
      brisk_region_free(r, p);
      c->passed[who]++;
    } else { /* churn private blocks */
      int i = (int)(rt_rand(&rng) % 32);
      if (own[i]) {
        check_block(r, own[i]);
        stamp_t old = *(stamp_t *)own[i];
        size_t m = rand_size(&rng);
        char *q = brisk_region_realloc(r, own[i], m);
        if (q) { /* the kept prefix moved with it */
          CHECK(rt_verify(q + 32, (old.n < m ? old.n : m) - 32, old.seed));
          stamp_block(q, m, (uint64_t)who << 40 | ++seq, (uint64_t)who);
          own[i] = q;
        }
        if (k == 9) {
          brisk_region_free(r, own[i]);
          own[i] = NULL;
        }
      } else {
        size_t n = rand_size(&rng);
        own[i] = brisk_region_malloc(r, n);
        if (own[i]) stamp_block(own[i], n, (uint64_t)who << 40 | ++seq, (uint64_t)who);
      }
    }
  }
  for (int i = 0; i < 32; i++)
    if (own[i]) {
      check_block(r, own[i]);
      brisk_region_free(r, own[i]);
    }
  _exit(0);
}

/* A tight loop that holds the region lock most of the time: killed at a
 * random moment, it dies inside a split, a coalesce, ... */
static void churner(int ready) {
  brisk_region_t *r = remap(WORKERS);
  CHECK(write(ready, "", 1) == 1);
  uint64_t rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
  char *p[16] = {0};
  for (;;) {
    int i = (int)(rt_rand(&rng) % 16);
    brisk_region_free(r, p[i]);
    p[i] = (rt_rand(&rng) & 7) ? brisk_region_malloc(r, 16 + rt_rand(&rng) % 1024)
                               : brisk_region_aligned_alloc(r, 512, 100);
  }
}

int main(void) {
  memfd = memfd_create("brisk-region-test", 0);
  CHECK(memfd >= 0 && ftruncate(memfd, LEN) == 0);
  parent_map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  CHECK(parent_map != MAP_FAILED);
  brisk_region_t *r = brisk_region_init(parent_map, LEN, BRISK_REGION_SHARED);
  CHECK(r != NULL);
  ctl_t *c = brisk_region_calloc(r, 1, sizeof *c);
  CHECK(c != NULL);
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  CHECK(pthread_mutex_init(&c->qlock, &a) == 0);
  ctl_off = brisk_region_offset(r, c);

  pid_t w[WORKERS];
  for (int i = 0; i < WORKERS; i++) {
    w[i] = fork();
    CHECK(w[i] >= 0);
    if (w[i] == 0) worker(i);
  }
  uint64_t rng = 12345;
  int ready[2];
  CHECK(pipe(ready) == 0);
  for (int k = 0; k < KILLS; k++) {
    pid_t ch = fork();
    CHECK(ch >= 0);
    if (ch == 0) churner(ready[1]);
    char b;
    CHECK(read(ready[0], &b, 1) == 1); /* it is in its loop now */
    struct timespec ts = {0, (long)(rt_rand(&rng) % 2000000)};
    nanosleep(&ts, NULL);
    CHECK(kill(ch, SIGKILL) == 0);
    int st;
    CHECK(waitpid(ch, &st, 0) == ch && WIFSIGNALED(st));
    if (k == KILLS / 2) CHECK(kill(w[0], SIGKILL) == 0); /* a worker, mid-run */
    if (k % 50 == 49) CHECK_CLEAN(r);
  }
  c->stop = 1;
  for (int i = 0; i < WORKERS; i++) {
    int st;
    CHECK(waitpid(w[i], &st, 0) == w[i]);
    if (i == 0)
      CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    else
      CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* its own blocks were intact */
  }
  CHECK_CLEAN(r);
  /* every process saw the region at its own address */
  for (int i = 0; i <= WORKERS; i++) {
    CHECK(c->map[i] != 0 && c->map[i] != (uint64_t)(uintptr_t)parent_map);
    for (int j = 0; j < i; j++) CHECK(c->map[i] != c->map[j]);
  }
  /* blocks still in the ring, some made by the dead, are intact */
  size_t left = 0;
  for (uint64_t off; (off = qpop(c)) != 0; left++) {
    check_block(r, brisk_region_ptr(r, off));
    brisk_region_free(r, brisk_region_ptr(r, off));
  }
  uint64_t passed = 0;
  for (int i = 0; i < WORKERS; i++) passed += c->passed[i];
  CHECK(passed > 1000);
  CHECK_CLEAN(r);
  void *big = brisk_region_malloc(r, 8u << 20);
  CHECK(big != NULL);
  brisk_region_free(r, big);
  uint64_t repairs = ((region_t *)r)->repairs;
  CHECK(repairs > 0);
  brisk_region_stats_t s = rt_stats(r);
  printf("# multiproc: %d churners and 1 worker killed, %llu repairs, %llu blocks passed "
         "between processes, %zu left in the ring; %zu blocks (%zu KiB) leaked by the dead\n",
         KILLS, (unsigned long long)repairs, (unsigned long long)passed, left, s.blocks - 1,
         (s.used - 0) / 1024);
  return 0;
}
