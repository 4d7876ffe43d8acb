/* SPDX-License-Identifier: MIT */
/* double_free_dup.c — the "fastbin dup": free a, free b, free a (the
 * intervening free defeats a check against the list head only), then
 * malloc three times.  Goal: two of the mallocs return the same block,
 * so two owners share it. */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  size_t n = opaque(64);
  void *a = malloc(n), *b = malloc(n);
  show(a);
  free(a);
  free(b);
  free(a);
  void *x = malloc(n), *y = malloc(n), *z = malloc(n);
  if (x == y || y == z || x == z) return GOAL_REACHED;
  return HARMLESS;
}
