/* SPDX-License-Identifier: MIT */
/* stress_fork.c — fork while other threads allocate.
 * Phase 1: four threads run malloc/realloc/free loops (with pattern checks)
 * while the main thread forks repeatedly; each child (alarm(10) turns a
 * deadlock into SIGALRM) allocates and frees blocks of all sizes, starts a
 * thread that does the same, and exits 0 through exit().  The parent checks
 * every child's status and that its own threads still verify their blocks.
 * Phase 2: a thread sends SIGUSR1 to the main thread, which is allocating;
 * the handler calls fork() (async-signal-safe), the child _exit(0)s at once.
 * The parent must not deadlock in fork even when the signal arrives inside
 * malloc (a watchdog thread fails the test after 60 s).  Phase 2 is a
 * brisk contract: glibc 2.36 deadlocks there (its fork handler waits for the
 * arena lock held by the interrupted free), so it is skipped on glibc.
 *
 * usage: stress_fork [-f forks] [-g signal_forks] */
#include "check.h"
#include "alloc.h"
#include "pattern.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

static atomic_int stop_workers;
static atomic_long worker_ops;

static void *worker(void *arg) {
  uint64_t rs = (uint64_t)(uintptr_t)arg * 1000003 + 5;
  unsigned char *p[64] = {0};
  size_t n[64];
  uint64_t tag[64];
  while (!atomic_load_explicit(&stop_workers, memory_order_relaxed)) {
    int i = (int)(rng_next(&rs) % 64);
    if (p[i]) {
      size_t bad = pat_check(p[i], n[i], n[i], tag[i]);
      CHECK(bad == SIZE_MAX, "worker block corrupted at %zu", bad);
      if (rng_next(&rs) % 4 == 0) {
        size_t m = rng_size(&rs, 0);
        unsigned char *q = T_realloc(p[i], m);
        CHECK(q != NULL, "realloc");
        bad = pat_check(q, n[i], m, tag[i]);
        CHECK(bad == SIZE_MAX, "realloc lost contents at %zu", bad);
        pat_fill(q, m, tag[i]);
        p[i] = q;
        n[i] = m;
        continue;
      }
      T_free(p[i]);
      p[i] = NULL;
    } else {
      n[i] = rng_size(&rs, 0);
      p[i] = T_malloc(n[i]);
      CHECK(p[i] != NULL, "malloc(%zu)", n[i]);
      tag[i] = pat_tag(p[i], n[i]);
      pat_fill(p[i], n[i], tag[i]);
    }
    atomic_fetch_add_explicit(&worker_ops, 1, memory_order_relaxed);
  }
  for (int i = 0; i < 64; i++) T_free(p[i]);
  return NULL;
}

static void child_work(uint64_t seed) {
  uint64_t rs = seed;
  unsigned char *v[200];
  size_t n[200];
  for (int i = 0; i < 200; i++) {
    n[i] = rng_size(&rs, 1);
    v[i] = T_malloc(n[i]);
    if (!v[i]) _exit(3);
    pat_fill(v[i], n[i], pat_tag(v[i], n[i]));
  }
  for (int i = 0; i < 200; i++) {
    if (pat_check(v[i], n[i], n[i], pat_tag(v[i], n[i])) != SIZE_MAX)
      _exit(4);
    T_free(v[i]);
  }
}

static void *child_thread(void *arg) {
  child_work((uint64_t)(uintptr_t)arg);
  return NULL;
}

static atomic_long handler_forks, handler_fork_failures;

static void on_usr1(int sig) {
  (void)sig;
  int saved = errno;
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  if (pid > 0) {
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    atomic_fetch_add(&handler_forks, 1);
  } else {
    atomic_fetch_add(&handler_fork_failures, 1);
  }
  errno = saved;
}

static atomic_int done_flag;
static void *watchdog(void *arg) {
  double limit = *(double *)arg, t0 = now_s();
  while (!atomic_load(&done_flag)) {
    if (now_s() - t0 > limit) {
      fprintf(stderr, "FAILED: watchdog: no progress after %.0f s (deadlock "
              "around fork?)\n", limit);
      _exit(2);
    }
    usleep(10000);
  }
  return NULL;
}

static atomic_int sender_stop;
static pthread_t main_tid;
static void *sender(void *arg) {
  (void)arg;
  while (!atomic_load(&sender_stop)) {
    pthread_kill(main_tid, SIGUSR1);
    usleep(2000);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int forks = 200, sigforks = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-f")) forks = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-g")) sigforks = atoi(argv[i + 1]);
  }
  static double limit = 60;
  pthread_t wd;
  pthread_create(&wd, NULL, watchdog, &limit);
  pthread_t th[4];
  for (int t = 0; t < 4; t++)
    CHECK(pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)(t + 1)) ==
          0, "pthread_create");
  fflush(stdout);
  fflush(stderr);
  for (int f = 0; f < forks; f++) {
    /* the main thread allocates too, so fork can hit it mid-operation */
    void *keep = T_malloc((size_t)(f % 100) * 100 + 1);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork failed: %s", strerror(errno));
    if (pid == 0) {
      alarm(10);
      child_work((uint64_t)f * 31 + 7);
      pthread_t ct;
      if (pthread_create(&ct, NULL, child_thread, (void *)(uintptr_t)f))
        _exit(5);
      pthread_join(ct, NULL);
      T_free(keep);
      exit(0);
    }
    T_free(keep);
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(!(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM),
          "child %d deadlocked after fork (killed by SIGALRM)", f);
    CHECK(WIFEXITED(st), "child %d died by signal %d", f,
          WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    CHECK(WEXITSTATUS(st) == 0, "child %d exited %d", f, WEXITSTATUS(st));
  }
  long ops1 = atomic_load(&worker_ops);
  if (!on_brisk()) {
    NOTE("not on brisk: fork-from-signal-handler phase skipped (glibc "
         "deadlocks)");
    sigforks = 0;
  }

  /* phase 2: fork from a signal handler that interrupts malloc */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  main_tid = pthread_self();
  pthread_t snd;
  pthread_create(&snd, NULL, sender, NULL);
  uint64_t rs = 4242;
  while (atomic_load(&handler_forks) + atomic_load(&handler_fork_failures) <
         sigforks) {
    unsigned char *v[32];
    size_t n[32];
    for (int i = 0; i < 32; i++) {
      n[i] = rng_size(&rs, 0);
      v[i] = T_malloc(n[i]);
      CHECK(v[i] != NULL, "malloc");
      pat_fill(v[i], n[i], pat_tag(v[i], n[i]));
    }
    for (int i = 0; i < 32; i++) {
      CHECK(pat_check(v[i], n[i], n[i], pat_tag(v[i], n[i])) == SIZE_MAX,
            "main-thread block corrupted");
      T_free(v[i]);
    }
  }
  atomic_store(&sender_stop, 1);
  pthread_join(snd, NULL);
  signal(SIGUSR1, SIG_IGN);
  atomic_store(&stop_workers, 1);
  for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
  atomic_store(&done_flag, 1);
  pthread_join(wd, NULL);
  printf("%s: %d forks with 4 allocating threads (%ld worker ops during "
         "them), %ld forks from a signal handler (%ld failed)\n", T_LIBNAME,
         forks, ops1, atomic_load(&handler_forks),
         atomic_load(&handler_fork_failures));
  CHECK(atomic_load(&handler_fork_failures) == 0, "fork in handler failed");
  CHECK(ops1 > 1000, "workers made too little progress (%ld ops)", ops1);
  puts("ok");
  return 0;
}
