/* SPDX-License-Identifier: MIT */
/* double_free_medium.c — a 20000-byte block (a multi-slice page of about
 * four blocks) freed twice.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(20000));
  show(p);
  free(p);
  free(p);
  return GOAL_REACHED;
}
