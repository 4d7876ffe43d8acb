/* SPDX-License-Identifier: MIT */
/* free_errno.c — free() preserves errno for every kind of block (tiny,
 * small, medium, large/direct-mapped, aligned, NULL), including frees that
 * empty whole pages or spans and so may make the allocator return memory
 * to the kernel (munmap/madvise must not leak their errno). */
#include "check.h"
#include <malloc.h>
#include <stdint.h>

static void free_keep(void *p, const char *what) {
  errno = EXDEV;
  free(p);
  CHECK(errno == EXDEV, "free(%s) changed errno to %d (%s)", what, errno,
        strerror(errno));
}

int main(void) {
  free_keep(NULL, "NULL");
  enum { N = 20000 };
  static void *v[N];
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < N; i++) {
      size_t n = (i % 50 == 0) ? 70000 : (size_t)(i % 400) + 1;
      v[i] = malloc(n);
      CHECK(v[i] != NULL, "malloc");
      memset(v[i], 1, n);
    }
    for (int i = 0; i < N; i++) free_keep(v[i], "small/medium");
  }
  for (size_t n = MiB; n <= 64 * MiB; n *= 2) {
    void *p = malloc(n);
    CHECK(p != NULL, "malloc(%zu)", n);
    memset(p, 1, n);
    free_keep(p, "large");
  }
  for (size_t al = 16; al <= 4 * MiB; al *= 4) {
    void *p = aligned_alloc(al, al + 10);
    CHECK(p != NULL, "aligned_alloc");
    free_keep(p, "aligned");
  }
  void *c = calloc(1, 32 * MiB);
  CHECK(c != NULL, "calloc 32 MiB");
  free_keep(c, "calloc large");
  /* trim between frees to provoke purging paths */
  malloc_trim(0);
  for (int i = 0; i < N; i++) {
    v[i] = malloc(128);
    CHECK(v[i] != NULL, "malloc");
  }
  for (int i = 0; i < N; i++) free_keep(v[i], "after trim");
  puts("ok");
  return 0;
}
