/* SPDX-License-Identifier: MIT */
/* fork_in_signal.c — fork() from a signal handler while other threads
 * allocate.  The handler runs on the main thread, which does not allocate
 * (a handler that interrupts malloc on its own thread and forks deadlocks
 * in glibc as in brisk: the atfork handlers wait for the lock the
 * interrupted code holds); the workers, which block the signal, allocate
 * and free all the time.  The child only _exits or execs (malloc is not
 * async-signal-safe).  Neither the fork nor the parent afterwards may
 * hang: the watchdog turns a hang into a failure. */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "common.h"

static atomic_int stop;
static atomic_int forks, pending;
static char *const exec_argv[] = {(char *)"/bin/true", NULL};

static void on_usr1(int sig) {
  (void)sig;
  int e = errno;
  pid_t pid = fork();
  if (pid == 0) {
    if (atomic_load(&forks) % 4 == 3) execv("/bin/true", exec_argv);
    _exit(0);
  }
  if (pid > 0) {
    atomic_fetch_add(&forks, 1);
    atomic_fetch_add(&pending, 1);
  }
  errno = e;
}

static void *worker(void *arg) {
  uint64_t s = (uintptr_t)arg * 5 + 1;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  void *v[64] = {0};
  while (!atomic_load(&stop)) {
    unsigned i = rnd(&s) % 64;
    free(v[i]);
    size_t n = rnd(&s) % 8 == 0 ? rnd(&s) % 3000000 + 1 : rnd(&s) % 3000 + 1;
    v[i] = malloc(n);
    CHECK(v[i]);
    memset(v[i], 7, n < 64 ? n : 64);
  }
  for (int i = 0; i < 64; i++) free(v[i]);
  return NULL;
}

int main(int argc, char **argv) {
  watchdog(90);
  int n = argc > 1 ? atoi(argv[1]) : 300;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t th[2];
  for (long i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
  int reaped = 0;
  for (int r = 0; r < n; r++) {
    kill(getpid(), SIGUSR1); /* only main can take it */
    usleep(1000);
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
      CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
      reaped++;
    }
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  int st;
  while (waitpid(-1, &st, 0) > 0) {
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    reaped++;
  }
  CHECK(reaped == atomic_load(&forks));
  /* The parent still allocates normally. */
  for (int i = 0; i < 10000; i++) free(malloc((size_t)(i % 5000) + 1));
  printf("fork_in_signal: %d forks from signal handlers ok\n", reaped);
  return 0;
}
