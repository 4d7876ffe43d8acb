/* SPDX-License-Identifier: MIT */
/* overflow_8_large.c — 8 bytes written past the end of a 300 KiB block (a
 * large span), then the block freed.
 * Hardened: the canary or the guard page after the block stops it.
 * Survives: exit 3 (the overflow went unnoticed). */
/* expect default: any */
/* expect hardened: stop */
/* expect sampled: any */
#include "harden.h"

int main(void) { return overflow_then_free(307200, 8); }
