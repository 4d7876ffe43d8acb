/* SPDX-License-Identifier: MIT */
/* realloc_shrink — shrinking gives memory back and keeps the contents.
 *
 * A 1.5 MB block shrunk to 300 KB stays where it is (no copy) and its
 * usable size falls; a 4000-byte block shrunk to 1000 bytes ends up in a
 * block of at most 2000 usable bytes; contents survive both.  Holds for
 * glibc too (it splits or mremaps in place).
 */
#include "check.h"

#include <malloc.h>

int main(void) {
  char *p = malloc(1500000);
  CHECK(p != NULL, "malloc");
  memset(p, 7, 1500000);
  char *q = realloc(p, 300000);
  CHECK(q == p, "large shrink moved the block (%p -> %p)", (void *)p, (void *)q);
  for (int i = 0; i < 300000; i++) CHECK(q[i] == 7, "large content lost at %d", i);
  CHECK(malloc_usable_size(q) < 1500000, "large block not shrunk: usable %zu", malloc_usable_size(q));
  char *r = malloc(4000);
  CHECK(r != NULL, "malloc");
  memset(r, 3, 4000);
  char *s = realloc(r, 1000);
  CHECK(s != NULL, "realloc");
  CHECK(malloc_usable_size(s) <= 2000, "small block not shrunk: usable %zu", malloc_usable_size(s));
  for (int i = 0; i < 1000; i++) CHECK(s[i] == 3, "small content lost at %d", i);
  free(q);
  free(s);
  puts("ok");
  return 0;
}
