/* SPDX-License-Identifier: MIT */
/* poison_encoded.c — free-list poisoning against an encoded list: the
 * attacker guesses glibc's safe-linking (link = target ^ (slot >> 12)) and
 * writes the target so encoded into the link of a freed 128-byte block.
 * Goal: malloc returns the target (a global). */
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
  poke_word(b, 0, (uintptr_t)(target + 128) ^ ((uintptr_t)b >> 12));
  return allocate_and_check(n, in_target);
}
