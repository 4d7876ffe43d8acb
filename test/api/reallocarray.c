/* SPDX-License-Identifier: MIT */
/* reallocarray.c — reallocarray(p, n, m) reallocates to n*m bytes keeping
 * contents, acts as malloc for p == NULL, and on n*m overflow returns NULL
 * with errno ENOMEM leaving p intact and usable. */
#include "check.h"
#include <stdint.h>

int main(void) {
  unsigned *a = reallocarray(NULL, 10, sizeof *a);
  CHECK(a != NULL, "reallocarray(NULL, 10, 4)");
  for (unsigned i = 0; i < 10; i++) a[i] = i * 3;
  a = reallocarray(a, 100000, sizeof *a);
  CHECK(a != NULL, "reallocarray grow to 100000 x 4");
  for (unsigned i = 0; i < 10; i++) CHECK(a[i] == i * 3, "lost element %u", i);
  for (unsigned i = 0; i < 100000; i++) a[i] = i ^ 0x5555;
  a = reallocarray(a, 50, sizeof *a);
  CHECK(a != NULL, "reallocarray shrink to 50 x 4");
  for (unsigned i = 0; i < 50; i++)
    CHECK(a[i] == (i ^ 0x5555), "lost element %u on shrink", i);

  struct { size_t n, m; } ovf[] = {
      {SIZE_MAX, 2}, {2, SIZE_MAX}, {(size_t)1 << 33, (size_t)1 << 31},
      {SIZE_MAX / 4 + 1, 4}, {SIZE_MAX, SIZE_MAX}};
  for (size_t k = 0; k < sizeof ovf / sizeof ovf[0]; k++) {
    errno = 0;
    void *r = reallocarray(a, opaque(ovf[k].n), opaque(ovf[k].m));
    CHECK(r == NULL, "reallocarray(p, %zu, %zu) overflow succeeded", ovf[k].n,
          ovf[k].m);
    CHECK(errno == ENOMEM, "reallocarray overflow: errno %d, want ENOMEM",
          errno);
    for (unsigned i = 0; i < 50; i++)
      CHECK(a[i] == (i ^ 0x5555), "old block changed after failed "
            "reallocarray (element %u)", i);
    errno = 0;
    r = reallocarray(NULL, opaque(ovf[k].n), opaque(ovf[k].m));
    CHECK(r == NULL && errno == ENOMEM,
          "reallocarray(NULL, %zu, %zu): %p errno %d", ovf[k].n, ovf[k].m, r,
          errno);
  }
  /* no overflow but too big */
  errno = 0;
  CHECK(reallocarray(a, opaque((size_t)1 << 31), opaque((size_t)1 << 31)) ==
            NULL && errno == ENOMEM,
        "reallocarray(p, 2^31, 2^31) should fail with ENOMEM (errno %d)",
        errno);
  a = reallocarray(a, 60, sizeof *a);
  CHECK(a != NULL, "reallocarray after failure");
  for (unsigned i = 0; i < 50; i++) CHECK(a[i] == (i ^ 0x5555), "lost %u", i);
  free(a);
  puts("ok");
  return 0;
}
