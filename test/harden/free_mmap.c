/* SPDX-License-Identifier: MIT */
/* free_mmap.c — free of memory the program mapped itself (16 bytes into
 * a 4 MiB-aligned 8 MiB anonymous mapping, so it looks like a segment).
 * Survives: exit 3 (the invalid free went unnoticed). */
/* expect default: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: free\(\): invalid pointer \(pointer PTR\)$" */
#include <sys/mman.h>
#include "harden.h"

int main(void) {
  size_t len = (size_t)12 << 20;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return SETUP_FAILED;
  uintptr_t seg = ((uintptr_t)m + ((4u << 20) - 1)) & ~(uintptr_t)((4u << 20) - 1);
  char *q = (char *)seg + 16;
  show(q);
  free(q);
  return GOAL_REACHED;
}
