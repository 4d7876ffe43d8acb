/* SPDX-License-Identifier: MIT */
/* mesh_threads.c — meshed pages in a program that goes on with threads
 * (BRISK_MESH=1, mesh_threads.env; core/mesh.h).  A single-threaded
 * phase meshes the survivors of a scattered free; then four threads
 * each take a share of them: check every byte, free half (frees of
 * another thread's meshed blocks: foreign cache, remote batches), rewrite
 * the rest, and churn blocks of their own.  A fork child of one of
 * them reads that thread's survivors as it rewrote them.  After the threads exit, the main
 * thread checks and frees what is left; malloc_trim then leaves nothing
 * mapped onto the memory file.  Skipped on glibc and where meshing is
 * not built.
 */
#include "check.h"
#include <malloc.h>
#include <pthread.h>
#include <sys/wait.h>

#define N 200000
#define KEEP 10
#define THREADS 4

#define OBJECTS_N N
#include "objects.h"

static void *worker(void *arg) {
  long t = (long)arg;
  /* survivors i with (i / KEEP) % THREADS == t */
  for (long i = t * KEEP; i < N; i += KEEP * THREADS) verify(i, 0, "in a thread");
  for (long i = t * KEEP; i < N; i += KEEP * THREADS * 2) {
    free(obj[i]);
    obj[i] = NULL;
  }
  for (long i = t * KEEP; i < N; i += KEEP * THREADS)
    if (obj[i]) fill(i, 1);
  uint64_t s = (uint64_t)t * 977 + 1;
  static __thread void *mine[4096];
  for (int r = 0; r < 50; r++) {
    for (int k = 0; k < 4096; k++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      size_t n = 16 + (s >> 33) % 240;
      mine[k] = malloc(n);
      CHECK(mine[k] != NULL, "malloc");
      memset(mine[k], (int)k, n);
    }
    for (int k = 0; k < 4096; k++) free(mine[k]);
  }
  if (t == 0) {
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
      for (long i = 0; i < N; i += KEEP * THREADS) /* this thread's share: rewritten */
        if (obj[i]) verify(i, 1, "in a fork child of a thread");
      _exit(0);
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork child failed (%d)", st);
  }
  return NULL;
}

int main(void) {
  if (!on_brisk() || stats_value_fn() == NULL || stat_of("mesh_enabled") == 0) {
    NOTE("not on brisk with meshing: skipped");
    puts("ok");
    return 0;
  }
  uint64_t s = 99;
  for (long i = 0; i < N; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    len[i] = (unsigned short)(16 + (s >> 33) % 113);
    obj[i] = malloc(len[i]);
    CHECK(obj[i] != NULL, "malloc");
    fill(i, 0);
  }
  for (long i = 0; i < N; i++)
    if (i % KEEP != 0) {
      free(obj[i]);
      obj[i] = NULL;
    }
  static void *other[200000];
  long n = 0;
  double end = now_s() + 3;
  while (stat_of("mesh_pages") == 0 && now_s() < end && n + 5000 <= 200000) {
    for (int k = 0; k < 5000; k++) other[n++] = malloc(300);
    usleep(20000);
  }
  CHECK(stat_of("mesh_pages") > 500, "only %llu OS pages meshed", (unsigned long long)stat_of("mesh_pages"));
  NOTE("meshed %llu OS pages onto %llu file pages", (unsigned long long)stat_of("mesh_pages"),
       (unsigned long long)stat_of("mesh_file_pages"));
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++) CHECK(pthread_create(&th[t], NULL, worker, (void *)t) == 0, "pthread_create");
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  for (long i = 0; i < N; i += KEEP)
    if (obj[i]) {
      verify(i, 1, "after the threads");
      free(obj[i]);
    }
  for (long k = 0; k < n; k++) free(other[k]);
  malloc_trim(0);
  /* (stdio's buffers stay live: the empty OS pages of their pages may stay purged) */
  CHECK(stat_of("mesh_pages") == stat_of("mesh_zero_pages"),
        "%llu OS pages meshed after every block was freed and malloc_trim",
        (unsigned long long)(stat_of("mesh_pages") - stat_of("mesh_zero_pages")));
  CHECK(stat_of("mesh_file_pages") == 0, "%llu file pages held", (unsigned long long)stat_of("mesh_file_pages"));
  puts("ok");
  return 0;
}
