/* SPDX-License-Identifier: MIT */
/* huge_sizes.c — every allocation entry point fails with NULL (or ENOMEM as
 * return value for posix_memalign) and errno ENOMEM for sizes above
 * PTRDIFF_MAX, near SIZE_MAX, and for sizes that fit in ptrdiff_t but cannot
 * be mapped (2^47, 2^48, PTRDIFF_MAX); a normal allocation works after. */
#include "check.h"
#include <malloc.h>
#include <stdint.h>

typedef void *(*fn_t)(size_t);

static void *w_malloc(size_t n) { return malloc(n); }
static void *w_calloc1(size_t n) { return calloc(1, n); }
static void *w_calloc2(size_t n) { return calloc(n, 1); }
static void *w_realloc_null(size_t n) { return realloc(NULL, n); }
static void *w_realloc_small(size_t n) {
  void *p = malloc(32);
  CHECK(p != NULL, "malloc(32)");
  void *q = realloc(p, n);
  if (!q) {
    int e = errno;
    free(p);
    errno = e;
  }
  return q;
}
static void *w_reallocarray(size_t n) { return reallocarray(NULL, n, 1); }
static void *w_aligned_alloc(size_t n) { return aligned_alloc(64, n); }
static void *w_aligned_alloc_big(size_t n) { return aligned_alloc(1 << 21, n); }
static void *w_memalign(size_t n) { return memalign(32, n); }
static void *w_valloc(size_t n) { return valloc(n); }
static void *w_pvalloc(size_t n) { return pvalloc(n); }
static void *w_posix_memalign(size_t n) {
  void *out = (void *)0x10;
  int rc = posix_memalign(&out, 16, n);
  CHECK(rc != 0 || out != (void *)0x10, "posix_memalign rc 0, *out unset");
  CHECK(rc == 0 || out == (void *)0x10, "posix_memalign touched *out on "
        "failure");
  if (rc) {
    CHECK(rc == ENOMEM, "posix_memalign(16, %#zx) returned %d, want ENOMEM",
          n, rc);
    errno = ENOMEM; /* errno itself is not part of posix_memalign's contract */
    return NULL;
  }
  return out;
}

static const struct { const char *name; fn_t fn; } entries[] = {
    {"malloc", w_malloc},
    {"calloc(1,n)", w_calloc1},
    {"calloc(n,1)", w_calloc2},
    {"realloc(NULL,n)", w_realloc_null},
    {"realloc(p,n)", w_realloc_small},
    {"reallocarray(NULL,n,1)", w_reallocarray},
    {"aligned_alloc(64,n)", w_aligned_alloc},
    {"aligned_alloc(2MiB,n)", w_aligned_alloc_big},
    {"memalign(32,n)", w_memalign},
    {"valloc", w_valloc},
    {"pvalloc", w_pvalloc},
    {"posix_memalign(16,n)", w_posix_memalign},
};

int main(void) {
  const size_t sizes[] = {
      SIZE_MAX,         SIZE_MAX - 1,           SIZE_MAX - 15,
      SIZE_MAX - 4096,  SIZE_MAX - (1 << 21),   SIZE_MAX / 2,
      (size_t)PTRDIFF_MAX + 1, (size_t)PTRDIFF_MAX, (size_t)PTRDIFF_MAX - 4096,
      (size_t)1 << 62,  (size_t)1 << 48,        (size_t)1 << 47,
  };
  for (size_t e = 0; e < sizeof entries / sizeof entries[0]; e++) {
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      errno = 0;
      void *p = entries[e].fn(opaque(sizes[s]));
      CHECK(p == NULL, "%s(%#zx) returned %p, want NULL", entries[e].name,
            sizes[s], p);
      CHECK(errno == ENOMEM, "%s(%#zx): errno %d (%s), want ENOMEM",
            entries[e].name, sizes[s], errno, strerror(errno));
    }
  }
  void *p = malloc(100);
  CHECK(p != NULL, "malloc(100) after failures");
  memset(p, 0, 100);
  free(p);
  puts("ok");
  return 0;
}
