/* SPDX-License-Identifier: MIT */
/* rss_thread_burst.c — brisk contract: the memory exiting threads leave
 * warm for the next ones is bounded for the process, not per thread.
 * 48 threads live at once; each allocates and frees 2 MiB of 32 KiB
 * blocks (its heap keeps them dirty: well under the per-heap limit) and
 * exits.  Right after they are joined (no time for the delayed purge),
 * RSS may exceed the level before them by the dirty limit (pinned to
 * 32 MiB by the sidecar) plus 16 MiB of slack — 48 warm heaps would keep
 * 96 MiB.  Not enforced on glibc (its arenas keep what they keep). */
#include "check.h"
#include <pthread.h>

enum { THREADS = 48, BLOCKS = 64, BLOCK = 32 * 1024 };

static pthread_barrier_t all_alive;

static void *burst(void *arg) {
  (void)arg;
  void *v[BLOCKS];
  for (int i = 0; i < BLOCKS; i++) {
    v[i] = malloc(opaque(BLOCK));
    CHECK(v[i] != NULL, "malloc(%d)", BLOCK);
    memset(v[i], 0x5A, BLOCK);
  }
  for (int i = 0; i < BLOCKS; i++) free(v[i]);
  pthread_barrier_wait(&all_alive); /* every heap is dirty at once */
  return NULL;
}

int main(void) {
  pthread_t th[THREADS];
  free(malloc(opaque(100)));
  size_t rss0 = rss_bytes();
  CHECK(pthread_barrier_init(&all_alive, NULL, THREADS) == 0, "barrier");
  for (int i = 0; i < THREADS; i++)
    CHECK(pthread_create(&th[i], NULL, burst, NULL) == 0, "pthread_create");
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  size_t rss_end = rss_bytes();
  NOTE("rss KiB: before %zu, after %d threads of 2 MiB each %zu", rss0 >> 10,
       THREADS, rss_end >> 10);
  if (on_brisk()) {
    CHECK(rss_end < rss0 + 48 * MiB,
          "exited threads keep %zu KiB warm (limit 32 MiB + 16 MiB slack)",
          (rss_end - rss0) >> 10);
  } else if (rss_end >= rss0 + 48 * MiB) {
    NOTE("glibc keeps %zu KiB (not enforced on glibc)", (rss_end - rss0) >> 10);
  }
  puts("ok");
  return 0;
}
