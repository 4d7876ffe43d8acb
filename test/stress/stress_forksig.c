/* SPDX-License-Identifier: MIT */
/* stress_forksig.c — fork from a signal handler while the interrupted
 * process allocates and forks (the idea of glibc's tst-mallocfork2, our own
 * code).
 *
 * One scenario: a signal-sender process (forked first, so that with -t 0
 * the test process stays single-threaded) sends SIGUSR1 with tgkill to a
 * thread of the test process, waits until the handler has run, pauses a
 * random 0..D us (-d D, default 0) and sends the next one.  The SIGUSR1
 * handler calls fork(); its child _exit(0)s at once, the handler
 * waitpid()s it.  Meanwhile the main thread loops: 16 malloc/free steps
 * of random sizes (16 B .. 1 MiB, log-uniform, and 1 in 64 a huge block of
 * 2..8 MiB; pattern-checked), then fork() (the child _exit(0)s, one in
 * four after malloc/free of a small, a large and a huge block), then
 * waitpid.  With -t 0 (no threads) the main thread is the signal target,
 * so the signal often lands inside malloc, free or fork — inside fork also
 * while the atfork prepare handlers hold the allocator's locks (a signal
 * that arrives during the clone syscall is handled before fork restarts).
 *
 * -t N (N >= 1) makes the process multithreaded: the main thread goes on
 * allocating and forking, N workers allocate the same way, the odd-numbered
 * ones also fork every 4th round, and an idle thread only sleeps.  The
 * signal targets there are the even-numbered workers (often inside malloc
 * or free) and the idle thread, never a thread that forks: glibc's fork in
 * a multithreaded process holds its atfork lock across the prepare
 * handlers and the clone, so a fork from a handler that interrupted fork
 * deadlocks in glibc itself, whatever the allocator.  On glibc even
 * interrupting malloc deadlocks (its multithreaded fork takes the arena
 * locks, which the interrupted thread may hold), so on glibc only the idle
 * thread is signalled; on brisk the allocating workers are too (brisk's
 * contract, as in stress_fork phase 2).
 *
 * The scenario runs -r times, each in a fresh process watched from outside
 * (forkwatch.h): no progress of a thread for -w seconds = deadlock, exit 2.
 *
 * usage: stress_forksig [-t threads] [-r reps] [-n rounds | -s seconds]
 *                       [-w watchdog_s] [-d max_delay_us] [-S seed] */
#include "check.h"
#include "alloc.h"
#include "pattern.h"
#include "forkwatch.h"
#include "forkblocks.h"
#include <getopt.h>

enum { C_MAIN_FORKS, C_WORKER_FORKS, C_HFORKS, C_HFORK_FAIL, C_HCHILD_BAD,
       C_SENT, C_OPS, C_CHILD_ALLOC };

static int nthreads = 0, rounds = 40, max_delay_us = 0;
static double seconds = 0, watchdog_s = 10;
static uint64_t base_seed = 1;
static int all_targets; /* signal every thread (brisk) or the idle one only */
static atomic_int stop;

