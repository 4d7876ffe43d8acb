/* SPDX-License-Identifier: MIT */
/* double_free_intervening.c — a 100-byte block freed, then 3000 other
 * blocks of its size (more than a quarantine holds, so the first one has
 * gone back to its page), then the first block again.  Every 100th block
 * stays allocated, so no page empties and the block is still on its page's
 * free list at the second free.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free \(pointer PTR\)$" */
#include "harden.h"

#define N 3000
static void *others[N];

int main(void) {
  size_t n = opaque(100);
  void *p = malloc(n);
  for (int i = 0; i < N; i++) others[i] = malloc(n);
  show(p);
  free(p);
  for (int i = 0; i < N; i++)
    if (i % 100 != 0) free(others[i]);
  free(p);
  return GOAL_REACHED;
}
