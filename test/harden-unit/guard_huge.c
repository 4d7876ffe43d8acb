/* SPDX-License-Identifier: MIT */
/* guard_huge.c — BRISK_GUARD_PAGES on huge blocks (> 2 MiB, own mapping):
 * a PROT_NONE page right after the block's last page, also for a block
 * served from the huge cache (as it was, or split off a bigger cached
 * mapping) and after realloc (grown or shrunk by mremap, or moved by the
 * hardened entry paths).  Writing the 4096 bytes after the block faults;
 * the block itself is writable.  Sizes leave room for an 8-byte canary
 * word in the block's last page.  Fails on a build without guards (the
 * page after the block is unmapped or another mapping). */
#include "hu.h"

#include <malloc.h>

#define MiB ((size_t)1 << 20)

static void expect_guarded(unsigned char *p, size_t n, const char *what) {
  CHECK(p != NULL, "%s: NULL", what);
  size_t u = malloc_usable_size(p);
  CHECK(u >= n, "%s: usable %zu < %zu", what, u, n);
  unsigned char *end = (unsigned char *)(((uintptr_t)p + u + 4095) & ~(uintptr_t)4095);
  CHECK(is_guard(end), "%s: no PROT_NONE page after the block (%p + %zu)", what, (void *)p, u);
  CHECK(touch_faults(write_span, p + u, p + u + 4096), "%s: a write past the end did not fault", what);
  span_arg_t a = {p + u - 4096, p + u};
  char err[256];
  CHECK(in_child(write_span, &a, err, sizeof err) == 0, "%s: writing the block's last page failed", what);
}

int main(void) {
  CHECK(on_brisk(), "not running on brisk");
  unsigned char *p = malloc(3 * MiB - 8);
  expect_guarded(p, 3 * MiB - 8, "fresh 3 MiB");
  memset(p, 1, 3 * MiB - 8);
  free(p);
  p = malloc(3 * MiB - 8); /* the cached mapping as it was */
  expect_guarded(p, 3 * MiB - 8, "cached 3 MiB");
  free(p);
  unsigned char *big = malloc(40 * MiB - 8);
  expect_guarded(big, 40 * MiB - 8, "fresh 40 MiB");
  free(big);
  p = malloc(5 * MiB - 8); /* split off the cached 40 MiB mapping */
  expect_guarded(p, 5 * MiB - 8, "5 MiB split from the cache");
  unsigned char *q = malloc(20 * MiB - 8); /* maybe the split's tail */
  expect_guarded(q, 20 * MiB - 8, "20 MiB after a split");
  memset(p, 3, 5 * MiB - 8);
  p = realloc(p, 9 * MiB - 8);
  expect_guarded(p, 9 * MiB - 8, "realloc grown to 9 MiB");
  for (size_t i = 0; i < 5 * MiB; i += 4096) CHECK(p[i] == 3, "content lost at %zu", i);
  p = realloc(p, 3 * MiB + 12345);
  expect_guarded(p, 3 * MiB + 12345, "realloc shrunk to 3 MiB + 12345");
  p = realloc(p, 30 * MiB - 8);
  expect_guarded(p, 30 * MiB - 8, "realloc grown to 30 MiB");
  free(p);
  free(q);
  void *a = aligned_alloc(8 * MiB, 5 * MiB - 8);
  expect_guarded(a, 5 * MiB - 8, "aligned 8 MiB");
  free(a);
  puts("ok");
  return 0;
}
