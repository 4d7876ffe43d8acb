/* SPDX-License-Identifier: MIT */
/* api/entry.h — the one place where the exported functions
 * (api/override.c, api/newdelete.c) reach an allocator path: the core's
 * inline fast paths in the default build, the hardened wrappers
 * (safety/harden.c) when BRISK_HARDEN_PATHS.  Contracts: as the malloc
 * family; the free functions keep errno. */
#ifndef BRISK_API_ENTRY_H
#define BRISK_API_ENTRY_H

#include <string.h>

#include "core/fast.h"
#include "safety/harden.h"

static ALWAYS_INLINE void *entry_malloc(size_t n) {
  return BRISK_HARDEN_PATHS ? brisk_harden_malloc(n, 0) : fast_malloc(n);
}

/* align: a power of two. */
static ALWAYS_INLINE void *entry_malloc_aligned(size_t n, size_t align) {
  return BRISK_HARDEN_PATHS ? brisk_harden_malloc(n, align) : fast_malloc_aligned(n, align);
}

/* n zeroed bytes (the count * size product already checked). */
static ALWAYS_INLINE void *entry_calloc(size_t n) {
  if (BRISK_HARDEN_PATHS) return brisk_harden_calloc(n);
  if (n <= BRISK_SMALL_MAX) {
    void *p = fast_malloc(n);
    if (p != NULL) memset(p, 0, n);
    return p;
  }
  return brisk_alloc_calloc(n);
}

static ALWAYS_INLINE void *entry_realloc(void *p, size_t n) {
  return BRISK_HARDEN_PATHS ? brisk_harden_realloc(p, n) : brisk_realloc_block(p, n);
}

static ALWAYS_INLINE void entry_free(void *p) {
  if (BRISK_HARDEN_PATHS)
    brisk_harden_free(p);
  else
    fast_free(p);
}

static ALWAYS_INLINE size_t entry_usable(const void *p) {
  return BRISK_HARDEN_PATHS ? brisk_harden_usable(p) : brisk_free_usable(p);
}

/* free_sized / free_aligned_sized. */
static ALWAYS_INLINE void entry_free_sized(void *p, size_t n) {
  if (BRISK_HARDEN_PATHS) {
    brisk_harden_free_sized(p, n, "free_sized()");
    return;
  }
  brisk_free_check_size(p, n);
  fast_free(p);
}

#endif
