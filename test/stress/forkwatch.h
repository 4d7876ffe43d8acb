/* SPDX-License-Identifier: MIT */
/* forkwatch.h — supervisor and hang watchdog for the fork regression tests
 * (stress_forksig.c, stress_forkstdio.c).
 *
 * fw_run(reps, ...) runs the test's scenario `reps` times, each time in a
 * fresh child process (its own process group), and watches it from the
 * outside, so that the scenario itself stays exactly as threaded as the
 * test wants (a watchdog thread would make a -t 0 scenario multithreaded,
 * which changes glibc's fork).  Every thread of the scenario owns a slot in
 * a shared (MAP_SHARED) page: it bumps slot->progress after each unit of
 * work and records what it is doing in slot->phase (and, inside a signal
 * handler, in slot->in_handler).  A slot that is not done and whose
 * progress stays still for `watchdog` seconds, or a scenario that does not
 * exit `watchdog` seconds after all its slots are done, is a deadlock: the
 * supervisor prints every slot, every thread's kernel wait channel and the
 * scenario's child processes (with TEST_GDB_ON_HANG=1 also gdb backtraces),
 * kills the process group and exits 2.  A scenario that exits nonzero (its
 * CHECK failed) makes fw_run exit 1.
 *
 * Header-only, for one program: include after check.h.
 */
#ifndef BRISK_TEST_FORKWATCH_H
#define BRISK_TEST_FORKWATCH_H

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define FW_SLOTS 24
#define FW_COUNTERS 12

/* phases (what a thread is doing); names in fw_phase_name */
enum {
  FW_IDLE, FW_MALLOC, FW_FREE, FW_FORK, FW_WAITPID, FW_CHILD_WORK,
  FW_SLEEP, FW_FPRINTF, FW_FFLUSH_ALL, FW_FOPEN, FW_FCLOSE, FW_GETLINE,
  FW_MEMSTREAM, FW_JOIN, FW_EXITING, FW_NPHASES
};
static const char *const fw_phase_name[FW_NPHASES] = {
  "idle", "malloc", "free", "fork", "waitpid", "child-work",
  "sleep", "fprintf", "fflush(NULL)", "fopen", "fclose", "getline",
  "memstream", "join", "exiting"
};

struct fw_slot {
  _Atomic long progress;
  _Atomic int phase;
  _Atomic int in_handler; /* 0, or the phase inside a signal handler */
  _Atomic int done;       /* finished its work (not watched any more) */
  _Atomic int tid;
  _Atomic int target;     /* the signal sender may pick this thread */
  char name[20];
};

struct fw_shared {
  struct fw_slot slot[FW_SLOTS];
  _Atomic int nslots;
  _Atomic int scenario_pid;
  _Atomic long ctr[FW_COUNTERS]; /* test-defined counters, summed over reps */
};

static struct fw_shared *fw;
static __thread int fw_me; /* this thread's slot (0 = the scenario's main) */

static inline struct fw_slot *fw_self(void) { return &fw->slot[fw_me]; }
static inline void fw_phase(int ph) {
  atomic_store_explicit(&fw_self()->phase, ph, memory_order_relaxed);
}
static inline void fw_tick(void) {
  atomic_fetch_add_explicit(&fw_self()->progress, 1, memory_order_relaxed);
}
static inline void fw_count(int c, long n) {
  atomic_fetch_add_explicit(&fw->ctr[c], n, memory_order_relaxed);
}

/* Claim a slot for the calling thread (call first thing in the thread). */
__attribute__((unused)) static int fw_register(const char *name, int target) {
  int i = atomic_fetch_add(&fw->nslots, 1);
  CHECK(i < FW_SLOTS, "too many threads (%d slots)", FW_SLOTS);
  struct fw_slot *s = &fw->slot[i];
  fw_me = i; /* before tid: the signal sender picks slots with a tid */
  snprintf(s->name, sizeof s->name, "%s", name);
  atomic_store(&s->target, target);
  atomic_store(&s->tid, (int)gettid());
  return i;
}
__attribute__((unused)) static void fw_done(void) {
  fw_phase(FW_EXITING);
  atomic_store(&fw_self()->done, 1);
}

static void fw_print_file(const char *path, const char *label) {
  char buf[256];
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = 0;
  fprintf(stderr, "%s%s", label, buf);
}

/* state letter (field 3 of /proc/PID/stat) and wchan of one task */
static void fw_print_task(int pid, int tid) {
  char path[128], buf[512];
  snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
  FILE *f = fopen(path, "r");
  char st = '?';
  if (f) {
    if (fgets(buf, sizeof buf, f)) {
      char *p = strrchr(buf, ')');
      if (p && p[1] == ' ') st = p[2];
    }
    fclose(f);
  }
  fprintf(stderr, " [kernel: %c", st);
  snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", pid, tid);
  fw_print_file(path, " wchan=");
  fprintf(stderr, "]");
}

/* every task of pid and, recursively, of its children */
static void fw_print_tree(int pid, int depth) {
  char path[128];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    int tid = atoi(e->d_name);
    if (tid <= 0) continue;
    fprintf(stderr, "  %*spid %d task %d", 2 * depth, "", pid, tid);
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", pid, tid);
    fw_print_file(path, " ");
    fw_print_task(pid, tid);
    fprintf(stderr, "\n");
  }
  rewinddir(d);
  while ((e = readdir(d))) {
    int tid = atoi(e->d_name);
    if (tid <= 0) continue;
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, tid);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    int c;
    while (fscanf(f, "%d", &c) == 1)
      if (depth < 4) fw_print_tree(c, depth + 1);
    fclose(f);
  }
  closedir(d);
}

