/* SPDX-License-Identifier: MIT */
/* free_segment_header.c — free of an address inside the header slice of
 * the 4 MiB segment that holds a 64-byte block (brisk's own metadata).
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: " */
#include "harden.h"

int main(void) {
  char *p = malloc(opaque(64));
  char *q = (char *)(((uintptr_t)p & ~(uintptr_t)((4u << 20) - 1)) + 1024);
  show(q);
  free(q);
  return GOAL_REACHED;
}
