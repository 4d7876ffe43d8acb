/* SPDX-License-Identifier: MIT */
/* poison_forged_link.c — white-box forgery of an encoded link without the
 * key.  Were a link stored linearly (e.g. rotl(next ^ block ^ key, k)),
 * one link read through a dangling pointer (freed x2's, naming x1) would
 * let an attacker XOR in address differences: a valid link naming x1 is
 * planted inside the live block x3 (the program's own data), and x2's link
 * is redirected to that spot.  brisk multiplies the link by a second
 * secret (core/block.h), so XORed differences decode to garbage.
 * Goal: malloc returns x3 + 64, a block overlapping a live one.
 * Default: the damaged link is caught; the hardened build's quarantine
 * and zeroing also leave no valid link to read. */
/* expect default: abort "^brisk: heap corruption: free list of a [0-9]+-byte page damaged \(block 0x[0-9a-f]+\)$" */
/* expect hardened: safe */
/* expect sampled: stop */
#include "harden.h"

#define N 4
#define ROT 17
static void *x[N];
static int overlapping(const void *q) {
  for (int i = 0; i < N; i++)
    if (overlaps(q, x[i], 256)) return 1;
  return 0;
}
static uintptr_t rotl(uintptr_t v) { return (v << ROT) | (v >> (64 - ROT)); }

int main(void) {
  size_t n = opaque(256);
  for (int i = 0; i < N; i++) x[i] = malloc(n);
  uintptr_t x1 = (uintptr_t)x[1], x2 = (uintptr_t)x[2], target = (uintptr_t)x[3] + 64;
  if ((x2 ^ target) >> 22) return SETUP_FAILED; /* not one segment */
  free(x[1]);
  free(x[2]);
  show(x[2]);
  uintptr_t w = peek_word(x[2], 0);                      /* encodes x1 at x2 */
  poke_word(x[3], 64, w ^ rotl(target ^ x2));            /* encodes x1 at target */
  poke_word(x[2], 0, w ^ rotl(x1 ^ target));             /* encodes target at x2 */
  return allocate_and_check(n, overlapping);
}