static void on_usr1(int sig) {
  (void)sig;
  int saved = errno;
  struct fw_slot *s = fw_self();
  atomic_store(&s->in_handler, FW_FORK);
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  if (pid < 0) {
    fw_count(C_HFORK_FAIL, 1);
  } else {
    atomic_store(&s->in_handler, FW_WAITPID);
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {}
    if (w != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
      fw_count(C_HCHILD_BAD, 1);
    fw_count(C_HFORKS, 1);
  }
  atomic_store(&s->in_handler, 0);
  fw_tick();
  errno = saved;
}

/* The sender: a separate process that only makes system calls. */
static void sender(pid_t scen, uint64_t seed) {
  uint64_t rs = seed;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  struct timespec nap = {0, 50000};
  for (;;) {
    if (getppid() != scen) _exit(0);
    int n = atomic_load(&fw->nslots), tid = 0;
    if (n > FW_SLOTS) n = FW_SLOTS;
    struct fw_slot *s = NULL;
    for (int k = 0; k < 2 * n && !tid; k++) {
      s = &fw->slot[rng_next(&rs) % (uint64_t)n];
      if (atomic_load(&s->target) && !atomic_load(&s->done))
        tid = atomic_load(&s->tid);
    }
    if (!tid) {
      nanosleep(&nap, NULL);
      continue;
    }
    long h0 = atomic_load(&fw->ctr[C_HFORKS]) +
              atomic_load(&fw->ctr[C_HFORK_FAIL]);
    fw_count(C_SENT, 1);
    if (tgkill(scen, tid, SIGUSR1) != 0) continue; /* thread just exited */
    /* One signal at a time: wait until the handler has run (or the thread
     * finished), so that signals never starve the threads of progress and
     * a handler that hangs stays the only one (the watchdog's report then
     * shows the first hang, not a pile-up behind it). */
    while (atomic_load(&fw->ctr[C_HFORKS]) +
               atomic_load(&fw->ctr[C_HFORK_FAIL]) == h0 &&
           !atomic_load(&s->done) && getppid() == scen)
      nanosleep(&nap, NULL);
    if (max_delay_us > 0) {
      long us = (long)(rng_next(&rs) % (uint64_t)max_delay_us);
      struct timespec d = {us / 1000000, us % 1000000 * 1000};
      nanosleep(&d, NULL);
    }
  }
}

/* fork once; the child _exit(0)s, sometimes after allocating */
static void fork_once(uint64_t *rs, int counter) {
  int child_alloc = rng_next(rs) % 4 == 0;
  fw_phase(FW_FORK);
  pid_t pid = fork();
  if (pid == 0) {
    if (child_alloc) {
      size_t sz[3] = {100, 300000, 3 * MiB};
      for (int i = 0; i < 3; i++) {
        unsigned char *p = T_malloc(sz[i]);
        if (!p) _exit(3);
        p[0] = p[sz[i] - 1] = 1;
        T_free(p);
      }
    }
    _exit(0);
  }
  fork_reap(pid);
  fw_count(counter, 1);
  if (child_alloc) fw_count(C_CHILD_ALLOC, 1);
  fw_tick();
}

static int cur_rep;
/* a thread that has finished: no more signals (the sender skips done
 * slots; a signal already pending stays blocked and dies with the thread,
 * instead of running the handler inside pthread's exit path) */
static void thread_done(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  fw_done();
}

static void *worker(void *arg) {
  int id = (int)(uintptr_t)arg, forks = id % 2 == 1;
  char name[16];
  snprintf(name, sizeof name, forks ? "forker%d" : "worker%d", id);
  fw_register(name, all_targets && !forks);
  uint64_t rs = pat_mix(base_seed * 7919 + (uint64_t)cur_rep * 104729 +
                        (uint64_t)id * 31 + 1);
  struct blocks b;
  memset(&b, 0, sizeof b);
  for (int r = 0; !atomic_load(&stop); r++) {
    alloc_steps(&rs, &b, 16, 1);
    fw_count(C_OPS, 16);
    if (forks && r % 4 == 3) fork_once(&rs, C_WORKER_FORKS);
  }
  free_all(&b);
  thread_done();
  return NULL;
}

static void *idler(void *arg) {
  (void)arg;
  fw_register("idle", 1);
  struct timespec t = {0, 200000};
  while (!atomic_load(&stop)) {
    fw_phase(FW_SLEEP);
    nanosleep(&t, NULL);
    fw_tick();
  }
  thread_done();
  return NULL;
}

static void scenario(int rep) {
  uint64_t rs = pat_mix(base_seed * 1000003 + (uint64_t)rep);
  cur_rep = rep;
  fw_self()->target = nthreads == 0; /* the main thread forks */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
  pid_t me = getpid();
  fw_phase(FW_FORK); /* its first signal may arrive before fork returns */
  pid_t snd = fork();
  CHECK(snd >= 0, "fork sender: %s", strerror(errno));
  if (snd == 0) {
    signal(SIGUSR1, SIG_IGN);
    sender(me, rng_next(&rs));
  }
  fw_phase(FW_IDLE);
  pthread_t th[FW_SLOTS];
  int nth = 0;
  if (nthreads > 0) {
    CHECK(pthread_create(&th[nth++], NULL, idler, NULL) == 0,
          "pthread_create");
    for (int t = 0; t < nthreads; t++)
      CHECK(pthread_create(&th[nth++], NULL, worker,
                           (void *)(uintptr_t)t) == 0,
            "pthread_create");
  }
  struct blocks b;
  memset(&b, 0, sizeof b);
  double t0 = now_s();
  for (int r = 0; seconds > 0 ? now_s() - t0 < seconds : r < rounds; r++) {
    alloc_steps(&rs, &b, 16, 1);
    fw_count(C_OPS, 16);
    fork_once(&rs, C_MAIN_FORKS);
  }
  free_all(&b);
  atomic_store(&stop, 1);
  fw_phase(FW_JOIN);
  for (int t = 0; t < nth; t++) pthread_join(th[t], NULL);
  /* no more signals: stop the sender, then look at what the handlers saw */
  kill(snd, SIGKILL);
  while (waitpid(snd, NULL, 0) < 0 && errno == EINTR) {}
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  CHECK(fw->ctr[C_HFORK_FAIL] == 0, "%ld forks in the handler failed",
        (long)fw->ctr[C_HFORK_FAIL]);
  CHECK(fw->ctr[C_HCHILD_BAD] == 0, "%ld children of handler forks did not "
        "exit 0", (long)fw->ctr[C_HCHILD_BAD]);
}

int main(int argc, char **argv) {
  int reps = 1, c;
  while ((c = getopt(argc, argv, "t:r:n:s:w:d:S:")) != -1) {
    switch (c) {
    case 't': nthreads = atoi(optarg); break;
    case 'r': reps = atoi(optarg); break;
    case 'n': rounds = atoi(optarg); break;
    case 's': seconds = atof(optarg); break;
    case 'w': watchdog_s = atof(optarg); break;
    case 'd': max_delay_us = atoi(optarg); break;
    case 'S': base_seed = strtoull(optarg, NULL, 0); break;
    default:
      fprintf(stderr, "usage: %s [-t threads] [-r reps] [-n rounds | -s "
              "seconds] [-w watchdog_s] [-d max_delay_us] [-S seed]\n",
              argv[0]);
      return 2;
    }
  }
  CHECK(nthreads >= 0 && nthreads <= FW_SLOTS - 2, "-t %d: 0..%d", nthreads,
        FW_SLOTS - 2);
#ifdef USE_BRISK_PREFIX
  all_targets = 1;
#else
  all_targets = on_brisk();
  if (!all_targets && nthreads > 0)
    NOTE("not on brisk: with threads only the idle thread is signalled "
         "(glibc's fork is async-signal-safe only when single-threaded)");
  else if (nthreads > 0)
    NOTE("with threads the idle thread and the even-numbered workers are "
         "signalled (never a thread that forks: glibc's own atfork lock)");
#endif
  double t0 = now_s();
  fw_run(reps, watchdog_s, scenario);
  double dt = now_s() - t0;
  long *k = (long *)fw->ctr;
  printf("%s, -t %d: %d repetitions in %.2f s (%.1f ms each): %ld forks by "
         "main, %ld by workers (%ld children allocated), %ld forks in the "
         "SIGUSR1 handler for %ld signals, %ld malloc/free steps\n",
         T_LIBNAME, nthreads, reps, dt, dt * 1e3 / (reps ? reps : 1),
         k[C_MAIN_FORKS], k[C_WORKER_FORKS], k[C_CHILD_ALLOC], k[C_HFORKS],
         k[C_SENT], k[C_OPS]);
  CHECK(k[C_HFORKS] >= reps, "only %ld forks from the signal handler in %d "
        "repetitions", k[C_HFORKS], reps);
  puts("ok");
  return 0;
}
