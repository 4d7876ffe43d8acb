/* SPDX-License-Identifier: MIT */
/* double_free_small.c — a 24-byte block freed twice in a row.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(24));
  show(p);
  free(p);
  free(p);
  return GOAL_REACHED;
}