static int fw_child_pid; /* the scenario being watched (supervisor side) */
static void fw_on_term(int sig) {
  if (fw_child_pid > 0) kill(-fw_child_pid, SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void fw_report_hang(int rep, int reps, double wd, int who) {
  int pid = fw_child_pid;
  fflush(stdout);
  /* Threads stuck behind a lock stall within moments of each other; name
   * one that is stuck inside a signal handler if there is one (the likely
   * first cause), else the one that stalled first. */
  int n = atomic_load(&fw->nslots);
  for (int i = 0; who >= 0 && i < n && i < FW_SLOTS; i++)
    if (!fw->slot[i].done && fw->slot[i].in_handler) {
      who = i;
      break;
    }
  if (who >= 0) {
    struct fw_slot *s = &fw->slot[who];
    fprintf(stderr, "FAILED: watchdog: deadlock in repetition %d of %d: "
            "thread '%s' made no progress for %.0f s (in %s%s%s)\n",
            rep + 1, reps, s->name, wd, fw_phase_name[s->phase],
            s->in_handler ? ", inside its SIGUSR1 handler in " : "",
            s->in_handler ? fw_phase_name[s->in_handler] : "");
  } else {
    fprintf(stderr, "FAILED: watchdog: deadlock in repetition %d of %d: the "
            "scenario did not exit %.0f s after all threads finished\n",
            rep + 1, reps, wd);
  }
  for (int i = 0; i < n && i < FW_SLOTS; i++) {
    struct fw_slot *s = &fw->slot[i];
    fprintf(stderr, "  thread %-10s tid %-7d progress %-7ld %s %s%s%s",
            s->name, s->tid, (long)s->progress, s->done ? "done" : "busy",
            fw_phase_name[s->phase],
            s->in_handler ? " > handler: " : "",
            s->in_handler ? fw_phase_name[s->in_handler] : "");
    fw_print_task(pid, s->tid);
    fprintf(stderr, "\n");
  }
  fprintf(stderr, "  processes of the scenario (pid %d):\n", pid);
  fw_print_tree(pid, 0);
  const char *g = getenv("TEST_GDB_ON_HANG");
  if (g && *g == '1') {
    char cmd[256];
    fflush(stderr);
    snprintf(cmd, sizeof cmd, "gdb -p %d -batch -nx -ex 'thread apply all bt'"
             " </dev/null 1>&2 2>/dev/null", pid);
    if (system(cmd)) {}
  }
  fflush(stderr);
  kill(-pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  _exit(2);
}

/* Run scenario(rep) in `reps` fresh processes, one after the other. */
__attribute__((unused)) static void fw_run(int reps, double wd,
                                           void (*scenario)(int rep)) {
  fw = mmap(NULL, sizeof *fw, PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(fw != MAP_FAILED, "mmap shared: %s", strerror(errno));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fw_on_term;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  pid_t sup = getpid();
  for (int rep = 0; rep < reps; rep++) {
    memset(fw->slot, 0, sizeof fw->slot);
    atomic_store(&fw->nslots, 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork scenario: %s", strerror(errno));
    if (pid == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != sup) _exit(9);
      sa.sa_handler = SIG_DFL;
      sigaction(SIGTERM, &sa, NULL);
      sigaction(SIGINT, &sa, NULL);
      sigaction(SIGHUP, &sa, NULL);
      atomic_store(&fw->scenario_pid, (int)getpid());
      fw_register("main", 1);
      scenario(rep);
      fw_done();
      exit(0);
    }
    setpgid(pid, pid);
    fw_child_pid = pid;
    long last[FW_SLOTS];
    double changed[FW_SLOTS], all_done_at = 0, t0 = now_s();
    for (int i = 0; i < FW_SLOTS; i++) last[i] = -1, changed[i] = t0;
    int st = 0;
    for (;;) {
      pid_t w = waitpid(pid, &st, WNOHANG);
      if (w == pid) break;
      CHECK(w == 0 || errno == EINTR, "waitpid scenario: %s", strerror(errno));
      double t = now_s();
      int n = atomic_load(&fw->nslots), busy = 0;
      for (int i = 0; i < n && i < FW_SLOTS; i++) {
        struct fw_slot *s = &fw->slot[i];
        if (atomic_load(&s->done)) continue;
        busy++;
        long p = atomic_load(&s->progress);
        if (p != last[i]) {
          last[i] = p;
          changed[i] = t;
        } else if (t - changed[i] > wd) {
          fw_report_hang(rep, reps, wd, i);
        }
      }
      if (n > 0 && !busy) {
        if (!all_done_at) all_done_at = t;
        else if (t - all_done_at > wd) fw_report_hang(rep, reps, wd, -1);
      } else if (n == 0 && t - t0 > wd) {
        fw_report_hang(rep, reps, wd, -1);
      }
      usleep(1000);
    }
    fw_child_pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fflush(stdout);
      if (WIFSIGNALED(st))
        fprintf(stderr, "FAILED: repetition %d of %d died by signal %d\n",
                rep + 1, reps, WTERMSIG(st));
      else
        fprintf(stderr, "FAILED: repetition %d of %d exited %d\n", rep + 1,
                reps, WEXITSTATUS(st));
      _exit(1);
    }
  }
}

#endif /* BRISK_TEST_FORKWATCH_H */
