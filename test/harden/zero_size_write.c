/* SPDX-License-Identifier: MIT */
/* zero_size_write.c — 8 bytes written into the block of malloc(0), which
 * has no bytes the program may touch.
 * Survives: exit 3 (the write went unnoticed). */
/* expect default: any */
/* expect hardened: segv */
/* expect sampled: any */
#include "harden.h"

int main(void) {
  void *p = malloc(opaque(0));
  if (p == NULL) return SETUP_FAILED;
  show(p);
  scribble(p, 0, opaque(8), 0x41);
  free(p);
  return GOAL_REACHED;
}
