/* SPDX-License-Identifier: MIT */
/* poison_partial.c — partial overwrite: only the low byte of the link of
 * a freed 256-byte block is changed (its bit 6 flipped: a plain link would
 * then point 64 bytes into the next free block), then malloc.  Goal:
 * malloc returns a pointer into the middle of one of the program's
 * blocks (two blocks overlap). */
/* expect default: abort "^brisk: heap corruption: free list of a 256-byte page damaged \(block PTR\)$" */
/* expect hardened: safe */
/* expect sampled: stop */
#include "harden.h"

#define N 4
static void *x[N];
static int overlapping(const void *q) {
  for (int i = 0; i < N; i++)
    if (overlaps(q, x[i], 256)) return 1;
  return 0;
}

int main(void) {
  size_t n = opaque(256);
  for (int i = 0; i < N; i++) x[i] = malloc(n);
  free(x[1]);
  free(x[2]);
  show(x[2]);
  volatile unsigned char *link = x[2];
  link[0] = (unsigned char)(link[0] ^ 0x40);
  return allocate_and_check(n, overlapping);
}
