/* SPDX-License-Identifier: MIT */
/* overflow_8_small.c — 8 bytes written past the end of a 24-byte block
 * (class 32: the 1- and 8-byte overflows stay inside the class slack), then
 * the block freed.
 * Sampled: the overflow stays inside the 32 bytes placed against the
 * guard page, so sampling cannot see it.
 * Survives: exit 3 (the overflow went unnoticed). */
/* expect default: any */
/* expect hardened: abort "^brisk: heap overflow: 24-byte block written past its end \(block PTR\)$" */
/* expect sampled: any */
#include "harden.h"

int main(void) { return overflow_then_free(24, 8); }
