/* SPDX-License-Identifier: MIT */
/* poison_link_flip.c — a subtler link overwrite: bit 8 of the link of a
 * freed 256-byte block flipped.  A plain link then names the neighbouring
 * block, a block start in the same page; an encoding that is a plain XOR
 * passes the flip through unchanged.  Goal: malloc hands out a block
 * that is still in use (two owners). */
/* expect default: abort "^brisk: heap corruption: free list of a 256-byte page damaged \(block PTR\)$" */
/* expect hardened: safe */
/* expect sampled: stop */
#include "harden.h"

#define N 4
static void *x[N];
static void *kept[2];
static int nkept;
static int in_use(const void *q) {
  /* x[1] and x[2] were freed; x[0], x[3] and the kept blocks are live. */
  if (q == x[0] || q == x[3]) return 1;
  for (int i = 0; i < nkept; i++)
    if (q == kept[i]) return 1;
  if (nkept < 2) kept[nkept++] = (void *)q;
  return 0;
}

int main(void) {
  size_t n = opaque(256);
  for (int i = 0; i < N; i++) x[i] = malloc(n);
  free(x[1]);
  free(x[2]);
  show(x[2]);
  volatile unsigned char *link = x[2];
  link[1] = (unsigned char)(link[1] ^ 0x01);
  return allocate_and_check(n, in_use);
}
