/* SPDX-License-Identifier: MIT */
/* overflow_1_small32.c — 1 byte written past the end of a 32-byte block
 * (exactly its
 * class: the byte lands in the next block), then the block freed.
 * Sampled: a 16-byte multiple is placed flush against the guard page.
 * Survives: exit 3 (the overflow went unnoticed). */
/* expect default: any */
/* expect hardened: abort "^brisk: heap overflow: 32-byte block written past its end \(block PTR\)$" */
/* expect sampled: segv "^brisk: guarded sample: heap overflow of a 32-byte block \(block PTR, access 0x[0-9a-f]+\)$" */
#include "harden.h"

int main(void) { return overflow_then_free(32, 1); }
