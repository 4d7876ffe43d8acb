/* SPDX-License-Identifier: MIT */
/* mallinfo.c — mallinfo2() and the older mallinfo() give plausible figures:
 * allocating 10 MiB in 1 KiB blocks raises uordblks by 10..20 MiB (and
 * arena by at least that), freeing them lowers it again by at least 9 MiB;
 * a single 16 MiB block shows up in uordblks + hblkhd exactly once (glibc
 * counts direct-mapped blocks in hblkhd only; programs add the two, so a
 * block counted in both doubles their figure).  These fail when mallinfo
 * is not overridden (glibc's mallinfo on an untouched heap). */
#include "check.h"
#include <malloc.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

enum { N = 10240, SZ = 1024 };

int main(void) {
  static void *v[N];
  struct mallinfo2 a = mallinfo2();
  for (int i = 0; i < N; i++) {
    v[i] = malloc(SZ);
    CHECK(v[i] != NULL, "malloc");
    memset(v[i], 1, SZ);
  }
  struct mallinfo2 b = mallinfo2();
  struct mallinfo old = mallinfo();
  size_t grow = b.uordblks - a.uordblks;
  NOTE("uordblks %zu -> %zu, arena %zu -> %zu, fordblks %zu, hblkhd %zu",
       a.uordblks, b.uordblks, a.arena, b.arena, b.fordblks, b.hblkhd);
  CHECK(b.uordblks > a.uordblks, "uordblks did not grow (%zu -> %zu)",
        a.uordblks, b.uordblks);
  CHECK(grow >= 10 * MiB && grow <= 20 * MiB,
        "uordblks grew by %zu bytes for 10 MiB of 1 KiB blocks", grow);
  CHECK(b.arena + b.hblkhd >= b.uordblks,
        "arena %zu + hblkhd %zu < uordblks %zu", b.arena, b.hblkhd,
        b.uordblks);
  CHECK(old.uordblks > 0 && (size_t)old.uordblks >= 10 * MiB,
        "mallinfo().uordblks = %d", old.uordblks);
  CHECK(old.arena > 0, "mallinfo().arena = %d", old.arena);
  for (int i = 0; i < N; i++) free(v[i]);
  struct mallinfo2 c = mallinfo2();
  NOTE("after free: uordblks %zu, fordblks %zu", c.uordblks, c.fordblks);
  CHECK(c.uordblks + 9 * MiB <= b.uordblks,
        "uordblks did not fall after free (%zu -> %zu)", b.uordblks,
        c.uordblks);

  unsigned char *big = malloc(16 * MiB);
  CHECK(big != NULL, "malloc(16 MiB)");
  memset(big, 2, 16 * MiB);
  struct mallinfo2 d = mallinfo2();
  NOTE("16 MiB block: uordblks %zu hblkhd %zu hblks %zu", d.uordblks,
       d.hblkhd, d.hblks);
  CHECK(d.uordblks + d.hblkhd >= c.uordblks + c.hblkhd + 16 * MiB,
        "16 MiB block not counted: uordblks+hblkhd %zu -> %zu",
        c.uordblks + c.hblkhd, d.uordblks + d.hblkhd);
  CHECK(d.uordblks + d.hblkhd <= c.uordblks + c.hblkhd + 17 * MiB,
        "16 MiB block counted twice: uordblks %zu -> %zu and hblkhd %zu -> "
        "%zu", c.uordblks, d.uordblks, c.hblkhd, d.hblkhd);
  free(big);
  puts("ok");
  return 0;
}
