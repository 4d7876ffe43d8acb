/* SPDX-License-Identifier: MIT */
/* calloc_mlock.c — calloc returns zeroed memory also when the allocator
 * cannot purge: under mlockall() the kernel refuses MADV_DONTNEED on the
 * locked pages (EINVAL), so freed memory keeps its old contents.  An
 * allocator that ignores the failed purge and marks the memory clean
 * would later skip the memset of a calloc served from it.
 *
 * Paths tried, each with blocks dirtied with 0xff, freed, then calloc'd:
 *  1. a large block (128 KiB..2 MiB) in a segment kept alive by another
 *     block, purged by malloc_trim(0);
 *  2. the same, purged by the delayed purge (wait past the purge delay,
 *     then slow-path malloc/free calls);
 *  3. whole segments released by frees (more empty segments than a heap
 *     keeps) and reused by later callocs.
 * Needs mlockall (root / CAP_IPC_LOCK or a big RLIMIT_MEMLOCK): when it
 * fails, the test says so and passes as skipped.  MCL_ONFAULT is used
 * where the kernel has it, so locking does not populate every mapping. */
#include "check.h"
#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static void check_zero(const unsigned char *p, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++)
    CHECK(p[i] == 0, "%s: calloc of %zu bytes under mlockall has byte %zu = %#x "
          "(memory freed dirty, purge failed, memset skipped?)", what, n, i, p[i]);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Slow-path allocator calls that give a delayed purge its chance to run
 * without touching the freed large spans: blocks above the small-size
 * limit (1 KiB in brisk) always take the slow path; one block of the
 * class stays live so that its page is neither retired nor re-made. */
static void *slow_keep;
static void slow_path_calls(int n) {
  if (slow_keep == NULL) slow_keep = malloc(opaque(2000));
  CHECK(slow_keep != NULL, "malloc(2000)");
  for (int i = 0; i < n; i++) {
    void *a = malloc(opaque(2000));
    CHECK(a != NULL, "malloc(2000)");
    free(a);
  }
}

static const size_t sizes[] = {512 << 10, 129 << 10, 200000, 1 << 20, 1536 << 10, 2 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* Paths 1 and 2: dirty a large block next to a live one, free it, purge
 * (trim or delayed), calloc the sizes. */
static void large_span_path(int use_trim) {
  const char *what = use_trim ? "large block, malloc_trim" : "large block, delayed purge";
  for (size_t k = 0; k < NSIZES; k++) {
    size_t n = sizes[k];
    /* A live neighbour keeps the segment from being released whole. */
    void *keep = malloc(opaque(100));
    void *keep_large = malloc(opaque(150000));
    CHECK(keep != NULL && keep_large != NULL, "malloc");
    slow_path_calls(1);
    unsigned char *d = malloc(n);
    CHECK(d != NULL, "malloc(%zu)", n);
    memset(d, 0xff, n);
    free(d);
    if (use_trim) {
      malloc_trim(0);
    } else {
      sleep_ms(120); /* BRISK_PURGE_DELAY_MS defaults to 50 */
      slow_path_calls(64);
      sleep_ms(120);
      slow_path_calls(64);
    }
    unsigned char *p = calloc(1, n);
    CHECK(p != NULL, "calloc(1, %zu)", n);
    check_zero(p, n, what);
    /* and a calloc of another size carved from the same freed memory */
    size_t m = n / 2 + 65536;
    unsigned char *q = calloc(m, 1);
    CHECK(q != NULL, "calloc(%zu, 1)", m);
    check_zero(q, m, what);
    memset(p, 0xff, n);
    memset(q, 0xff, m);
    free(p);
    free(q);
    free(keep_large);
    free(keep);
  }
}

/* Path 3: blocks of 2 MiB take a 4 MiB segment each; freeing many empties
 * more segments than a heap keeps, and the extra ones are released (purged)
 * and reused by the callocs that follow. */
static void segment_release_path(void) {
  enum { N = 12 };
  unsigned char *b[N];
  size_t n = (size_t)2 << 20;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < N; i++) {
      b[i] = malloc(opaque(n));
      CHECK(b[i] != NULL, "malloc(2 MiB)");
      memset(b[i], 0xff, n);
    }
    for (int i = 0; i < N; i++) free(b[i]);
    if (round == 1) {
      sleep_ms(120);
      slow_path_calls(64);
    }
    for (int i = 0; i < N; i++) {
      b[i] = calloc(1, opaque(n));
      CHECK(b[i] != NULL, "calloc(1, 2 MiB)");
      check_zero(b[i], n, "released segment");
    }
    for (int i = 0; i < N; i++) {
      memset(b[i], 0xff, n);
      free(b[i]);
    }
    /* smaller large callocs from the same released segments */
    for (int i = 0; i < N; i++) {
      size_t m = sizes[i % NSIZES];
      b[i] = calloc(m, 1);
      CHECK(b[i] != NULL, "calloc(%zu, 1)", m);
      check_zero(b[i], m, "released segment, other size");
    }
    for (int i = 0; i < N; i++) {
      memset(b[i], 0xff, sizes[i % NSIZES]);
      free(b[i]);
    }
    if (round == 2) malloc_trim(0);
  }
}

int main(void) {
  /* Root without a memlock limit may lock everything; others may be let
   * lock up to RLIMIT_MEMLOCK: raise it where allowed (ignored if not). */
  struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
  (void)setrlimit(RLIMIT_MEMLOCK, &rl);
  int rc = mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
  if (rc != 0 && errno == EINVAL) rc = mlockall(MCL_CURRENT | MCL_FUTURE);
  if (rc != 0) {
    NOTE("skipped: mlockall failed (%s); needs CAP_IPC_LOCK (CI runs as root)",
         strerror(errno));
    puts("ok (skipped)");
    return 0;
  }
  /* Without the privilege, locked mappings are limited: an allocation
   * failure then is the limit, not a bug under test. */
  void *probe = malloc(opaque(8 << 20));
  if (probe == NULL) {
    munlockall();
    NOTE("skipped: 8 MiB cannot be mapped under mlockall (memlock limit)");
    puts("ok (skipped)");
    return 0;
  }
  free(probe);
  large_span_path(1);
  large_span_path(0);
  segment_release_path();
  munlockall();
  puts("ok");
  return 0;
}
