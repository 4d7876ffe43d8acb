/* SPDX-License-Identifier: MIT */
/* alignment16.c — every block is 16-byte aligned on x86-64 (glibc's
 * guarantee, relied on by SSE code): malloc(0..4096) including 1..16,
 * calloc, realloc results, and many live blocks of each tiny size. */
#include "check.h"
#include <stdint.h>

#define A16(p) (((uintptr_t)(p) & 15) == 0)

int main(void) {
  enum { K = 64 };
  static void *live[17][K];
  for (size_t n = 0; n <= 16; n++)
    for (int k = 0; k < K; k++) {
      live[n][k] = malloc(n);
      CHECK(live[n][k] != NULL, "malloc(%zu)", n);
      CHECK(A16(live[n][k]), "malloc(%zu) = %p not 16-byte aligned", n,
            live[n][k]);
    }
  for (size_t n = 0; n <= 16; n++)
    for (int k = 0; k < K; k++) free(live[n][k]);
  for (int round = 0; round < 3; round++)
    for (size_t n = 0; n <= 4096; n++) {
      void *p = malloc(n);
      CHECK(p && A16(p), "malloc(%zu) = %p", n, p);
      void *c = calloc(1, n);
      CHECK(c && A16(c), "calloc(1, %zu) = %p", n, c);
      void *r = realloc(p, n / 2 + 1);
      CHECK(r && A16(r), "realloc(p, %zu) = %p", n / 2 + 1, r);
      void *g = realloc(r, n * 3 + 1);
      CHECK(g && A16(g), "realloc(p, %zu) = %p", n * 3 + 1, g);
      free(g);
      free(c);
    }
  for (size_t n = 4096; n < (8u << 20); n = n * 3 / 2 + 1) {
    void *p = malloc(n);
    CHECK(p && A16(p), "malloc(%zu) = %p", n, p);
    free(p);
  }
  puts("ok");
  return 0;
}
