/* SPDX-License-Identifier: MIT */
/* test/region/crash.c — deterministic crash repair: a holder dies at
 * every step of every region operation.  Built with the region sources
 * recompiled with BRISK_REGION_HOOKS=1 (region.mk): brisk_region_hook(point)
 * runs between the ordered stores of a split, a coalesce, a resize and an
 * aligned split.  For kill number k = 1, 2, ...: a child process (or, for
 * some, a thread, which then exits with pthread_exit) runs a seeded random
 * workload on a SHARED region and dies at its k-th hook call, holding the
 * lock.  The parent then checks that:
 *   - brisk_region_check repairs (the lock came back EOWNERDEAD) and is 0,
 *   - the parent's own blocks (allocated before, held across) are intact,
 *   - at most one block is unaccounted for: the region's in-use blocks are
 *     the parent's plus the dead workload's, +-1 for the one in flight,
 *   - the region allocates and frees again, and frees back to one block.
 * Every hook point must have been a death point at least once. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heaps/region.h"
#include "rt.h"

#define LEN (4u << 20)
#define KEEP 64
#define POINTS 16

/* shared with the child: mapped MAP_SHARED before fork */
struct ctl {
  volatile int armed;       /* 1 in the dying child/thread */
  volatile int target;      /* die at this hook call */
  volatile int calls;
  volatile int died_at;     /* the hook point where it died */
  volatile long live;       /* the workload's live blocks after each op */
  volatile int thread_mode; /* pthread_exit instead of SIGKILL */
};
static struct ctl *ctl;
static brisk_region_t *r;
static pthread_t dying_thread;
static __thread int dying; /* set by the workload thread itself */

void brisk_region_hook(int point) {
  if (!ctl->armed) return;
  if (ctl->thread_mode && !dying) return;
  if (++ctl->calls != ctl->target) return;
  ctl->died_at = point;
  if (ctl->thread_mode) pthread_exit(NULL); /* the lock held: owner died */
  raise(SIGKILL);
}

/* A workload that reaches every hook point: splits, exact fits, frees
 * with either neighbour free, in-place shrinks and grows, aligned splits. */
static void *workload(void *arg) {
  dying = arg != NULL;
  uint64_t rng = 77;
  char *p[32] = {0};
  long live = 0;
  for (int op = 0; op < 100000; op++) {
    int i = (int)(rt_rand(&rng) % 32);
    unsigned k = (unsigned)(rt_rand(&rng) % 10);
    size_t n = 16 + rt_rand(&rng) % 600;
    if (p[i] == NULL) {
      p[i] = k < 7 ? brisk_region_malloc(r, n) : brisk_region_aligned_alloc(r, 256, n);
      if (p[i]) live++;
    } else if (k < 5) {
      brisk_region_free(r, p[i]);
      p[i] = NULL;
      live--;
    } else {
      if (k == 9) n = brisk_region_usable_size(r, p[i]) + 8 + rt_rand(&rng) % 40; /* swallow */
      char *q = brisk_region_realloc(r, p[i], n);
      if (q) p[i] = q;
    }
    ctl->live = live;
  }
  return NULL;
}

static int run_one(int target, bool thread_mode, char **keep, size_t *keepn) {
  r = brisk_region_init(r, LEN, BRISK_REGION_SHARED);
  CHECK(r != NULL);
  for (int i = 0; i < KEEP; i++) {
    keepn[i] = 1 + (size_t)(i * 37) % 700;
    keep[i] = brisk_region_malloc(r, keepn[i]);
    CHECK(keep[i]);
    rt_fill(keep[i], keepn[i], (uint64_t)i + 1000);
  }
  for (int i = 0; i < KEEP; i += 3) { /* holes next to the parent's blocks */
    brisk_region_free(r, keep[i]);
    keep[i] = NULL;
  }
  ctl->calls = 0;
  ctl->died_at = 0;
  ctl->live = 0;
  ctl->target = target;
  ctl->thread_mode = thread_mode;
  uint64_t repairs = ((region_t *)r)->repairs;
  if (thread_mode) {
    ctl->armed = 1;
    CHECK(pthread_create(&dying_thread, NULL, workload, (void *)1) == 0);
    pthread_join(dying_thread, NULL);
    ctl->armed = 0;
  } else {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      ctl->armed = 1;
      workload(NULL);
      _exit(3); /* never reached the target */
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  }
  CHECK(ctl->died_at > 0 && ctl->died_at < POINTS);
  CHECK_CLEAN(r); /* the first lock after the death repairs */
  CHECK(((region_t *)r)->repairs == repairs + 1);
  size_t mine = 0;
  for (int i = 0; i < KEEP; i++)
    if (keep[i]) {
      CHECK(rt_verify(keep[i], keepn[i], (uint64_t)i + 1000));
      CHECK(brisk_region_usable_size(r, keep[i]) >= keepn[i]);
      mine++;
    }
  brisk_region_stats_t s = rt_stats(r);
  long dead = (long)s.blocks - (long)mine;
  CHECK(dead >= ctl->live - 1 && dead <= ctl->live + 1);
  char *x = brisk_region_malloc(r, 5000);
  CHECK(x != NULL);
  brisk_region_free(r, x);
  for (int i = 0; i < KEEP; i++) brisk_region_free(r, keep[i]);
  CHECK_CLEAN(r);
  CHECK(rt_stats(r).blocks == (size_t)dead);
  return ctl->died_at;
}

int main(void) {
  ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  r = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(ctl != MAP_FAILED && r != MAP_FAILED);
  char *keep[KEEP];
  size_t keepn[KEEP];
  int hits[POINTS] = {0}, kills = 0;
  for (int target = 1; target <= 600; target++) {
    hits[run_one(target, false, keep, keepn)]++;
    kills++;
  }
  /* the thread case: a few deaths by pthread_exit, one per point at least */
  for (int target = 1; target <= 60; target++) {
    run_one(target * 5, true, keep, keepn);
    kills++;
  }
  printf("# crash: %d deaths; per hook point:", kills);
  for (int p = 1; p < POINTS; p++) printf(" %d:%d", p, hits[p]);
  printf("\n");
  for (int p = 1; p < POINTS; p++) CHECK(hits[p] > 0);
  return 0;
}
