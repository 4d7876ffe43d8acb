/* SPDX-License-Identifier: MIT */
/* link_lbrisk.c — linked with -lbrisk (no LD_PRELOAD): malloc resolves to
 * libbrisk, libc-internal allocations (strdup, fopen) go to brisk too, and
 * the extension API works: brisk_usable_size, brisk_stats_get (EINVAL for
 * NULL; malloc_calls/free_calls/allocated/mapped move as expected),
 * brisk_stats_print writes a report, brisk_trim lowers RSS and committed
 * bytes after freeing ~100 MiB.  Built and run only against brisk. */
#include "check.h"
#include <brisk.h>
#include <malloc.h>
#include <stdint.h>

int main(void) {
  CHECK(on_brisk(), "malloc is not resolved to libbrisk");
  Dl_info info;
  CHECK(dladdr((void *)brisk_malloc, &info) && strstr(info.dli_fname,
        "libbrisk"), "brisk_malloc not in libbrisk");
  NOTE("malloc from %s", info.dli_fname);

  char *s = strdup("hello brisk"); /* allocated inside libc */
  CHECK(s != NULL, "strdup");
  CHECK(brisk_usable_size(s) >= 12, "brisk_usable_size(strdup) = %zu",
        brisk_usable_size(s));
  free(s);
  FILE *f = fopen("/proc/self/maps", "r");
  CHECK(f != NULL, "fopen");
  char line[512];
  int seen = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, "libbrisk")) seen = 1;
  fclose(f);
  CHECK(seen, "libbrisk not mapped");

  CHECK(brisk_stats_get(NULL) == EINVAL, "brisk_stats_get(NULL) != EINVAL");
  brisk_stats_t a, b, c;
  CHECK(brisk_stats_get(&a) == 0, "brisk_stats_get");
  enum { N = 100000 };
  static void *v[N];
  for (int i = 0; i < N; i++) {
    v[i] = malloc(1000);
    CHECK(v[i] != NULL, "malloc");
    memset(v[i], 1, 1000);
    CHECK(malloc_usable_size(v[i]) == brisk_usable_size(v[i]),
          "malloc_usable_size != brisk_usable_size");
  }
  CHECK(brisk_stats_get(&b) == 0, "brisk_stats_get");
  NOTE("malloc_calls %llu -> %llu, allocated %llu -> %llu, mapped %llu, "
       "committed %llu", (unsigned long long)a.malloc_calls,
       (unsigned long long)b.malloc_calls, (unsigned long long)a.allocated,
       (unsigned long long)b.allocated, (unsigned long long)b.mapped,
       (unsigned long long)b.committed);
  CHECK(b.malloc_calls >= a.malloc_calls + N, "malloc_calls grew by %llu",
        (unsigned long long)(b.malloc_calls - a.malloc_calls));
  CHECK(b.bytes_requested >= a.bytes_requested + (uint64_t)N * 1000,
        "bytes_requested did not grow by 100 MB");
  CHECK(b.allocated >= a.allocated + (uint64_t)N * 1000,
        "allocated did not grow by 100 MB");
  CHECK(b.allocated <= a.allocated + (uint64_t)N * 1000 * 2,
        "allocated grew by more than twice the requested bytes");
  CHECK(b.mapped >= b.allocated, "mapped %llu < allocated %llu",
        (unsigned long long)b.mapped, (unsigned long long)b.allocated);
  CHECK(b.peak_allocated >= b.allocated, "peak_allocated < allocated");
  CHECK(b.peak_mapped >= b.mapped, "peak_mapped < mapped");
  CHECK(b.mmap_calls > 0, "mmap_calls is 0");
  CHECK(b.threads >= 1, "threads is 0");
  size_t rss_peak = rss_bytes();
  for (int i = 0; i < N; i++) free(v[i]);
  CHECK(brisk_stats_get(&c) == 0, "brisk_stats_get");
  CHECK(c.free_calls >= b.free_calls + N, "free_calls grew by %llu",
        (unsigned long long)(c.free_calls - b.free_calls));
  CHECK(c.allocated + (uint64_t)N * 1000 <= b.allocated,
        "allocated did not fall after freeing 100 MB (%llu -> %llu)",
        (unsigned long long)b.allocated, (unsigned long long)c.allocated);
  size_t released = brisk_trim();
  brisk_stats_t d;
  CHECK(brisk_stats_get(&d) == 0, "brisk_stats_get");
  size_t rss_trim = rss_bytes();
  NOTE("brisk_trim released %zu bytes; rss %zu -> %zu KiB; committed %llu -> "
       "%llu", released, rss_peak >> 10, rss_trim >> 10,
       (unsigned long long)c.committed, (unsigned long long)d.committed);
  CHECK(rss_trim + 80 * MiB < rss_peak, "brisk_trim did not lower RSS");
  CHECK(d.committed <= c.committed, "committed grew across brisk_trim");
  CHECK(d.committed < 40 * MiB, "committed still %llu bytes after trim",
        (unsigned long long)d.committed);
  CHECK(brisk_trim() < 16 * MiB, "second brisk_trim released a lot again");

  char path[] = "/tmp/brisk-test-printXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  unlink(path);
  brisk_stats_print(fd);
  off_t len = lseek(fd, 0, SEEK_END);
  CHECK(len > 0, "brisk_stats_print wrote nothing");
  close(fd);

  /* prefixed entry points interoperate with the plain ones */
  void *p = brisk_malloc(100);
  CHECK(p != NULL, "brisk_malloc");
  p = realloc(p, 5000);
  CHECK(p != NULL, "realloc of brisk_malloc block");
  brisk_free(p);
  p = brisk_aligned_alloc(4096, 100);
  CHECK(p && ((uintptr_t)p & 4095) == 0, "brisk_aligned_alloc");
  free(p);
  puts("ok");
  return 0;
}
