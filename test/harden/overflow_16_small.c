/* SPDX-License-Identifier: MIT */
/* overflow_16_small.c — 16 bytes written past the end of a 24-byte block
 * (class 32: the 1- and 8-byte overflows stay inside the class slack), then
 * the block freed.
 * Survives: exit 3 (the overflow went unnoticed). */
/* expect default: any */
/* expect hardened: abort "^brisk: heap overflow: 24-byte block written past its end \(block PTR\)$" */
/* expect sampled: segv "^brisk: guarded sample: heap overflow of a 24-byte block \(block PTR, access 0x[0-9a-f]+\)$" */
#include "harden.h"

int main(void) { return overflow_then_free(24, 16); }
