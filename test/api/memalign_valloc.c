/* SPDX-License-Identifier: MIT */
/* memalign_valloc.c — memalign(al, n) is al-aligned for power-of-two al;
 * valloc and pvalloc return page-aligned blocks; pvalloc(n) rounds n up to
 * a whole number of pages and the usable size covers those pages (all of
 * it writable); huge sizes fail with NULL and errno ENOMEM in all three. */
#include "check.h"
#include <malloc.h>
#include <stdint.h>

int main(void) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  for (size_t al = 1; al <= 16 * MiB; al <<= 1) {
    size_t sizes[] = {1, 100, al, al + 5};
    for (size_t s = 0; s < 4; s++) {
      unsigned char *p = memalign(al, sizes[s]);
      CHECK(p != NULL, "memalign(%zu, %zu) failed", al, sizes[s]);
      CHECK(((uintptr_t)p & (al - 1)) == 0, "memalign(%zu) = %p", al,
            (void *)p);
      memset(p, 0x19, sizes[s]);
      free(p);
    }
  }
  static const size_t vs[] = {1, 100, 4095, 4096, 4097, 10000, 65536, 1 << 20,
                              (5 << 20) + 3};
  for (size_t k = 0; k < sizeof vs / sizeof vs[0]; k++) {
    size_t n = vs[k];
    unsigned char *v = valloc(n);
    CHECK(v != NULL, "valloc(%zu) failed", n);
    CHECK(((uintptr_t)v & (page - 1)) == 0, "valloc(%zu) = %p not page "
          "aligned", n, (void *)v);
    memset(v, 0x2A, n);

    unsigned char *pv = pvalloc(n);
    CHECK(pv != NULL, "pvalloc(%zu) failed", n);
    CHECK(((uintptr_t)pv & (page - 1)) == 0, "pvalloc(%zu) = %p not page "
          "aligned", n, (void *)pv);
    size_t rounded = (n + page - 1) & ~(page - 1);
    size_t us = malloc_usable_size(pv);
    CHECK(us >= rounded, "pvalloc(%zu): usable size %zu < %zu (rounded up "
          "to pages)", n, us, rounded);
    memset(pv, 0x3B, rounded); /* the whole rounded size is ours */
    for (size_t i = 0; i < n; i++)
      CHECK(v[i] == 0x2A, "valloc block clobbered by pvalloc block writes");
    free(v);
    free(pv);
  }
  /* pvalloc(0): glibc returns a page-aligned block; must be freeable */
  void *z = pvalloc(0);
  CHECK(z != NULL && ((uintptr_t)z & (page - 1)) == 0, "pvalloc(0) = %p", z);
  free(z);
  /* many page-aligned blocks live together do not overlap */
  enum { M = 300 };
  static unsigned char *b[M];
  for (int i = 0; i < M; i++) {
    b[i] = (i & 1) ? valloc(700) : pvalloc(700);
    CHECK(b[i] && ((uintptr_t)b[i] & (page - 1)) == 0, "block %d", i);
    memset(b[i], i & 0xFF, 700);
  }
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < 700; j++)
      CHECK(b[i][j] == (i & 0xFF), "block %d overwritten", i);
    free(b[i]);
  }

  const size_t huge[] = {SIZE_MAX, SIZE_MAX - page, SIZE_MAX - 1,
                                (size_t)PTRDIFF_MAX + 1, (size_t)1 << 48};
  for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
    size_t n = opaque(huge[k]);
    errno = 0;
    void *p = memalign(64, n);
    CHECK(p == NULL && errno == ENOMEM, "memalign(64, %#zx) = %p errno %d",
          n, p, errno);
    errno = 0;
    p = valloc(n);
    CHECK(p == NULL && errno == ENOMEM, "valloc(%#zx) = %p errno %d", n, p,
          errno);
    errno = 0;
    p = pvalloc(n);
    CHECK(p == NULL && errno == ENOMEM, "pvalloc(%#zx) = %p errno %d", n, p,
          errno);
  }
  puts("ok");
  return 0;
}
