/* SPDX-License-Identifier: MIT */
/* free_global.c — free of a global array in .bss.
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include "harden.h"

static _Alignas(64) char global_buf[256];

int main(void) {
  void *q = opaque_ptr(global_buf + 64);
  show(q);
  free(q);
  return GOAL_REACHED;
}
