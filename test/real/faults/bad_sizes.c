/* SPDX-License-Identifier: MIT */
/* bad_sizes.c — sizes near SIZE_MAX and PTRDIFF_MAX in every allocation
 * entry point: each returns NULL with errno ENOMEM (posix_memalign returns
 * ENOMEM and leaves *out alone), never crashes, never returns a block
 * smaller than asked; realloc/reallocarray failures leave the old block
 * intact; overflowing count*size is caught. */
#include <malloc.h>
#include <stdint.h>

#include "common.h"

static int fails;

#define EXPECT_NOMEM(expr)                                                    \
  do {                                                                        \
    errno = 0;                                                                \
    void *p_ = (expr);                                                        \
    if (p_ != NULL || errno != ENOMEM) {                                      \
      printf("FAIL %s = %p errno %d (want NULL, ENOMEM)\n", #expr, p_, errno); \
      fails++;                                                                \
    }                                                                         \
  } while (0)

/* Sizes no allocation can satisfy. */
static const size_t bad[] = {
    SIZE_MAX,          SIZE_MAX - 1,       SIZE_MAX - 15,     SIZE_MAX - 4095,
    SIZE_MAX - 65535,  SIZE_MAX / 2 + 1,   SIZE_MAX / 2 + 4096, (size_t)PTRDIFF_MAX,
    (size_t)PTRDIFF_MAX - 15, (size_t)PTRDIFF_MAX - 4095, (size_t)PTRDIFF_MAX + 1,
    (size_t)PTRDIFF_MAX + 4096, (size_t)1 << 62, ((size_t)1 << 62) + 12345,
};
#define NBAD (sizeof bad / sizeof bad[0])

int main(void) {
  watchdog(60);
  static const size_t aligns[] = {16, 32, 64, 4096, 65536, 1 << 21, 1 << 24};
  for (size_t i = 0; i < NBAD; i++) {
    size_t n = bad[i];
    EXPECT_NOMEM(malloc(n));
    EXPECT_NOMEM(calloc(1, n));
    EXPECT_NOMEM(calloc(n, 1));
    EXPECT_NOMEM(realloc(NULL, n));
    EXPECT_NOMEM(reallocarray(NULL, 1, n));
    EXPECT_NOMEM(reallocarray(NULL, n, 1));
    EXPECT_NOMEM(valloc(n));
    EXPECT_NOMEM(pvalloc(n));
    for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++) {
      EXPECT_NOMEM(aligned_alloc(aligns[a], n));
      EXPECT_NOMEM(memalign(aligns[a], n));
      void *out = (void *)0x1234;
      int r = posix_memalign(&out, aligns[a], n);
      if (r != ENOMEM || out != (void *)0x1234) {
        printf("FAIL posix_memalign(%zu, %#zx) = %d out %p (want ENOMEM, untouched)\n", aligns[a],
               n, r, out);
        fails++;
      }
    }
    /* Existing blocks of every kind survive a failed resize. */
    static const size_t olds[] = {24, 3000, 100000, 1 << 20, 5 << 20};
    for (size_t k = 0; k < sizeof olds / sizeof olds[0]; k++) {
      size_t m = olds[k];
      unsigned char *p = malloc(m);
      CHECK(p);
      fill(p, m, (uint32_t)(i + k));
      EXPECT_NOMEM(realloc(p, n));
      EXPECT_NOMEM(reallocarray(p, n, 1));
      EXPECT_NOMEM(reallocarray(p, 1, n));
      CHECK(verify(p, m, (uint32_t)(i + k)));
      free(p);
    }
  }
  /* count * size overflows. */
  static const size_t pairs[][2] = {
      {SIZE_MAX, 2},       {2, SIZE_MAX},  {SIZE_MAX / 2 + 1, 2}, {(size_t)1 << 32, (size_t)1 << 32},
      {(size_t)1 << 33, (size_t)1 << 31}, {3, SIZE_MAX / 3 + 1}, {65537, SIZE_MAX / 65536},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    EXPECT_NOMEM(calloc(pairs[i][0], pairs[i][1]));
    EXPECT_NOMEM(reallocarray(NULL, pairs[i][0], pairs[i][1]));
    void *p = malloc(64);
    memset(p, 7, 64);
    EXPECT_NOMEM(reallocarray(p, pairs[i][0], pairs[i][1]));
    CHECK(((unsigned char *)p)[63] == 7);
    free(p);
  }
  /* Size + alignment overflows inside the allocator. */
  EXPECT_NOMEM(memalign((size_t)1 << 20, SIZE_MAX - ((size_t)1 << 19)));
  EXPECT_NOMEM(aligned_alloc((size_t)1 << 30, SIZE_MAX - ((size_t)1 << 29)));
  EXPECT_NOMEM(memalign((size_t)1 << 62, 16));
  EXPECT_NOMEM(aligned_alloc((size_t)1 << 62, 16));
  EXPECT_NOMEM(memalign((size_t)1 << 63, 16));
  /* Still healthy. */
  for (int i = 0; i < 1000; i++) free(malloc((size_t)i * 100));
  if (fails) {
    printf("bad_sizes: %d checks failed\n", fails);
    return 1;
  }
  printf("bad_sizes: %zu sizes x every entry point ok\n", NBAD);
  return 0;
}
