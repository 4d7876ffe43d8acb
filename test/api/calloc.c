/* SPDX-License-Identifier: MIT */
/* calloc.c — calloc returns zeroed memory (also when it reuses a dirtied
 * block of the same or of a different size — memory split from or merged
 * with freed spans — and for large blocks), calloc(0, n) and calloc(n, 0)
 * return a freeable pointer, and count*size overflow returns NULL with
 * errno ENOMEM. */
#include "check.h"
#include <stdint.h>

static void check_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    CHECK(p[i] == 0, "calloc block of %zu bytes has byte %zu = %#x", n, i,
          p[i]);
}

int main(void) {
  static const size_t sizes[] = {1,    8,     16,    24,    100,
                                 1000, 4096,  10000, 65536, 200000,
                                 1 << 20, 3 << 20, 40 << 20};
  for (int round = 0; round < 4; round++) {
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      size_t n = sizes[k];
      /* dirty a block of the same size first so calloc may reuse it */
      unsigned char *d = malloc(n);
      CHECK(d != NULL, "malloc(%zu)", n);
      memset(d, 0xA5, n);
      free(d);
      unsigned char *p = calloc(1, n);
      CHECK(p != NULL, "calloc(1, %zu) returned NULL", n);
      check_zero(p, n);
      memset(p, 0x5A, n);
      free(p);
      p = calloc(n, 1);
      CHECK(p != NULL, "calloc(%zu, 1) returned NULL", n);
      check_zero(p, n);
      memset(p, 0x3C, n);
      free(p);
    }
  }
  /* many small dirty blocks freed then calloc'd */
  enum { M = 5000 };
  static void *v[M];
  for (int i = 0; i < M; i++) {
    v[i] = malloc(48);
    CHECK(v[i] != NULL, "malloc(48)");
    memset(v[i], 0xFF, 48);
  }
  for (int i = 0; i < M; i++) free(v[i]);
  for (int i = 0; i < M; i++) {
    v[i] = calloc(6, 8);
    CHECK(v[i] != NULL, "calloc(6, 8)");
    check_zero(v[i], 48);
  }
  for (int i = 0; i < M; i++) free(v[i]);

  /* dirty a block of one size, free it, calloc another size (64 KiB..1 MiB
   * and small): the calloc block may be carved from the dirty span */
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (int r = 0; r < 400; r++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    size_t a = (r % 4 == 3) ? 16 + (size_t)(x >> 40) % 4000
                            : 65536 + (size_t)(x >> 33) % 1000000;
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    size_t b = (r % 5 == 4) ? 16 + (size_t)(x >> 40) % 4000
                            : 65536 + (size_t)(x >> 33) % 1000000;
    unsigned char *d = malloc(a);
    CHECK(d != NULL, "malloc(%zu)", a);
    memset(d, 0xAB, a);
    if (r % 3 == 1) { /* also through realloc */
      d = realloc(d, a / 2 + 1);
      CHECK(d != NULL, "realloc");
    }
    free(d);
    unsigned char *p = calloc(1, b);
    CHECK(p != NULL, "calloc(1, %zu)", b);
    for (size_t i = 0; i < b; i++)
      CHECK(p[i] == 0, "round %d: malloc(%zu), dirty, free, then calloc(1, "
            "%zu) has byte %zu = %#x", r, a, b, i, p[i]);
    memset(p, 0xCD, b);
    free(p);
  }

  /* zero counts */
  void *z = calloc(0, 16);
  CHECK(z != NULL, "calloc(0, 16) returned NULL (glibc returns a block)");
  free(z);
  z = calloc(16, 0);
  CHECK(z != NULL, "calloc(16, 0) returned NULL (glibc returns a block)");
  free(z);

  /* overflow of count * size */
  struct { size_t a, b; } ovf[] = {
      {SIZE_MAX, 2},
      {2, SIZE_MAX},
      {(SIZE_MAX >> 1) + 1, 2},
      {(size_t)1 << 32, (size_t)1 << 32},
      {SIZE_MAX / 3 + 1, 3},
      {SIZE_MAX, SIZE_MAX},
      {((size_t)1 << 33) + 1, ((size_t)1 << 31) + 1},
  };
  for (size_t k = 0; k < sizeof ovf / sizeof ovf[0]; k++) {
    errno = 0;
    void *p = calloc(opaque(ovf[k].a), opaque(ovf[k].b));
    CHECK(p == NULL, "calloc(%zu, %zu) overflow did not return NULL",
          ovf[k].a, ovf[k].b);
    CHECK(errno == ENOMEM, "calloc(%zu, %zu): errno %d, want ENOMEM",
          ovf[k].a, ovf[k].b, errno);
  }
  /* product fits in size_t but is absurdly large */
  errno = 0;
  CHECK(calloc(opaque((size_t)1 << 31), opaque((size_t)1 << 31)) == NULL,
        "calloc(2^31, 2^31) (2^62 bytes) succeeded");
  CHECK(errno == ENOMEM, "calloc 2^62: errno %d", errno);
  puts("ok");
  return 0;
}
