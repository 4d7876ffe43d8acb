/* SPDX-License-Identifier: MIT */
/* safety/harden.h — the hardened entry paths (docs/security.md): canaries
 * after every block, zero-on-free checked on reuse, the quarantine, and
 * exact sized-free checks, wrapped around the core's allocation and free
 * paths.  Compiled in when BRISK_HARDEN_PATHS (config.h); api/entry.h
 * routes every exported function here then.
 *
 * Block layout with BRISK_CANARIES: a request of n bytes takes a block of
 * at least n + 8 usable bytes; its last word holds n encoded with the
 * block key and the block's address, and up to BRISK_CANARY_FILL bytes
 * after the n bytes hold a keyed fill byte.  malloc_usable_size is n.  Any
 * write past the n bytes changes the fill or the size word and aborts on
 * free, realloc or malloc_usable_size:
 *   brisk: heap overflow: 24-byte block written past its end (block 0x...)
 * With BRISK_ZERO_ON_FREE a freed small or medium block is zeroed, and
 * with BRISK_ZERO_CHECK malloc checks that the block it hands out still is
 * (and that its free mark is intact):
 *   brisk: write after free: 64-byte block modified while free (block 0x...)
 *
 * Contracts: as the malloc family (errno ENOMEM on failure; free keeps
 * errno); misuse aborts with one line.  Any thread.
 */
#ifndef BRISK_SAFETY_HARDEN_H
#define BRISK_SAFETY_HARDEN_H

#include <stddef.h>

#include "core/types.h"

/* heap: a heap brisk_heap_new made (used by the caller alone), or NULL
 * for the calling thread's (api/entry.h).
 * size bytes aligned to align (0 or <= 16: the default alignment). */
void *brisk_harden_malloc_in(heap_t *heap, size_t size, size_t align);
/* n zeroed bytes (n already checked against overflow). */
void *brisk_harden_calloc_in(heap_t *heap, size_t n);
void *brisk_harden_realloc_in(heap_t *heap, void *p, size_t size);
void brisk_harden_free(void *p);
/* free_sized, free_aligned_sized and C++ sized delete: size must be the
 * size the block was asked for (with canaries) or fit its size class;
 * else abort with "<fn>: size does not match the block". */
void brisk_harden_free_sized(void *p, size_t size, const char *fn);
/* malloc_usable_size: the requested size with canaries. */
size_t brisk_harden_usable(const void *p);

#endif
