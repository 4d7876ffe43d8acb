/* SPDX-License-Identifier: MIT */
/* free_sized_too_large.c — free_sized (C23) of a 100-byte block with a
 * size of 4096, larger than the block.
 * Survives: exit 3 (the mismatch went unnoticed). */
/* expect default: abort "^brisk: free_sized\(\): size does not match the block \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: free_sized\(\): size does not match the block \(pointer PTR\)$" */
/* expect sampled: any */
#include <dlfcn.h>
#include "harden.h"

int main(void) {
  /* glibc 2.36 has no free_sized: take brisk's. */
  void (*free_sized_fn)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
  if (free_sized_fn == NULL) return SETUP_FAILED;
  void *p = malloc(opaque(100));
  show(p);
  free_sized_fn(p, opaque(4096));
  return GOAL_REACHED;
}
