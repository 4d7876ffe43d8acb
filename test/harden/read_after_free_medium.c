/* SPDX-License-Identifier: MIT */
/* read_after_free_medium.c — a secret written into a 20000-byte block,
 * the block freed, then read through the dangling pointer.  Goal: the
 * secret is still readable (zero-on-free makes this harmless). */
/* expect default: any */
/* expect hardened: harmless */
/* expect sampled: any */
#include "harden.h"

int main(void) { return read_after_free(20000); }
