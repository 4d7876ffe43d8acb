/* SPDX-License-Identifier: MIT */
/* free_stack.c — free of a 16-byte-aligned buffer on the stack.
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  _Alignas(16) char buf[64];
  void *q = opaque_ptr(buf);
  show(q);
  free(q);
  return GOAL_REACHED;
}
