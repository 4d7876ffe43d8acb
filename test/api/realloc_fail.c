/* SPDX-License-Identifier: MIT */
/* realloc_fail.c — a realloc that cannot be satisfied returns NULL with
 * errno ENOMEM and leaves the old block intact, at its old address, still
 * usable (readable, writable, reallocatable and freeable).  Checked for
 * small, medium and large old blocks and for impossible new sizes. */
#include "check.h"
#include <stdint.h>

static const size_t huge[] = {
    SIZE_MAX,
    SIZE_MAX - 4096,
    SIZE_MAX - 15,
    (size_t)PTRDIFF_MAX + 1,
    (size_t)PTRDIFF_MAX,
    (size_t)1 << 62,
    (size_t)1 << 48, /* 256 TiB: beyond the x86-64 user address space */
};

int main(void) {
  static const size_t olds[] = {1, 24, 500, 4096, 70000, 1 << 20, 9 << 20};
  for (size_t a = 0; a < sizeof olds / sizeof olds[0]; a++) {
    size_t n = olds[a];
    unsigned char *p = malloc(n);
    CHECK(p != NULL, "malloc(%zu)", n);
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(i * 13 + a);
    for (size_t h = 0; h < sizeof huge / sizeof huge[0]; h++) {
      errno = 0;
      void *q = realloc(p, opaque(huge[h]));
      CHECK(q == NULL, "realloc(%zu-byte block, %zu) succeeded", n, huge[h]);
      CHECK(errno == ENOMEM, "realloc(%zu-byte block, %#zx): errno %d, want "
            "ENOMEM", n, huge[h], errno);
      for (size_t i = 0; i < n; i++)
        CHECK(p[i] == (unsigned char)(i * 13 + a),
              "old block (%zu bytes) changed at %zu after failed realloc", n,
              i);
    }
    /* still usable: write, grow, shrink, free */
    memset(p, 0x42, n);
    unsigned char *q = realloc(p, n * 2 + 1);
    CHECK(q != NULL, "realloc after failure returned NULL");
    for (size_t i = 0; i < n; i++)
      CHECK(q[i] == 0x42, "contents lost when growing after failed realloc");
    free(q);
  }
  /* realloc(NULL, huge) behaves as malloc(huge) */
  errno = 0;
  CHECK(realloc(NULL, opaque(SIZE_MAX)) == NULL, "realloc(NULL, SIZE_MAX)");
  CHECK(errno == ENOMEM, "realloc(NULL, SIZE_MAX): errno %d", errno);
  puts("ok");
  return 0;
}
