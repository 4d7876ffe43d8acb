/* SPDX-License-Identifier: MIT */
/* poison_raw_stack.c — free-list poisoning ("tcache poisoning"): two
 * 128-byte blocks freed, the first word (the list link) of the last one
 * freed overwritten with a stack address, then malloc.  Goal: malloc
 * returns the stack buffer. */
/* expect default: abort "^brisk: heap corruption: free list of a 128-byte page damaged \(block PTR\)$" */
/* expect hardened: safe */
/* expect sampled: stop */
#include "harden.h"

static char *lo, *hi;
static int in_target(const void *q) { return (const char *)q >= lo && (const char *)q < hi; }

int main(void) {
  _Alignas(64) char target[512];
  lo = target;
  hi = target + sizeof target;
  size_t n = opaque(128);
  void *a = malloc(n), *b = malloc(n);
  free(a);
  free(b);
  show(b);
  poke_word(b, 0, (uintptr_t)(target + 128));
  return allocate_and_check(n, in_target);
}
