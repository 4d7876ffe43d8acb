/* SPDX-License-Identifier: MIT */
/* aligned_alloc.c — every power-of-two alignment from 1 byte to 64 MiB
 * works: the block is aligned, writable over its whole size and freeable,
 * also when the size is not a multiple of the alignment (C17 DR 460).
 * An invalid alignment (zero or not a power of two) returns NULL with errno
 * EINVAL — brisk contract, as in glibc >= 2.38 and C17; glibc 2.36 (this
 * machine) accepts such alignments, so that part is skipped on glibc.
 * A huge size returns NULL with errno ENOMEM. */
#include "check.h"
#include <malloc.h>
#include <stdint.h>

int main(void) {
  static const size_t bad[] = {0, 3, 6, 24, 100, 4097, (1 << 20) + 1,
                               (size_t)3 << 40, SIZE_MAX, SIZE_MAX / 2 + 2};
  if (on_brisk()) {
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
      errno = 0;
      void *p = aligned_alloc(opaque(bad[k]), 64);
      CHECK(p == NULL, "aligned_alloc(%#zx, 64) = %p, want NULL (invalid "
            "alignment)", bad[k], p);
      CHECK(errno == EINVAL, "aligned_alloc(%#zx, 64): errno %d, want EINVAL",
            bad[k], errno);
    }
  } else {
    NOTE("glibc < 2.38 accepts non-power-of-two alignments; EINVAL part "
         "skipped");
  }

  for (size_t al = 1; al <= 64 * MiB; al <<= 1) {
    size_t sizes[] = {1, al, al + 1, al * 2 + al / 2 + 3, 4096 + 17};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      size_t n = sizes[s];
      errno = 0;
      unsigned char *p = aligned_alloc(al, opaque(n));
      CHECK(p != NULL, "aligned_alloc(%zu, %zu) failed, errno %d", al, n,
            errno);
      CHECK(((uintptr_t)p & (al - 1)) == 0, "aligned_alloc(%zu, %zu) = %p "
            "misaligned", al, n, (void *)p);
      CHECK(((uintptr_t)p & 15) == 0 || al < 16,
            "aligned_alloc block %p not 16-byte aligned", (void *)p);
      CHECK(malloc_usable_size(p) >= n, "usable %zu < %zu",
            malloc_usable_size(p), n);
      if (n <= 4 * MiB) {
        memset(p, 0xA7, n);
      } else {
        for (size_t i = 0; i < n; i += 4096) p[i] = 0xA7;
        p[n - 1] = 0xA7;
      }
      free(p);
    }
  }

  /* keep several large-alignment blocks alive together */
  void *keep[12];
  for (int i = 0; i < 12; i++) {
    size_t al = (size_t)4096 << i; /* 4 KiB .. 8 MiB */
    keep[i] = aligned_alloc(al, 1000);
    CHECK(keep[i] && ((uintptr_t)keep[i] & (al - 1)) == 0,
          "aligned_alloc(%zu, 1000) = %p", al, keep[i]);
    memset(keep[i], i + 1, 1000);
  }
  for (int i = 0; i < 12; i++) {
    for (int j = 0; j < 1000; j++)
      CHECK(((unsigned char *)keep[i])[j] == i + 1, "block %d overwritten", i);
    free(keep[i]);
  }

  static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 4096,
                                (size_t)PTRDIFF_MAX + 1, (size_t)1 << 48};
  for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
    errno = 0;
    void *p = aligned_alloc(64, opaque(huge[k]));
    CHECK(p == NULL && errno == ENOMEM, "aligned_alloc(64, %#zx) = %p errno "
          "%d, want NULL/ENOMEM", huge[k], p, errno);
  }
  puts("ok");
  return 0;
}
