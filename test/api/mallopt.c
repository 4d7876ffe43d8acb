/* SPDX-License-Identifier: MIT */
/* mallopt.c — mallopt returns 1 for the parameters glibc knows, given
 * valid values (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX,
 * M_ARENA_MAX, M_ARENA_TEST, M_MXFAST, M_PERTURB=0); unknown parameters do
 * not crash (either return value accepted); allocation works afterwards. */
#include "check.h"
#include <malloc.h>

int main(void) {
  struct { int param, value; const char *name; } known[] = {
      {M_MMAP_THRESHOLD, 256 * 1024, "M_MMAP_THRESHOLD"},
      {M_TRIM_THRESHOLD, 1 << 20, "M_TRIM_THRESHOLD"},
      {M_TOP_PAD, 64 * 1024, "M_TOP_PAD"},
      {M_MMAP_MAX, 65536, "M_MMAP_MAX"},
      {M_ARENA_MAX, 2, "M_ARENA_MAX"},
      {M_ARENA_TEST, 4, "M_ARENA_TEST"},
      {M_MXFAST, 64, "M_MXFAST"},
      {M_PERTURB, 0, "M_PERTURB"},
  };
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
    int rc = mallopt(known[k].param, known[k].value);
    CHECK(rc == 1, "mallopt(%s, %d) returned %d, want 1", known[k].name,
          known[k].value, rc);
  }
  int unknown[] = {12345, -12345, 0, 99, -100};
  for (size_t k = 0; k < sizeof unknown / sizeof unknown[0]; k++) {
    int rc = mallopt(unknown[k], 1);
    NOTE("mallopt(%d, 1) = %d", unknown[k], rc);
    CHECK(rc == 0 || rc == 1, "mallopt(unknown %d) returned %d", unknown[k],
          rc);
  }
  for (int i = 0; i < 1000; i++) {
    size_t n = (size_t)i * 997 % 300000 + 1;
    char *p = malloc(n);
    CHECK(p != NULL, "malloc(%zu) after mallopt", n);
    memset(p, 3, n);
    free(p);
  }
  puts("ok");
  return 0;
}
