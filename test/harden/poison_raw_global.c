/* SPDX-License-Identifier: MIT */
/* poison_raw_global.c — free-list poisoning towards a global: the link of
 * a freed 128-byte block overwritten with the address of a global array
 * (say, a table of function pointers), then malloc.  Goal: malloc
 * returns the global. */
/* expect default: abort "^brisk: heap corruption: free list of a 128-byte page damaged \(block PTR\)$" */
/* expect hardened: safe */
/* expect sampled: stop */
#include "harden.h"

static _Alignas(64) char target[512];
static int in_target(const void *q) { return (const char *)q >= target && (const char *)q < target + sizeof target; }

int main(void) {
  size_t n = opaque(128);
  void *a = malloc(n), *b = malloc(n);
  free(a);
  free(b);
  show(b);
  poke_word(b, 0, (uintptr_t)(target + 128));
  return allocate_and_check(n, in_target);
}
