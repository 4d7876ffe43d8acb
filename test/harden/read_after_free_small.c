/* SPDX-License-Identifier: MIT */
/* read_after_free_small.c — a secret written into a 24-byte block, the
 * block freed, then read through the dangling pointer.  Goal: the secret
 * is still readable (zero-on-free makes this harmless). */
/* expect default: any */
/* expect hardened: harmless */
/* expect sampled: segv "^brisk: guarded sample: use after free of a 24-byte block \(block PTR, access 0x[0-9a-f]+\)$" */
#include "harden.h"

int main(void) { return read_after_free(24); }
