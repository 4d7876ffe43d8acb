/* SPDX-License-Identifier: MIT */
/* write_after_free_small.c — one byte written into a freed 24-byte block
 * (past its link and mark words), then blocks of that size allocated and
 * freed again and again.  Goal: the write shows up in a fresh block. */
/* expect default: any */
/* expect hardened: abort "^brisk: write after free: [0-9]+-byte block modified while free \(block PTR\)$" */
/* expect sampled: segv "^brisk: guarded sample: use after free of a 24-byte block \(block PTR, access 0x[0-9a-f]+\)$" */
#include "harden.h"

int main(void) { return write_after_free_then_reuse(24); }
