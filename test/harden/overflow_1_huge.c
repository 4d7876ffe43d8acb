/* SPDX-License-Identifier: MIT */
/* overflow_1_huge.c — 1 byte written past the end of a 3 MiB block (a
 * mapping of its own), then the block freed.
 * Hardened: the canary or the guard page after the block stops it.
 * Survives: exit 3 (the overflow went unnoticed). */
/* expect default: any */
/* expect hardened: stop */
/* expect sampled: any */
#include "harden.h"

int main(void) { return overflow_then_free(3145728, 1); }
