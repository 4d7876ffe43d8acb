/* SPDX-License-Identifier: MIT */
/* house_of_spirit_global.c — a fake chunk forged in a global array (every
 * word a plausible 0x50 size, so any header layout is satisfied), freed,
 * then a malloc of its size.  Goal: malloc returns the fake chunk. */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

static _Alignas(4096) uintptr_t arena[2048];

int main(void) {
  for (int i = 0; i < 2048; i++) arena[i] = 0x50; /* sizes everywhere */
  void *q = opaque_ptr(&arena[1024]);
  show(q);
  free(q);
  void *r = malloc(opaque(0x40));
  if ((char *)r >= (char *)arena && (char *)r < (char *)(arena + 2048)) return GOAL_REACHED;
  return HARMLESS;
}
