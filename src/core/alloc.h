/* SPDX-License-Identifier: MIT */
/* core/alloc.h — the allocation slow paths behind the exported family.
 * errno: every failed allocation sets ENOMEM; nothing else touches errno. */
#ifndef BRISK_CORE_ALLOC_H
#define BRISK_CORE_ALLOC_H

#include "core/types.h"

/* malloc when the fast path cannot serve (heap may be the sentinel). */
void *brisk_alloc_slow(size_t size, heap_t *heap);
/* calloc of n bytes (the product already checked): zeroed memory, the
 * memset skipped where the memory is known to be zero.  api/override.c
 * serves small n through the fast path itself. */
void *brisk_alloc_calloc(size_t n);
/* size bytes aligned to align (a power of two); api/override.c sends
 * align <= 16 to the fast path itself. */
void *brisk_alloc_aligned(size_t size, size_t align);
/* The same from a given real heap (not the sentinel): one that
 * brisk_heap_new made, used by the calling thread alone (core/owned.h). */
void *brisk_alloc_calloc_in(heap_t *heap, size_t n);
void *brisk_alloc_aligned_in(heap_t *heap, size_t size, size_t align);
/* realloc (core/realloc.c); a block that moves goes to the calling
 * thread's heap. */
void *brisk_realloc_block(void *p, size_t size);
/* realloc whose new block, when it moves, comes from `heap` (a real heap
 * the caller alone uses, or the calling thread's own). */
void *brisk_realloc_in(heap_t *heap, void *p, size_t size);

#endif
