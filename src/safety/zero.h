/* SPDX-License-Identifier: MIT */
/* safety/zero.h — BRISK_ZERO_FAULT: the blocks of malloc(0).
 *
 * malloc(0), calloc with a zero product and realloc(NULL, 0) return a
 * distinct pointer into one reserved region of address space that is
 * never accessible (PROT_NONE), so any read or write through it faults.
 * free (and realloc) accept such a pointer; a second free of it aborts as
 * a double free; a pointer into the region that is not a slot start is an
 * invalid free; malloc_usable_size of it is 0.  C++ new(0) and the aligned
 * allocators keep returning ordinary blocks.
 *
 * The region (BRISK_ZERO_REGION bytes, 16-byte slots) is reserved at the
 * first malloc(0).  Each slot's state lives out of line, one bit per slot
 * (set: handed out).  Lock-free: a slot is taken by a CAS on its bitmap
 * word and given back by an atomic AND, so a double free by two threads
 * at once is caught by exactly one of them; no lock, so nothing for a fork
 * to break (the child inherits a consistent bitmap).
 * Callers: api/override.c (malloc, calloc), core/realloc.c, core/free.c
 * (the free slow path and the checked lookups recognise the region with
 * brisk_zero_owns, a range check, before they call a pointer foreign).
 */
#ifndef BRISK_SAFETY_ZERO_H
#define BRISK_SAFETY_ZERO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define BRISK_ZERO_REGION ((size_t)64 << 20) /* address space reserved, once */
#define BRISK_ZERO_SLOT 16                   /* bytes between two slots (alignment) */

/* Base of the region, 0 until the first brisk_zero_alloc reserved it. */
extern uintptr_t brisk_zero_base;

/* A fresh malloc(0) pointer: distinct from every live block, inaccessible.
 * NULL when the region cannot be reserved or every slot is live; the
 * caller then hands out an ordinary block.  Any thread; errno untouched. */
void *brisk_zero_alloc(void);

/* Whether p lies in the region (it may still be a bad pointer). */
static inline bool zero_owns(const void *p) {
  uintptr_t base = __atomic_load_n(&brisk_zero_base, __ATOMIC_RELAXED);
  return BRISK_ZERO_FAULT && base != 0 && (uintptr_t)p - base < BRISK_ZERO_REGION;
}

/* p (zero_owns) is a live slot, else abort: "brisk: <fn> (pointer ...)"
 * for a pointer that is not a slot start, a double free for a slot not
 * handed out. */
void brisk_zero_check(const void *p, const char *fn);

/* Free slot p (zero_owns), checked as brisk_zero_check(p, "free(): invalid
 * pointer") does; of two concurrent frees of one slot, one aborts. */
void brisk_zero_free(const void *p);

/* Slots handed out now (statistics, tests). */
uint64_t brisk_zero_live(void);

#endif
