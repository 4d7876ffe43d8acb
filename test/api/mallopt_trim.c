/* SPDX-License-Identifier: MIT */
/* mallopt_trim.c — mallopt(M_TRIM_THRESHOLD, 0) is honoured: after it,
 * freeing 64 MiB of 4 KiB blocks gives the memory back to the kernel at
 * once (no delay, no malloc_trim), so RSS falls to within 16 MiB of where
 * it started.  Without the call brisk keeps up to its dirty limit
 * (32 MiB per heap by default) for reuse.  On glibc the figure is noted,
 * not enforced.  (The hardened build keeps its options read-only: the
 * call is accepted without effect there; test/run.sh skips this test on
 * it.) */
#include "check.h"
#include <malloc.h>

enum { N = 16384, SIZE = 4096 };

int main(void) {
  static void *v[N];
  size_t rss0 = rss_bytes();
  CHECK(mallopt(M_TRIM_THRESHOLD, 0) == 1, "mallopt(M_TRIM_THRESHOLD, 0) refused");
  for (int i = 0; i < N; i++) {
    v[i] = malloc(SIZE);
    CHECK(v[i] != NULL, "malloc");
    memset(v[i], 0x3c, SIZE);
  }
  size_t rss_peak = rss_bytes();
  for (int i = 0; i < N; i++) free(v[i]);
  size_t rss_end = rss_bytes();
  NOTE("rss KiB: start %zu, peak %zu, after free %zu", rss0 >> 10, rss_peak >> 10, rss_end >> 10);
  CHECK(rss_peak > rss0 + 48 * MiB, "allocations did not raise RSS");
  if (on_brisk()) {
    CHECK(rss_end < rss0 + 16 * MiB, "M_TRIM_THRESHOLD=0 not honoured: %zu KiB kept after free",
          (rss_end - rss0) >> 10);
  } else if (rss_end >= rss0 + 16 * MiB) {
    NOTE("glibc keeps %zu KiB (not enforced on glibc)", (rss_end - rss0) >> 10);
  }
  puts("ok");
  return 0;
}
