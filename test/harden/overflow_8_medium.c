/* SPDX-License-Identifier: MIT */
/* overflow_8_medium.c — 8 bytes written past the end of a 20000-byte block
 * (class 20480), then the block freed.
 * Survives: exit 3 (the overflow went unnoticed). */
/* expect default: any */
/* expect hardened: abort "^brisk: heap overflow: 20000-byte block written past its end \(block PTR\)$" */
/* expect sampled: any */
#include "harden.h"

int main(void) { return overflow_then_free(20000, 8); }
