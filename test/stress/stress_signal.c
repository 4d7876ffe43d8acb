/* SPDX-License-Identifier: MIT */
/* stress_signal.c — signals during allocation.  SIGALRM arrives
 * constantly (setitimer, every 50 us of real time) and a thread sends
 * SIGUSR1 to the allocating threads with pthread_kill in a tight loop,
 * while three threads and the main thread run malloc/calloc/realloc/free
 * loops with pattern checks.  The handlers do not allocate (they count and
 * clobber errno before restoring it).  No deadlock (a watchdog thread fails
 * the test after 60 s), no corruption, and signals must really have been
 * delivered.
 *
 * usage: stress_signal [-s seconds] [-C 0]   (-C 0: no calloc) */
#include "check.h"
#include "alloc.h"
#include "pattern.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/time.h>

static atomic_long nsig;
static atomic_int stop;
static double seconds = 2.0;
static int use_calloc = 1;

static void handler(int sig) {
  (void)sig;
  int saved = errno;
  errno = EINTR;
  atomic_fetch_add_explicit(&nsig, 1, memory_order_relaxed);
  errno = saved;
}

static long loop(uint64_t seed) {
  uint64_t rs = seed;
  unsigned char *p[128] = {0};
  size_t n[128];
  long ops = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    int i = (int)(rng_next(&rs) % 128);
    if (p[i]) {
      size_t bad = pat_check(p[i], n[i], n[i], pat_tag(p[i], n[i]));
      CHECK(bad == SIZE_MAX, "block corrupted at %zu", bad);
      if (rng_next(&rs) % 3 == 0) {
        size_t m = rng_size(&rs, 0);
        unsigned char *q = T_realloc(p[i], m);
        CHECK(q != NULL, "realloc");
        size_t k = pat_check(q, n[i], m, pat_tag(p[i], n[i]));
        CHECK(k == SIZE_MAX, "realloc lost contents");
        p[i] = q;
        n[i] = m;
        pat_fill(q, m, pat_tag(q, m));
      } else {
        T_free(p[i]);
        p[i] = NULL;
      }
    } else {
      n[i] = rng_size(&rs, 0);
      if (rng_next(&rs) % 5 == 0 && use_calloc) {
        p[i] = T_calloc(1, n[i]);
        CHECK(p[i] != NULL, "calloc");
        CHECK(pat_check_zero(p[i], n[i]) == SIZE_MAX, "calloc not zero");
      } else {
        p[i] = T_malloc(n[i]);
        CHECK(p[i] != NULL, "malloc");
      }
      pat_fill(p[i], n[i], pat_tag(p[i], n[i]));
    }
    ops++;
  }
  for (int i = 0; i < 128; i++) T_free(p[i]);
  return ops;
}

static atomic_long worker_ops;
static void *worker(void *arg) {
  atomic_fetch_add(&worker_ops, loop((uint64_t)(uintptr_t)arg * 977 + 3));
  return NULL;
}

static pthread_t targets[4];
static void *killer(void *arg) {
  (void)arg;
  unsigned k = 0;
  while (!atomic_load(&stop)) {
    pthread_kill(targets[k++ % 4], SIGUSR1);
    usleep(20);
  }
  return NULL;
}

static atomic_int finished;
static void *watchdog(void *arg) {
  (void)arg;
  double t0 = now_s();
  while (!atomic_load(&finished)) {
    if (now_s() - t0 > 60) {
      fprintf(stderr, "FAILED: watchdog: deadlock under signals\n");
      _exit(2);
    }
    usleep(10000);
  }
  return NULL;
}

static void *timer_stop(void *arg) {
  (void)arg;
  usleep((useconds_t)(seconds * 1e6));
  atomic_store(&stop, 1);
  return NULL;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2)
    if (!strcmp(argv[i], "-s")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "-C")) use_calloc = atoi(argv[i + 1]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  /* helper threads block the signals so they land in allocating threads */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  pthread_t wd, ts, kl;
  pthread_create(&wd, NULL, watchdog, NULL);
  pthread_create(&ts, NULL, timer_stop, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  targets[0] = pthread_self();
  for (int t = 1; t < 4; t++)
    CHECK(pthread_create(&targets[t], NULL, worker, (void *)(uintptr_t)t) == 0,
          "pthread_create");
  pthread_sigmask(SIG_BLOCK, &block, &old);
  pthread_create(&kl, NULL, killer, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  struct itimerval it = {{0, 50}, {0, 50}};
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
  long mine = loop(1);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  for (int t = 1; t < 4; t++) pthread_join(targets[t], NULL);
  pthread_join(kl, NULL);
  pthread_join(ts, NULL);
  atomic_store(&finished, 1);
  pthread_join(wd, NULL);
  long ops = mine + atomic_load(&worker_ops);
  printf("%s: %ld allocation ops in %.1f s with %ld signals delivered\n",
         T_LIBNAME, ops, seconds, atomic_load(&nsig));
  CHECK(atomic_load(&nsig) > 1000, "only %ld signals delivered",
        atomic_load(&nsig));
  CHECK(ops > 10000, "only %ld ops", ops);
  puts("ok");
  return 0;
}
