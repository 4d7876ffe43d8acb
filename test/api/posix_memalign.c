/* SPDX-License-Identifier: MIT */
/* posix_memalign.c — returns EINVAL (and leaves *out untouched) when the
 * alignment is not a power of two multiple of sizeof(void *); ENOMEM (and
 * *out untouched) for impossible sizes; 0 with an aligned, writable,
 * freeable block for every alignment from 8 bytes to 64 MiB.  errno is not
 * required to change (posix_memalign reports through its return value). */
#include "check.h"
#include <stdint.h>

int main(void) {
  void *const sentinel = (void *)0x1234;
  static const size_t bad[] = {0, 1, 2, 3, 4, 6, 12, 24, 48, 100, 4095,
                               (1 << 20) + 8, SIZE_MAX, SIZE_MAX / 2 + 2,
                               (size_t)1 << 63 | 8};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    void *out = sentinel;
    int rc = posix_memalign(&out, opaque(bad[k]), 64);
    CHECK(rc == EINVAL, "posix_memalign(align=%#zx) returned %d, want EINVAL",
          bad[k], rc);
    CHECK(out == sentinel, "*out modified on EINVAL (align %#zx)", bad[k]);
  }
  static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 64, (size_t)PTRDIFF_MAX + 1,
                                (size_t)1 << 48};
  for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
    for (size_t al = 8; al <= 1 << 16; al <<= 4) {
      void *out = sentinel;
      int rc = posix_memalign(&out, al, opaque(huge[k]));
      CHECK(rc == ENOMEM, "posix_memalign(%zu, %#zx) returned %d, want ENOMEM",
            al, huge[k], rc);
      CHECK(out == sentinel, "*out modified on ENOMEM");
    }
  }
  for (size_t al = sizeof(void *); al <= 64 * MiB; al <<= 1) {
    size_t sizes[] = {1, 8, al / 2 + 1, al, al + 1, 3 * al};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      size_t n = sizes[s];
      if (n > 200 * MiB) continue;
      void *out = sentinel;
      int rc = posix_memalign(&out, al, n);
      CHECK(rc == 0, "posix_memalign(%zu, %zu) returned %d", al, n, rc);
      CHECK(out != sentinel && out != NULL, "no block returned");
      CHECK(((uintptr_t)out & (al - 1)) == 0,
            "posix_memalign(%zu, %zu) = %p is misaligned", al, n, out);
      unsigned char *c = out;
      c[0] = 1;
      c[n - 1] = 2;
      if (n <= 1 << 20) memset(c, 0x6B, n);
      free(out);
    }
  }
  /* many small aligned blocks at once: distinct and aligned */
  enum { M = 2000 };
  static void *v[M];
  for (int i = 0; i < M; i++) {
    size_t al = (size_t)8 << (i % 10);
    CHECK(posix_memalign(&v[i], al, 40) == 0, "posix_memalign(%zu, 40)", al);
    CHECK(((uintptr_t)v[i] & (al - 1)) == 0, "misaligned");
    memset(v[i], i & 0xFF, 40);
  }
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < 40; j++)
      CHECK(((unsigned char *)v[i])[j] == (i & 0xFF), "block %d overwritten",
            i);
    free(v[i]);
  }
  /* size 0: NULL or a unique freeable pointer */
  void *z = sentinel;
  CHECK(posix_memalign(&z, 64, 0) == 0, "posix_memalign(64, 0) failed");
  CHECK(z != sentinel, "*out not set");
  free(z);
  puts("ok");
  return 0;
}
