/* SPDX-License-Identifier: MIT */
/* usable_size.c — malloc_usable_size(NULL) is 0; for every block (malloc,
 * calloc, realloc, aligned, large) it is >= the requested size and not
 * absurdly larger; the whole usable size is writable: filling it does not
 * corrupt any neighbouring live block. */
#include "check.h"
#include <malloc.h>
#include <stdint.h>

#define N 3000

static unsigned char *blk[N];
static size_t req[N], use[N];

static void verify_all(int upto) {
  for (int i = 0; i < upto; i++) {
    if (!blk[i]) continue;
    for (size_t j = 0; j < use[i]; j++)
      CHECK(blk[i][j] == (unsigned char)(i * 7 + 1),
            "block %d (req %zu, usable %zu) byte %zu = %#x: a neighbour's "
            "usable area overlaps it", i, req[i], use[i], j, blk[i][j]);
  }
}

static size_t size_for(int i) {
  if (i % 100 == 99) return 100000 + (size_t)i * 37;
  if (i % 10 == 9) return 1000 + (size_t)i * 3;
  return 1 + (size_t)i % 300;
}

int main(void) {
  CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) = %zu",
        malloc_usable_size(NULL));
  for (int i = 0; i < N; i++) {
    size_t n = size_for(i);
    switch (i % 5) {
      case 0: blk[i] = malloc(n); break;
      case 1: blk[i] = calloc(1, n); break;
      case 2: blk[i] = aligned_alloc(64, n); break;
      case 3: blk[i] = realloc(malloc(n / 2 + 1), n); break;
      default: blk[i] = memalign(256, n); break;
    }
    CHECK(blk[i] != NULL, "allocation %d of %zu failed", i, n);
    req[i] = n;
    use[i] = malloc_usable_size(blk[i]);
    CHECK(use[i] >= n, "usable size %zu < requested %zu", use[i], n);
    CHECK(use[i] <= 2 * n + 4096 + 256,
          "usable size %zu implausibly large for %zu", use[i], n);
    memset(blk[i], (unsigned char)(i * 7 + 1), use[i]);
  }
  verify_all(N);
  /* free some, allocate again (reused slots), fill usable, verify */
  for (int i = 0; i < N; i += 2) {
    free(blk[i]);
    blk[i] = NULL;
  }
  for (int i = 0; i < N; i += 2) {
    blk[i] = malloc(req[i]);
    CHECK(blk[i] != NULL, "malloc");
    use[i] = malloc_usable_size(blk[i]);
    CHECK(use[i] >= req[i], "usable %zu < %zu", use[i], req[i]);
    memset(blk[i], (unsigned char)(i * 7 + 1), use[i]);
  }
  verify_all(N);
  /* shrinking realloc keeps usable >= new size */
  for (int i = 1; i < N; i += 3) {
    size_t n = req[i] / 3 + 1;
    unsigned char *q = realloc(blk[i], n);
    CHECK(q != NULL, "realloc shrink");
    blk[i] = q;
    req[i] = n;
    use[i] = malloc_usable_size(q);
    CHECK(use[i] >= n, "usable %zu < %zu after shrink", use[i], n);
    memset(q, (unsigned char)(i * 7 + 1), use[i]);
  }
  verify_all(N);
  for (int i = 0; i < N; i++) free(blk[i]);
  /* large blocks */
  for (size_t n = MiB; n <= 64 * MiB; n = n * 2 + 12345) {
    unsigned char *p = malloc(n);
    CHECK(p != NULL, "malloc(%zu)", n);
    size_t u = malloc_usable_size(p);
    CHECK(u >= n && u <= n + n / 4 + 2 * MiB, "large usable %zu for %zu", u,
          n);
    p[u - 1] = 1; /* last usable byte writable */
    p[n - 1] = 2;
    free(p);
  }
  puts("ok");
  return 0;
}
