/* SPDX-License-Identifier: MIT */
/* stats_truth.c — brisk's statistics match what the program did:
 * the live peak sees a single huge block and a single large block that
 * lived between two samples (malloc, touch, free: peak >= its size) and
 * 4 MB of small blocks that reused the holes of others, and
 * frees by a thread that never allocated count as frees by another thread;
 * the calling thread's own frees, counted on the fast path in one packed
 * word that wraps every 1024 frees (observe/event.h), are exact at every
 * step across several wraps, blocks of pages of several slices included:
 * free_calls grows by one and `allocated`
 * drops by the block's usable size.
 * The peak is kept without a global lock (per-heap contributions merged on
 * read), so this also checks that merging.  Brisk-only checks (the
 * statistics are resolved with dlsym); on glibc the program just runs. */
#include "check.h"
#include <pthread.h>
#include <stdint.h>

#include "brisk.h"

typedef int (*stats_fn)(brisk_stats_t *);
static stats_fn get_stats;

enum { NREMOTE = 100000 };
static void *blocks[NREMOTE];

static void *freer(void *arg) {
  (void)arg;
  for (int i = 0; i < NREMOTE; i++) free(blocks[i]); /* this thread never allocates */
  return NULL;
}

#include <malloc.h>

enum { NOWN = 5000 };
static void *own[NOWN];
static uint64_t own_bytes[NOWN]; /* what each malloc added to `allocated` */

static void own_frees_exact(void) {
  brisk_stats_t base, now;
  for (int i = 0; i < NOWN; i++) {
    get_stats(&base);
    /* every seventh a block of a page of several slices (the owner's
     * free of it takes core/free.c brisk_free_own_declined) */
    own[i] = malloc(i % 7 == 0 ? 9000 + (size_t)(i * 131) % 100000 : 16 + (size_t)(i * 37) % 1000);
    CHECK(own[i] != NULL, "malloc");
    get_stats(&now);
    own_bytes[i] = now.allocated - base.allocated;
    CHECK(own_bytes[i] >= malloc_usable_size(own[i]), "malloc %d added %llu bytes", i,
          (unsigned long long)own_bytes[i]);
  }
  get_stats(&base);
  uint64_t bytes = 0;
  for (int i = 0; i < NOWN; i++) {
    bytes += own_bytes[i];
    free(own[i]);
    if (i % 97 == 0 || i == NOWN - 1) {
      get_stats(&now);
      CHECK(now.free_calls - base.free_calls == (uint64_t)i + 1, "after %d own frees free_calls grew by %llu", i + 1,
            (unsigned long long)(now.free_calls - base.free_calls));
      CHECK(base.allocated - now.allocated == bytes, "after %d own frees allocated fell by %llu, want %llu", i + 1,
            (unsigned long long)(base.allocated - now.allocated), (unsigned long long)bytes);
    }
  }
}

static void peak_sees(size_t n) {
  brisk_stats_t a, b;
  get_stats(&a);
  unsigned char *p = malloc(n);
  CHECK(p != NULL, "malloc(%zu)", n);
  memset(p, 1, n);
  free(p);
  get_stats(&b);
  CHECK(b.peak_allocated >= a.allocated + n,
        "a block of %zu bytes lived, but the live peak is %llu (live before %llu)", n,
        (unsigned long long)b.peak_allocated, (unsigned long long)a.allocated);
}

/* A peak made of reused holes: 4 MB of 4 KiB blocks put back into the
 * holes every other free left in 8 MB of them, on top of 2 MB allocated
 * since, so that the peak (10 MB) is a new one.  The refills take the
 * slow path once per page (its free blocks used up, the next page
 * serves), which checks the peak every 64 KiB it serves (core/alloc.c
 * refill); the grant's own check (every 4096 allocations) alone would
 * miss most of the 4 MB.  Read after the frees (live counts in the peak);
 * the 2 MB go first, so that a check on the frees' path comes below the
 * peak. */
enum { NHOLES = 2000, HOLE = 4096, NEXTRA = 32, EXTRA = 64 << 10 };
static void *holes[NHOLES], *extra[NEXTRA];

static void peak_sees_reuse(void) {
  for (int i = 0; i < NHOLES; i++) {
    holes[i] = malloc(HOLE);
    CHECK(holes[i] != NULL, "malloc");
  }
  for (int i = 0; i < NHOLES; i += 2) free(holes[i]);
  for (int i = 0; i < NEXTRA; i++) {
    extra[i] = malloc(EXTRA);
    CHECK(extra[i] != NULL, "malloc");
  }
  brisk_stats_t a, b;
  get_stats(&a);
  for (int i = 0; i < NHOLES; i += 2) {
    holes[i] = malloc(HOLE);
    CHECK(holes[i] != NULL, "malloc");
  }
  for (int i = 0; i < NEXTRA; i++) free(extra[i]);
  for (int i = 0; i < NHOLES; i++) free(holes[i]);
  get_stats(&b);
  uint64_t want = a.allocated + (uint64_t)(NHOLES / 2) * HOLE;
  CHECK(b.peak_allocated + (512u << 10) >= want,
        "%d blocks of %d bytes filled holes on top of %llu live, but the live peak is %llu", NHOLES / 2, HOLE,
        (unsigned long long)a.allocated, (unsigned long long)b.peak_allocated);
}

int main(void) {
  get_stats = (stats_fn)dlsym(RTLD_DEFAULT, "brisk_stats_get");
  if (on_brisk() && get_stats) peak_sees_reuse(); /* first: before the peaks of the checks below */
  for (int i = 0; i < NREMOTE; i++) {
    blocks[i] = malloc(32 + i % 200);
    CHECK(blocks[i] != NULL, "malloc");
  }
  brisk_stats_t before, after;
  if (get_stats) get_stats(&before);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, freer, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);
  if (!on_brisk() || get_stats == NULL) {
    puts("ok (not on brisk: statistics not checked)");
    return 0;
  }
  get_stats(&after);
  own_frees_exact();
  peak_sees((size_t)100 << 20); /* huge */
  peak_sees((size_t)1536 << 10); /* large */
  CHECK(after.remote_frees - before.remote_frees >= NREMOTE &&
            after.remote_frees - before.remote_frees <= NREMOTE + 16, /* (the thread's own exit) */
        "%d frees by a thread without a heap, remote_frees grew by %llu", NREMOTE,
        (unsigned long long)(after.remote_frees - before.remote_frees));
  CHECK(after.free_calls - before.free_calls >= NREMOTE, "free_calls grew by %llu",
        (unsigned long long)(after.free_calls - before.free_calls));
  CHECK(after.segments > 0, "segments is %llu", (unsigned long long)after.segments);
  CHECK(after.committed <= after.mapped, "committed %llu > mapped %llu",
        (unsigned long long)after.committed, (unsigned long long)after.mapped);
  puts("ok");
  return 0;
}
