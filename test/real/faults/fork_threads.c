/* SPDX-License-Identifier: MIT */
/* fork_threads.c — fork while other threads allocate and free.
 * The child (which has only the forking thread) must be able to malloc,
 * realloc and free, including blocks inherited from the parent and
 * allocated by threads that do not exist in the child, and then either
 * _exit or exec.  A hang (lock held by a thread that vanished at fork)
 * is caught by the watchdog in parent and child. */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "common.h"

#define NTHREADS 3
#define NSHARED 256

static atomic_int stop;
static void *shared[NSHARED]; /* filled by workers before the forks */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
  uint64_t s = (uintptr_t)arg * 77 + 1;
  void *slot[64] = {0};
  size_t sz[64] = {0};
  while (!atomic_load(&stop)) {
    unsigned i = rnd(&s) % 64;
    if (slot[i]) {
      CHECK(verify(slot[i], sz[i] < 64 ? sz[i] : 64, i));
      free(slot[i]);
    }
    unsigned r = rnd(&s);
    sz[i] = (r % 8 == 0) ? (r % 300000) + 1 : (r % 2000) + 1;
    slot[i] = malloc(sz[i]);
    CHECK(slot[i]);
    fill(slot[i], sz[i] < 64 ? sz[i] : 64, i);
    if (r % 16 == 0) {
      unsigned k = rnd(&s) % NSHARED;
      void *p = malloc(100);
      fill(p, 100, k);
      pthread_mutex_lock(&shared_lock);
      void *old = shared[k];
      shared[k] = p;
      pthread_mutex_unlock(&shared_lock);
      if (old) {
        CHECK(verify(old, 100, k));
        free(old);
      }
    }
  }
  for (int i = 0; i < 64; i++) free(slot[i]);
  return NULL;
}

static int child_work(int round) {
  watchdog(20);
  /* Blocks allocated by the parent's other threads: verify and free some. */
  for (int k = round % 2; k < NSHARED; k += 2) {
    if (shared[k]) {
      CHECK(verify(shared[k], 100, k));
      free(shared[k]);
      shared[k] = NULL;
    }
  }
  void *v[200];
  for (int i = 0; i < 200; i++) {
    v[i] = malloc((size_t)(i * 997 % 70000) + 1);
    CHECK(v[i]);
    fill(v[i], 16, i);
  }
  for (int i = 0; i < 200; i++) {
    CHECK(verify(v[i], 16, i));
    v[i] = realloc(v[i], (size_t)(i * 13) + 1);
    CHECK(v[i]);
    free(v[i]);
  }
  void *big = malloc((size_t)8 << 20);
  CHECK(big);
  memset(big, 1, (size_t)8 << 20);
  free(big);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
    /* Exec'd image: a fresh process using the allocator normally. */
    void *p = malloc(1234);
    CHECK(p);
    free(p);
    return 7;
  }
  watchdog(120);
  int rounds = argc > 1 ? atoi(argv[1]) : 300;
  for (int k = 0; k < NSHARED; k++) {
    shared[k] = malloc(100);
    fill(shared[k], 100, k);
  }
  pthread_t th[NTHREADS];
  for (long i = 0; i < NTHREADS; i++) CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
  int execs = 0;
  for (int r = 0; r < rounds; r++) {
    pthread_mutex_lock(&shared_lock); /* so shared[] is consistent in the child */
    pid_t pid = fork();
    if (pid == 0) {
      if (r % 5 == 4) {
        /* fork + exec: allocate a little first, then exec ourselves. */
        char *arg = strdup("exec-child");
        char *const av[] = {argv[0], arg, NULL};
        execv("/proc/self/exe", av);
        _exit(99);
      }
      _exit(child_work(r));
    }
    pthread_mutex_unlock(&shared_lock);
    CHECK(pid > 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    int want = (r % 5 == 4) ? 7 : 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
      fprintf(stderr, "round %d: child status 0x%x (want exit %d)\n", r, st, want);
      return 1;
    }
    if (r % 5 == 4) execs++;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
  printf("fork_threads: %d forks (%d with exec) ok\n", rounds, execs);
  return 0;
}
