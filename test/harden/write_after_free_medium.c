/* SPDX-License-Identifier: MIT */
/* write_after_free_medium.c — one byte written into the middle of a freed
 * 20000-byte block, then blocks of that size allocated and freed again
 * and again.  Goal: the write shows up in a fresh block. */
/* expect default: any */
/* expect hardened: abort "^brisk: write after free: [0-9]+-byte block modified while free \(block PTR\)$" */
/* expect sampled: any */
#include "harden.h"

int main(void) { return write_after_free_then_reuse(20000); }
