/* SPDX-License-Identifier: MIT */
/* safety/freezero.h — BRISK_ZERO_CHECK: free blocks read as zero.
 *
 * The hardened build zeroes a small or medium block when it is freed
 * (safety/harden.c) and keeps it zero while it is free, apart from its
 * first two words (the free-list link and the free mark, core/block.h).
 * brisk_freezero_check verifies that when the block leaves its free list
 * (safety/harden.c, before handing it to the program) and when the core
 * retires an empty page (core/page.c, before a purge or a new carve could
 * erase a write after free unseen).
 *
 * A leaf: depends only on observe/output, so the core can call it without
 * a dependency on the hardening layer above it.
 */
#ifndef BRISK_SAFETY_FREEZERO_H
#define BRISK_SAFETY_FREEZERO_H

#include <stddef.h>

#include "config.h"

/* Free block p of usable size u (u >= 16) reads as zero past its first
 * 16 bytes, else abort: "write after free: <u>-byte block modified while
 * free".  A no-op without BRISK_ZERO_CHECK.  Any thread; the caller owns
 * the block (no one else writes it during the check). */
void brisk_freezero_check(const void *p, size_t u);

#endif
