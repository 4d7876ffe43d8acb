/* SPDX-License-Identifier: MIT */
/* free_list_partial.c — a one-byte write after free over the low byte of
 * a freed 64-byte block's link (a partial overwrite, which needs no
 * address knowledge): the next malloc of that size must not hand out a
 * block that overlaps another.
 * Expected: SIGABRT and one stderr line matching free_list_partial.expect. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  static volatile size_t n = 64;
  void *keep = malloc(n);
  unsigned char *a = malloc(n), *b = malloc(n);
  free(a);
  free(b);
  printf("PTR=%p\n", (void *)b);
  fflush(stdout);
  b[0] ^= 0x40; /* use after free: damage the link's lowest byte */
  void *x = malloc(n);
  void *y = malloc(n);
  printf("malloc returned %p and %p\n", x, y);
  free(keep);
  return 0; /* not reached when the damage is caught */
}
