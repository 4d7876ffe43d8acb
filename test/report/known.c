/* SPDX-License-Identifier: MIT
 * test/report/known.c — a program with known allocations, for the report
 * tests (test/report/run.sh):
 *   - 1000 x malloc(100) in known_alloc(), 900 freed, 100 never freed
 *     (leaked: exactly 100 blocks of 100 bytes, site known_alloc <- main);
 *   - a realloc chain in known_grow(): realloc(NULL, 16), then doubling
 *     up to 32 KiB (12 calls), then free;
 *   - 10 x calloc(4, 25) in known_zeroed(), all freed.
 * mktrace.py also uses this binary (built with -g) for its symbolisation
 * checks: the return addresses after the calls to malloc/realloc here map
 * to the lines marked KNOWN_*_LINE below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
#define LEAK 100

static void *volatile keep[LEAK]; /* the leaked blocks stay reachable */

__attribute__((noinline)) void *known_alloc(size_t n) {
  void *p = malloc(n); /* KNOWN_ALLOC_LINE */
  if (p) memset(p, 0x5a, n);
  return p;
}

__attribute__((noinline)) char *known_grow(char *p, size_t n) {
  char *q = realloc(p, n); /* KNOWN_GROW_LINE */
  if (q) q[n - 1] = 1;
  return q;
}

__attribute__((noinline)) void *known_zeroed(size_t count, size_t size) {
  return calloc(count, size); /* KNOWN_ZEROED_LINE */
}

int main(void) {
  static void *blocks[N];
  for (int i = 0; i < N; i++) {
    blocks[i] = known_alloc(100);
    if (!blocks[i]) return 1;
  }
  for (int i = 0; i < N - LEAK; i++) free(blocks[i]);
  for (int i = 0; i < LEAK; i++) keep[i] = blocks[N - LEAK + i];

  char *p = NULL;
  size_t n = 16;
  for (int i = 0; i < 12; i++, n *= 2) {
    p = known_grow(p, n);
    if (!p) return 1;
  }
  free(p);

  for (int i = 0; i < 10; i++) free(known_zeroed(4, 25));
  printf("known: done\n");
  return 0;
}
