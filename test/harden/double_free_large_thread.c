/* SPDX-License-Identifier: MIT */
/* double_free_large_thread.c — a 300 KiB block freed by another thread
 * (remote large frees go to the owner's delayed list), then by its owner.
 * Survives: exit 3 (the double free went unnoticed). */
/* expect default: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
/* expect sampled: abort "^brisk: double free( or invalid pointer)? \(pointer PTR\)$" */
#include <pthread.h>
#include "harden.h"

static void *freer(void *p) {
  free(p);
  return NULL;
}

int main(void) {
  pthread_t t;
  void *p = malloc(opaque(300 << 10));
  show(p);
  if (pthread_create(&t, NULL, freer, p) != 0) return SETUP_FAILED;
  pthread_join(t, NULL);
  free(p);
  return GOAL_REACHED;
}
