/* SPDX-License-Identifier: MIT */
/* double_free_huge.c — a 16 MiB block (a mapping of its own, kept in the
 * huge cache after the first free) freed twice.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(16 << 20));
  show(p);
  free(p);
  free(p);
  return GOAL_REACHED;
}
