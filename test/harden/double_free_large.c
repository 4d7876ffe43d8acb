/* SPDX-License-Identifier: MIT */
/* double_free_large.c — a 300 KiB block (a large span of its own) freed
 * twice; after the first free its span may already be coalesced into a
 * free span, hence the longer message.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(300 << 10));
  show(p);
  free(p);
  free(p);
  return GOAL_REACHED;
}
