/* SPDX-License-Identifier: MIT */
/* huge_double_free_race.c — minimal reproducer: two threads that free the
 * same huge block (8 MiB, its own mapping) at the same moment can both get
 * through brisk's double-free check: the block's `live` flag is tested and
 * then cleared with plain loads and stores, so both threads may see it set.
 * The block then enters the huge cache twice and is later handed out twice.
 * Expected on brisk: one of the two frees aborts with "brisk: double free"
 * every time.
 *
 * How: the parent forks N children (argument 1, default 10000; at most
 * 20 s in all).  Each child allocates the block and starts two threads;
 * the second to arrive flips a flag that the first spins on (once it sees
 * the first one running), and both free the block, one of them after a
 * short delay that varies from child to child (sweeping the relative
 * timing across the check's window).  The parent collects each child's
 * stderr and status.  On brisk every child must die by SIGABRT with
 * "double free" on stderr; a child that exits normally survived the double
 * free (the bug), and the program exits 1 if any did.  On the buggy brisk
 * about 1 child in 150 survives on an idle 2-core machine (0.4 ms per
 * child), far fewer when the cores are busy: the threads must really run
 * at the same time.
 *
 * glibc has no double-free check for mmapped chunks (the second free
 * either unmaps again or faults on the unmapped header), so under glibc
 * the program only checks that every child ended (exit or signal) and
 * prints the tally; exit 0. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HUGE_SIZE ((size_t)8 << 20)
#define MAX_DELAY 96 /* spin iterations of the later thread, swept */

static void *volatile block;
static atomic_int ready, go;
static int delay_of[2];

static void spin(int n) {
  for (volatile int i = 0; i < n; i++) {
  }
}

static atomic_uint beat;

static void *racer(void *arg) {
  int me = (int)(intptr_t)arg;
  if (atomic_fetch_add(&ready, 1) == 0) {
    /* first to arrive: spin, showing that it is on a CPU */
    while (!atomic_load_explicit(&go, memory_order_acquire))
      atomic_fetch_add_explicit(&beat, 1, memory_order_relaxed);
  } else {
    /* second: start the race only while the first is seen running (on a
     * busy machine it may have been preempted) */
    for (;;) {
      unsigned b = atomic_load_explicit(&beat, memory_order_relaxed);
      spin(40);
      if (atomic_load_explicit(&beat, memory_order_relaxed) != b) break;
    }
    atomic_store_explicit(&go, 1, memory_order_release);
  }
  spin(delay_of[me]);
  free(block);
  return NULL;
}

/* One child: returns only if both frees returned (the bug). */
static void child(unsigned k) {
  /* no core dumps of the expected aborts */
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
  prctl(PR_SET_DUMPABLE, 0);
  block = malloc(HUGE_SIZE);
  if (block == NULL) _exit(3);
  memset(block, 1, 4096);
  /* sweep: k even -> thread 1 later, k odd -> thread 0 later */
  int d = (int)((k / 2) % (MAX_DELAY + 1));
  delay_of[k & 1] = 0;
  delay_of[!(k & 1)] = d;
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, racer, (void *)(intptr_t)i) != 0) _exit(3);
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  static const char msg[] = "both frees of the same huge block returned\n";
  ssize_t w = write(2, msg, sizeof msg - 1);
  (void)w;
  _exit(0);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
  int brisk = dlsym(RTLD_DEFAULT, "brisk_malloc") != NULL;
  unsigned abort_df = 0, survived = 0, other = 0, segv = 0, runs = 0;
  char first_other[256] = "";
  double t0 = now_s();
  for (unsigned k = 0; k < n && now_s() - t0 < 20.0; k++) {
    int fds[2];
    if (pipe(fds) != 0) {
      perror("pipe");
      return 2;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 2;
    }
    if (pid == 0) {
      close(fds[0]);
      dup2(fds[1], 2);
      close(fds[1]);
      child(k);
    }
    close(fds[1]);
    char buf[512];
    size_t len = 0;
    for (;;) {
      ssize_t r = read(fds[0], buf + len, sizeof buf - 1 - len);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      len += (size_t)r;
      if (len == sizeof buf - 1) len = 0; /* keep reading; only the tail matters */
    }
    buf[len] = 0;
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
      if (errno != EINTR) {
        perror("waitpid");
        return 2;
      }
    }
    runs++;
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(buf, "double free")) {
      abort_df++;
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
      survived++;
    } else {
      if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) segv++;
      if (other++ == 0)
        snprintf(first_other, sizeof first_other, "%s %d, stderr: %.150s",
                 WIFSIGNALED(st) ? "signal" : "exit",
                 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), buf);
    }
  }
  printf("%s: %u children (%.1f s): %u aborted with \"double free\", %u survived "
         "both frees, %u other (%u SIGSEGV)%s%s\n",
         brisk ? "brisk" : "not brisk", runs, now_s() - t0, abort_df, survived, other, segv,
         other ? "; first other: " : "", first_other);
  if (!brisk) return 0; /* glibc: no double-free check for mmapped chunks */
  if (survived > 0) {
    printf("FAILED: %u of %u children freed one huge block from two threads at once "
           "and both frees returned (double free not caught)\n", survived, runs);
    return 1;
  }
  if (other > 0) {
    printf("FAILED: %u children did not abort with \"double free\"\n", other);
    return 1;
  }
  return 0;
}
