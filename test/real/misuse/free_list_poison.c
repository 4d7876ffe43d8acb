/* SPDX-License-Identifier: MIT */
/* free_list_poison.c — a write after free replaces the link word of a
 * freed 128-byte block with a stack address (the tcache-poisoning idea):
 * the second malloc must not return the stack address.
 * Expected: SIGABRT and one stderr line matching free_list_poison.expect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  static volatile size_t n = 128;
  char target[256] __attribute__((aligned(16)));
  void *keep = malloc(n); /* the page stays in use */
  char *a = malloc(n), *b = malloc(n);
  free(a);
  free(b); /* b is the head of the list, its link points at a */
  printf("PTR=%p\n", (void *)b);
  fflush(stdout);
  void *fake = target + 16;
  memcpy(b, &fake, sizeof fake); /* use after free: overwrite the link */
  void *x = malloc(n);
  void *y = malloc(n);
  printf("malloc returned %p and %p; stack target %p\n", x, y, fake);
  free(keep);
  return y == fake ? 3 : 0; /* not reached when the damage is caught */
}
