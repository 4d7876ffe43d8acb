/* SPDX-License-Identifier: MIT */
/* safety/guard.h — sampled guard pages (GWP-ASan's idea), off unless
 * BRISK_GUARD_SAMPLE=N asks for it.
 *
 * About every Nth allocation of up to one page (plain malloc and calloc,
 * alignment <= 16; core/alloc.c decides) is served from a guarded pool
 * instead of the heap: each block sits alone at the end of its own 4 KiB
 * page (its end rounded up to 16 bytes), between PROT_NONE guard pages.
 * A freed block's page is made PROT_NONE and its slot waits in a FIFO
 * quarantine before reuse.  An overflow past the rounded end, an underflow
 * before the page, or any use after free then faults, and the SIGSEGV
 * handler prints one line naming the block before the process dies by
 * SIGSEGV.  Double and interior frees abort with the usual messages.
 *
 * The pool is one mapping, reserved at the first sample and never inside
 * a brisk segment: its own 4 MiB-aligned address range, slot metadata in
 * its first pages (nothing next to the blocks).  Frees recognise it by one
 * range check (guard_owns) before the segment-map lookup.
 * Threads: lock-free (atomics only; no lock, so nothing to hold across
 * a syscall and nothing a fork or a signal handler could find held).
 * Fork: the child repairs the quarantine (brisk_guard_atfork_child) and
 * keeps using the pool.
 */
#ifndef BRISK_SAFETY_GUARD_H
#define BRISK_SAFETY_GUARD_H

#include "core/types.h"

/* The largest request that may be sampled. */
#define BRISK_GUARD_MAX ((size_t)BRISK_OS_PAGE)

/* BRISK_GUARD_SAMPLE (0: off), fixed by brisk_guard_init. */
extern uint32_t brisk_guard_rate;
/* The pool's address range: [brisk_guard_lo, + brisk_guard_span).  The
 * span is fixed by brisk_guard_init; lo is a kernel-half address (no user
 * pointer lies there) until the pool is reserved. */
extern _Atomic uintptr_t brisk_guard_lo;
extern size_t brisk_guard_span;

/* Whether sampling is on (one load; false before brisk_guard_init). */
static ALWAYS_INLINE bool guard_enabled(void) {
  return brisk_guard_rate != 0;
}

/* Whether p lies in the guarded pool (metadata included): every pointer
 * this answers true for must go to brisk_guard_free / brisk_guard_usable,
 * which accept only live guarded blocks. */
static ALWAYS_INLINE bool guard_owns(const void *p) {
  return (uintptr_t)p - atomic_load_explicit(&brisk_guard_lo, memory_order_relaxed) <
         brisk_guard_span;
}

/* Read the options (core/options.h: guard_sample, guard_slots); when
 * sampling is on, draw the sampling seed and install the SIGSEGV handler
 * (os/os.h, brisk_os_fault_hook).  Called once from the constructor,
 * before any sampling. */
void brisk_guard_init(void);

/* The next sampling interval: about N (uniform in [1, 2N-1]), per thread.
 * Precondition: guard_enabled(). */
uint64_t brisk_guard_interval(void);

/* Count one slow-path allocation the fast path's grant did not count
 * (core/alloc.c); true when it is the one to sample.  Precondition:
 * guard_enabled(). */
bool brisk_guard_tick(void);

/* A guarded block of size (<= BRISK_GUARD_MAX) bytes for the heap
 * `owner`, or NULL when no slot is free or the pool cannot be reserved
 * (the caller then uses its heap).  *usable: the usable bytes (size
 * rounded up to 16, at least 16; the block ends on its page's end);
 * *zeroed: true when the memory reads as zero (a slot never used).  Makes
 * one mprotect call (the first one also reserves the pool).  Does not
 * count the allocation: the caller reports it to the event hook. */
void *brisk_guard_alloc(const void *owner, size_t size, bool *zeroed, size_t *usable);

/* Free p (guard_owns(p)): a live guarded block goes to the quarantine
 * (its page made PROT_NONE); returns its usable bytes and in *owner the
 * heap it was allocated for.  Aborts with "brisk: double free" for a
 * block already freed, "brisk: free(): invalid pointer" for anything else.
 * Does not count the free. */
size_t brisk_guard_free(void *p, const void **owner);

/* Usable bytes of the live guarded block p (guard_owns(p)); aborts with
 * "brisk: <fn>" (fn names the caller, e.g. "realloc(): invalid pointer")
 * when p is not a live guarded block's start. */
size_t brisk_guard_usable(const void *p, const char *fn);

/* The fork child's repair (api/init.c): the quarantine loses the entries
 * that threads gone in the child were adding or taking; slots those
 * threads held are not reused. */
void brisk_guard_atfork_child(void);

#endif
