/* SPDX-License-Identifier: MIT */
/* posix_memalign_errno.c — errno after posix_memalign, as glibc does it
 * (and docs/api.md promises):
 *  - failure for lack of memory (impossible size, or an alignment that can
 *    never be met): returns ENOMEM and sets errno to ENOMEM, whatever errno
 *    was before (0 or another value);
 *  - invalid alignment (0, not a power of two, not a multiple of
 *    sizeof(void *)): returns EINVAL and leaves errno unchanged;
 *  - success: leaves errno unchanged.
 * *out is untouched on every failure. */
#include "check.h"
#include <stdint.h>

int main(void) {
  void *const sentinel = (void *)0x1234;
  static const struct {
    size_t align, size;
  } nomem[] = {
      {64, SIZE_MAX / 2},
      {64, SIZE_MAX},
      {16, SIZE_MAX / 2},
      {4096, (size_t)1 << 50},
      {8, SIZE_MAX - 4096},
      {(size_t)1 << 62, 64},        /* huge alignment */
      {SIZE_MAX / 2 + 1, 64},       /* 2^63 */
      {SIZE_MAX / 2 + 1, 0},
      {(size_t)1 << 40, (size_t)1 << 47},
  };
  static const int before[] = {0, EBADF, EINVAL};
  for (size_t k = 0; k < sizeof nomem / sizeof nomem[0]; k++) {
    for (size_t b = 0; b < sizeof before / sizeof before[0]; b++) {
      void *p = sentinel;
      errno = before[b];
      int rc = posix_memalign(&p, opaque(nomem[k].align), opaque(nomem[k].size));
      int e = errno;
      CHECK(rc == ENOMEM, "posix_memalign(&p, %#zx, %#zx) returned %d, want ENOMEM",
            nomem[k].align, nomem[k].size, rc);
      CHECK(p == sentinel, "posix_memalign(&p, %#zx, %#zx) failed but changed *out",
            nomem[k].align, nomem[k].size);
      CHECK(e == ENOMEM,
            "posix_memalign(&p, %#zx, %#zx) returned ENOMEM but errno is %d (was %d "
            "before), want ENOMEM as glibc sets it", nomem[k].align, nomem[k].size, e,
            before[b]);
    }
  }

  /* EINVAL: glibc returns before allocating; errno keeps its value. */
  static const size_t bad[] = {0, 1, 2, 3, 4, 12, 24, 48, 100, 4097, SIZE_MAX};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    for (size_t b = 0; b < sizeof before / sizeof before[0]; b++) {
      void *p = sentinel;
      errno = before[b];
      int rc = posix_memalign(&p, opaque(bad[k]), 64);
      int e = errno;
      CHECK(rc == EINVAL, "posix_memalign(&p, %#zx, 64) returned %d, want EINVAL", bad[k],
            rc);
      CHECK(p == sentinel, "posix_memalign(&p, %#zx, 64) failed but changed *out", bad[k]);
      CHECK(e == before[b], "posix_memalign(&p, %#zx, 64) returned EINVAL and changed errno "
            "from %d to %d (glibc leaves it)", bad[k], before[b], e);
    }
  }

  /* Success leaves errno alone. */
  static const size_t good[] = {8, 16, 64, 4096, 65536, (size_t)1 << 21};
  for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
    void *p = NULL;
    errno = EBADF;
    int rc = posix_memalign(&p, good[k], 100);
    CHECK(rc == 0 && p != NULL, "posix_memalign(&p, %zu, 100) returned %d", good[k], rc);
    CHECK(errno == EBADF, "posix_memalign(&p, %zu, 100) succeeded but changed errno to %d",
          good[k], errno);
    CHECK(((uintptr_t)p & (good[k] - 1)) == 0, "misaligned block");
    free(p);
  }
  puts("ok");
  return 0;
}
