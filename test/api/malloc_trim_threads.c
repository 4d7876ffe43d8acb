/* SPDX-License-Identifier: MIT */
/* malloc_trim_threads.c — malloc_trim(0) gives back the free memory of
 * threads that have exited, not only the caller's.  6 threads each
 * allocate, touch and free 6 MiB of 2 KiB blocks and 2 MiB of 200 KiB
 * blocks, wait until all have (so that none adopts the heap of another),
 * then exit (joined).  brisk hands their heaps over warm (up to 2 dirty
 * limits together, the limit pinned to 32 MiB; the sidecar pins
 * the purge delay to an hour so that no timed purge does the trim's
 * work): RSS right after the join must still show most of the 48 MiB,
 * which checks that the test tests something.  After malloc_trim(0) RSS
 * is within 16 MiB of the start, on brisk and on glibc (whose malloc_trim
 * visits every arena) alike.  Threads started afterwards adopt the
 * trimmed heaps and work in them. */
#include "check.h"
#include <malloc.h>
#include <pthread.h>

enum { THREADS = 6, SMALL = 2048, NSMALL = 3072, MED = 200 * 1024, NMED = 10 };

static pthread_barrier_t all_done;

static void *work(void *arg) {
  unsigned char tag = (unsigned char)(uintptr_t)arg;
  static __thread void *s[NSMALL], *m[NMED];
  for (int i = 0; i < NSMALL; i++) {
    s[i] = malloc(opaque(SMALL));
    CHECK(s[i] != NULL, "malloc(%d)", SMALL);
    memset(s[i], tag, SMALL);
  }
  for (int i = 0; i < NMED; i++) {
    m[i] = malloc(opaque(MED));
    CHECK(m[i] != NULL, "malloc(%d)", MED);
    memset(m[i], tag, MED);
  }
  for (int i = 0; i < NSMALL; i++) {
    unsigned char *p = s[i];
    CHECK(p[0] == tag && p[SMALL - 1] == tag, "block %d changed", i);
    free(p);
  }
  for (int i = 0; i < NMED; i++) free(m[i]);
  /* all alive at once: no thread adopts the heap of one that exited */
  pthread_barrier_wait(&all_done);
  return NULL;
}

static void run_threads(int first) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    CHECK(pthread_create(&t[i], NULL, work, (void *)(uintptr_t)(first + i)) == 0,
          "pthread_create");
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
}

int main(void) {
  CHECK(pthread_barrier_init(&all_done, NULL, THREADS) == 0, "barrier");
  size_t rss0 = rss_bytes();
  run_threads(1);
  size_t rss_joined = rss_bytes();
  int rc = malloc_trim(0);
  size_t rss_trim = rss_bytes();
  NOTE("rss KiB: start %zu, threads joined %zu, after malloc_trim %zu (returned %d)",
       rss0 >> 10, rss_joined >> 10, rss_trim >> 10, rc);
  if (on_brisk())
    CHECK(rss_joined > rss0 + 32 * MiB,
          "exited threads kept no warm memory (RSS %zu KiB, start %zu KiB): "
          "nothing for malloc_trim to do", rss_joined >> 10, rss0 >> 10);
  CHECK(rc == 0 || rc == 1, "malloc_trim returned %d", rc);
  CHECK(rss_trim < rss0 + 16 * MiB,
        "malloc_trim(0) left RSS at %zu KiB (start %zu KiB, threads joined %zu KiB)",
        rss_trim >> 10, rss0 >> 10, rss_joined >> 10);
  run_threads(1 + THREADS); /* trimmed heaps adopted and used again */
  rc = malloc_trim(0);
  CHECK(rc == 0 || rc == 1, "second malloc_trim returned %d", rc);
  puts("ok");
  return 0;
}
