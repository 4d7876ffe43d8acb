/* SPDX-License-Identifier: MIT */
/* rss_thread_burst.c — brisk contract: exiting threads hand their heaps
 * over warm (no purge at exit beyond the heap's own limit), but what the
 * heaps of exited threads keep together is capped, and it goes back to
 * the kernel after the purge delay once the program works again.
 * 80 threads live at once; each allocates and frees 6 MiB of 32 KiB
 * blocks (its heap keeps them dirty: well under the per-heap limit) and
 * exits.  Right after they are joined (before the delay, pinned to 300 ms
 * by the sidecar), RSS may exceed the level before them by the cap, 2
 * dirty limits (the limit pinned to 32 MiB), plus 16 MiB of slack: 80 warm
 * heaps would keep 480 MiB.  Then, 0.5 s later and after some allocation
 * work (brisk has no helper thread: the allocations' housekeeping visits
 * the exited heaps, also when every allocation takes the fast path), RSS is back within 48 MiB of the start.  Not
 * enforced on glibc (its arenas keep what they keep). */
#include "check.h"
#include <pthread.h>

enum { THREADS = 80, BLOCKS = 192, BLOCK = 32 * 1024 };

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
  NOTE("rss KiB: before %zu, after %d threads of 6 MiB each %zu", rss0 >> 10, THREADS, rss_end >> 10);
  usleep(500 * 1000);
  /* fast-path allocations: the housekeeping tick every BRISK_FAST_GRANT */
  for (int i = 0; i < 40000; i++) free(malloc(opaque(2000)));
  size_t rss_idle = rss_bytes();
  NOTE("rss KiB after 0.5 s and some work: %zu", rss_idle >> 10);
  if (on_brisk()) {
    CHECK(rss_end < rss0 + (2 * 32 + 16) * MiB, "exited threads keep %zu KiB warm (cap 64 MiB + 16 MiB slack)",
          (rss_end - rss0) >> 10);
    CHECK(rss_idle < rss0 + 48 * MiB, "exited threads still keep %zu KiB after the delay",
          (rss_idle - rss0) >> 10);
  } else if (rss_end >= rss0 + 48 * MiB) {
    NOTE("glibc keeps %zu KiB (not enforced on glibc)", (rss_end - rss0) >> 10);
  }
  puts("ok");
  return 0;
}
