/* SPDX-License-Identifier: MIT */
/* test/region/misuse/misuse.h — one misuse per program: each prints on
 * stdout the exact line it expects on stderr, then commits the misuse;
 * test/region/run.sh checks that it died by SIGABRT with that line. */
#ifndef MISUSE_H
#define MISUSE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "brisk.h"

static inline brisk_region_t *misuse_region(void) {
  size_t len = 1 << 20;
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  brisk_region_t *r = m == MAP_FAILED ? NULL : brisk_region_init(m, len, BRISK_REGION_SHARED);
  if (r == NULL) exit(2);
  return r;
}
#define EXPECT(...) (printf(__VA_ARGS__), fflush(stdout))
#endif
