/* SPDX-License-Identifier: MIT */
/* core/owned.h — heaps that can be destroyed (HEAP_OWNED): the core of
 * brisk_heap_new / reset / destroy (api/heaps.c is the public face).
 *
 * Thread rules: one thread at a time allocates from, resets, destroys or
 * asks the statistics of a given owned heap (the caller serialises; no
 * lock is taken for it).  Any thread may free (free, realloc) an owned
 * heap's block at any time except during that heap's reset or destroy.
 *
 * Why destroying is safe (docs/design.md, "Heaps that die"): an owned
 * heap's blocks can be referenced from another thread's private state in
 * three ways, and each is closed:
 *  1. foreign caches and 2. remote batch tables: core/free.c never puts a
 *     block of a HEAP_OWNED segment there: another thread's free pushes it
 *     straight onto its page (one CAS on page->xfree, or heap->delayed for
 *     large blocks), where only the heap's user collects it;
 *  3. a push in flight (between the free's lookup and its CAS) happens
 *     only during a free, which the contract forbids during destroy.
 * Guard sampling never serves an owned heap (a sampled block would live in
 * the guard pool, outside the heap), and the hardened quarantine never
 * holds an owned heap's block (safety/harden.c frees those at once).  So
 * when destroy starts, every block of the heap is in one of its pages,
 * large spans or huge mappings, or on one of its own lists: destroy
 * collects the pushed frees, counts what is still live, unmaps its huge
 * blocks and segments (work per segment and per huge block, not per
 * block), and never touches another thread's memory.
 * A destroyed heap's descriptor is kept (kind HEAP_DEAD, on the reuse
 * pool: its counters stay in the process statistics); allocating from it
 * aborts with "brisk: brisk_heap_malloc(): heap destroyed".
 */
#ifndef BRISK_CORE_OWNED_H
#define BRISK_CORE_OWNED_H

#include "core/types.h"

/* A new empty owned heap; NULL (errno ENOMEM) when no memory. */
heap_t *brisk_owned_new(void);
/* Free every block of h; h stays usable and keeps up to
 * options_empty_segments_max() of its segments (four, 16 MiB, at the
 * default dirty limit) for its next blocks, dirty, under the normal purge
 * policy; the rest goes back to the kernel. */
void brisk_owned_reset(heap_t *h);
/* Free every block of h and h itself; all its memory goes back to the
 * kernel (the segments off the caller's path: brisk_segment_reap). */
void brisk_owned_destroy(heap_t *h);

/* Live blocks and bytes, mapped memory of h (collects pushed frees first:
 * the heap's user only). */
typedef struct owned_census_s {
  size_t live_bytes, live_blocks, mapped_bytes, segments, huge_blocks;
  size_t large_spans; /* of live_blocks, the large ones in segments */
} owned_census_t;
void brisk_owned_census(heap_t *h, owned_census_t *out);

/* Fork child: another thread may have held a huge-list lock. */
void brisk_owned_atfork_child(void);

#endif
