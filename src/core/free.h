/* SPDX-License-Identifier: MIT */
/* core/free.h — the free slow paths: pointer validation and dispatch to
 * the owner (page, large, huge, remote), and the checked lookups that
 * malloc_usable_size and realloc use.  A pointer that is not a live block
 * aborts with one line naming the function and the pointer. */
#ifndef BRISK_CORE_FREE_H
#define BRISK_CORE_FREE_H

#include "core/types.h"

/* Free of p inside segment seg (its region bit is set) whose span head is
 * `page`, when the fast path could not do it. */
void brisk_free_in_segment(segment_t *seg, page_t *page, void *p);
/* The owner's free that the fast path's block test declined: heap (the
 * calling thread's) owns seg, page is the span head of p's slice.  A block
 * of a page of several slices, or of one parked as full, with no other
 * flag, is counted as the fast path counts and freed by the page's own
 * bookkeeping; anything else goes to brisk_free_in_segment. */
void brisk_free_own_declined(heap_t *heap, segment_t *seg, page_t *page, void *p);
/* The free fast path's pointer p, in segment seg of another heap, whose
 * slice descriptor is `page`, from a thread with a heap: when p is a
 * carved block start of a one-slice page without flags or with only
 * PAGE_IN_FULL, the foreign cache or the batch of the calling thread,
 * else the slow path (core/free.c).  (The arguments come in the order
 * the fast path holds them: its tail call moves one register.) */
void brisk_free_foreign(void *p, page_t *page, segment_t *seg, heap_t *heap);
/* Every free that the fast path (core/fast.h, fast_free_page) declines:
 * a segment pointer goes to brisk_free_in_segment, anything else (NULL,
 * huge, foreign) to brisk_free_slow.  Out of line so that the fast path
 * keeps nothing live for it. */
void brisk_free_declined(void *p);
/* A small block leaves the quarantine (core/quarantine.c): freed through
 * the path above, its free already reported to the event hook.
 * Precondition: b is a live carved block (it was checked when quarantined). */
void brisk_free_released(block_t *b);
/* Free of a pointer outside every segment: NULL, huge, or not brisk's. */
void brisk_free_slow(void *p);
/* Usable bytes of live block p counted from p; aborts with
 * "brisk: <fn>: invalid pointer" when p is not a live block's start (an
 * interior pointer is accepted only into a span holding aligned blocks). */
size_t brisk_free_usable_checked(const void *p, const char *fn);
/* The same check, also giving the segment span that holds p: NULL when p
 * is a huge block, a guarded sample or a malloc(0) pointer (realloc's
 * one lookup). */
page_t *brisk_free_span_checked(const void *p, const char *fn, size_t *usable);
/* malloc_usable_size: 0 for NULL, else as above. */
size_t brisk_free_usable(const void *p);
/* free_sized / free_aligned_sized: abort when p is not a live block or
 * size is larger than its usable size (every build: these calls are rare
 * enough for the lookup). */
void brisk_free_check_size(void *p, size_t size);

#endif
