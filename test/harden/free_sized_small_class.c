/* SPDX-License-Identifier: MIT */
/* free_sized_small_class.c — free_sized of a 100-byte block (class 112)
 * with a size of 16, a size of another class (an allocator trusting it
 * would put the block on the 16-byte list).
 * Survives: exit 3 (the mismatch went unnoticed). */
/* expect default: any */
/* expect hardened: abort "^brisk: free_sized\(\): size does not match the block \(pointer PTR\)$" */
/* expect sampled: any */
#include <dlfcn.h>
#include "harden.h"

int main(void) {
  void (*free_sized_fn)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
  if (free_sized_fn == NULL) return SETUP_FAILED;
  void *p = malloc(opaque(100));
  show(p);
  free_sized_fn(p, opaque(16));
  return GOAL_REACHED;
}
