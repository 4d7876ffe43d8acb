/* SPDX-License-Identifier: MIT */
/* bad_align.c — alignment arguments: 0, non-powers of two, below
 * sizeof(void *), huge.  Expected results (docs/api.md, glibc):
 *   posix_memalign: EINVAL unless a power of two multiple of sizeof(void *);
 *                   a valid but unsatisfiable alignment gives ENOMEM;
 *                   *out untouched on failure.
 *   aligned_alloc:  brisk (C17 / glibc >= 2.38): NULL + EINVAL for a
 *                   non-power of two (glibc 2.36 treats it like memalign,
 *                   so that check runs only under brisk).
 *   memalign:       as glibc: below 16 raised, non-power of two rounded up
 *                   to the next power; > SIZE_MAX/2+1 gives EINVAL; a huge
 *                   power of two gives ENOMEM.
 * Every successful result is aligned, usable for its size, and freeable. */
#include <malloc.h>
#include <stdint.h>

#include "common.h"

static int fails;

#define FAILF(...)        \
  do {                    \
    printf("FAIL ");      \
    printf(__VA_ARGS__);  \
    printf("\n");         \
    fails++;              \
  } while (0)

static size_t next_pow2(size_t a) {
  size_t p = 16;
  while (p < a) p <<= 1;
  return p;
}

static void use(void *p, size_t align, size_t n, const char *what) {
  if (p == NULL) {
    FAILF("%s(%zu, %zu) = NULL errno %d", what, align, n, errno);
    return;
  }
  if ((uintptr_t)p % align != 0) FAILF("%s(%zu, %zu) = %p misaligned", what, align, n, p);
  if (malloc_usable_size(p) < n) FAILF("%s(%zu, %zu): usable size too small", what, align, n);
  fill(p, n, (uint32_t)align);
  if (!verify(p, n, (uint32_t)align)) FAILF("%s: content", what);
  free(p);
}

int main(void) {
  watchdog(60);
  int brisk = under_brisk();
  static const size_t bad[] = {0, 1, 2, 3, 4, 5, 7, 12, 24, 48, 96, 100, 4095, 4097, 65535,
                               (size_t)3 << 20};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t a = bad[i];
    void *out = (void *)0x4321;
    int r = posix_memalign(&out, a, 64);
    if (r != EINVAL || out != (void *)0x4321)
      FAILF("posix_memalign(%zu, 64) = %d (want EINVAL, *out untouched)", a, r);
    if (brisk) {
      errno = 0;
      void *p = aligned_alloc(a, 64);
      if (a == 1 || a == 2 || a == 4) /* powers of two below 16 are fine */
        use(p, a, 64, "aligned_alloc");
      else if (p != NULL || errno != EINVAL)
        FAILF("aligned_alloc(%zu, 64) = %p errno %d (want NULL, EINVAL)", a, p, errno);
    }
    /* memalign rounds up like glibc */
    use(memalign(a, 100), next_pow2(a), 100, "memalign");
  }
  /* Absurd alignments. */
  static const size_t absurd[] = {SIZE_MAX, SIZE_MAX - 1, ((size_t)1 << 63) + 1,
                                  ((size_t)1 << 63) + ((size_t)1 << 62)};
  for (size_t i = 0; i < sizeof absurd / sizeof absurd[0]; i++) {
    size_t a = absurd[i];
    void *out = (void *)0x4321;
    int r = posix_memalign(&out, a, 16);
    if (r != EINVAL || out != (void *)0x4321) FAILF("posix_memalign(%#zx) = %d want EINVAL", a, r);
    errno = 0;
    void *p = memalign(a, 16);
    if (p != NULL || errno != EINVAL) FAILF("memalign(%#zx) = %p errno %d want EINVAL", a, p, errno);
    errno = 0;
    p = aligned_alloc(a, 16);
    if (p != NULL || errno != EINVAL)
      FAILF("aligned_alloc(%#zx) = %p errno %d want EINVAL", a, p, errno);
  }
  /* Valid powers of two too large to satisfy: ENOMEM. */
  for (int k = 46; k <= 63; k++) {
    size_t a = (size_t)1 << k;
    void *out = (void *)0x4321;
    int r = posix_memalign(&out, a, 16);
    if (r != ENOMEM || out != (void *)0x4321) FAILF("posix_memalign(1<<%d) = %d want ENOMEM", k, r);
    errno = 0;
    void *p = memalign(a, 16);
    if (p != NULL || errno != ENOMEM) FAILF("memalign(1<<%d) = %p errno %d", k, p, errno);
    errno = 0;
    p = aligned_alloc(a, 16);
    if (p != NULL || errno != ENOMEM) FAILF("aligned_alloc(1<<%d) = %p errno %d", k, p, errno);
  }
  /* Every valid power of two up to 64 MiB, with sizes around it. */
  for (int k = 0; k <= 26; k++) {
    size_t a = (size_t)1 << k;
    static const size_t sizes[] = {1, 16, 100, 4096, 70000, 1 << 20, 3 << 20};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      size_t n = sizes[s];
      if (k > 22 && n > 4096) continue; /* keep the big ones cheap */
      use(memalign(a, n), a < 16 ? 16 : a, n, "memalign");
      use(aligned_alloc(a, n), a, n, "aligned_alloc");
      if (a >= sizeof(void *)) {
        void *p = NULL;
        int r = posix_memalign(&p, a, n);
        if (r != 0) FAILF("posix_memalign(%zu, %zu) = %d", a, n, r);
        else use(p, a, n, "posix_memalign");
      }
    }
  }
  if (fails) {
    printf("bad_align: %d checks failed\n", fails);
    return 1;
  }
  printf("bad_align: ok%s\n", brisk ? "" : " (aligned_alloc EINVAL checks skipped: not brisk)");
  return 0;
}
