/* SPDX-License-Identifier: MIT */
/* house_of_spirit_stack.c — a fake 0x40-byte chunk forged on the stack
 * (size word before it, a plausible next size after it), freed, then a
 * malloc of that size.  Goal: malloc returns the fake chunk (the stack). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  _Alignas(16) uintptr_t fake[16] = {0};
  fake[1] = 0x40;  /* this chunk's size */
  fake[9] = 0x40;  /* next chunk's size */
  void *q = opaque_ptr(&fake[2]);
  show(q);
  free(q);
  void *r = malloc(opaque(0x30));
  if ((char *)r >= (char *)fake && (char *)r < (char *)(fake + 16)) return GOAL_REACHED;
  return HARMLESS;
}
