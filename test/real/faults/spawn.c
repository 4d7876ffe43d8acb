/* SPDX-License-Identifier: MIT */
/* spawn.c — vfork+exec and posix_spawn while other threads allocate.
 * The vfork child shares the parent's memory and must not allocate; it
 * only execs.  posix_spawn (clone(CLONE_VM|CLONE_VFORK) in glibc) runs
 * with the parent's heap state mid-operation in other threads. */
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "common.h"

extern char **environ;
static atomic_int stop;

static void *worker(void *arg) {
  uint64_t s = (uintptr_t)arg + 9;
  void *v[32] = {0};
  while (!atomic_load(&stop)) {
    unsigned i = rnd(&s) % 32;
    free(v[i]);
    size_t n = rnd(&s) % 40000 + 1;
    v[i] = malloc(n);
    CHECK(v[i]);
    memset(v[i], 3, n < 64 ? n : 64);
  }
  for (int i = 0; i < 32; i++) free(v[i]);
  return NULL;
}

static int wait_ok(pid_t pid, int want) {
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  return WIFEXITED(st) && WEXITSTATUS(st) == want;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    char *p = strdup("spawned child allocates");
    CHECK(p);
    free(p);
    return 5;
  }
  watchdog(120);
  pthread_t th[2];
  for (long i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
  char *const av[] = {argv[0], (char *)"child", NULL};
  char *const tv[] = {(char *)"/bin/true", NULL};
  int n = argc > 1 ? atoi(argv[1]) : 200;
  for (int r = 0; r < n; r++) {
    pid_t pid = vfork();
    if (pid == 0) {
      execve(r % 2 ? "/proc/self/exe" : "/bin/true", r % 2 ? av : tv, environ);
      _exit(99);
    }
    CHECK(pid > 0);
    CHECK(wait_ok(pid, r % 2 ? 5 : 0));
    void *p = malloc(1000); /* the parent allocates between spawns */
    free(p);
    CHECK(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, av, environ) == 0);
    CHECK(wait_ok(pid, 5));
    CHECK(posix_spawnp(&pid, "true", NULL, NULL, tv, environ) == 0);
    CHECK(wait_ok(pid, 0));
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  printf("spawn: %d x (vfork+exec, posix_spawn, posix_spawnp) ok\n", n);
  return 0;
}
