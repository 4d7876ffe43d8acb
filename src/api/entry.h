/* SPDX-License-Identifier: MIT */
/* api/entry.h — the one place where the exported functions
 * (api/override.c, api/newdelete.c) reach an allocator path: the core's
 * inline fast paths in the default build, the hardened wrappers
 * (safety/harden.c) when BRISK_HARDEN_PATHS; in the tracing build
 * (BRISK_TRACE) each one also records its call (observe/tracefile.h).
 * Contracts: as the malloc family; the free functions keep errno. */
#ifndef BRISK_API_ENTRY_H
#define BRISK_API_ENTRY_H

#include <string.h>

#include "core/fast.h"
#include "core/free.h"
#include "observe/tracefile.h"
#include "safety/harden.h"

/* The usable size recorded with an allocation in the tracing build (a
 * call: callers test BRISK_TRACE first, so other builds never make it). */
static inline uint64_t entry_traced_usable(const void *p) {
  return p != NULL && !BRISK_HARDEN_PATHS ? brisk_free_usable(p) : 0;
}

/* Each allocating entry takes `heap`: NULL for the calling thread's own
 * heap (the malloc family), or a heap brisk_heap_new made, used by the
 * calling thread alone (api/heaps.c).  With the constant NULL the choice
 * folds away. */
static ALWAYS_INLINE void *entry_malloc_in(heap_t *heap, size_t n) {
  void *p;
  if (BRISK_HARDEN_PATHS)
    p = brisk_harden_malloc_in(heap, n, 0);
  else
    p = heap != NULL ? fast_malloc_in(heap, n) : fast_malloc(n);
  if (BRISK_TRACE) trace_event(TRACE_MALLOC, p, n, entry_traced_usable(p));
  return p;
}

/* align: a power of two. */
static ALWAYS_INLINE void *entry_malloc_aligned_in(heap_t *heap, size_t n, size_t align) {
  void *p;
  if (BRISK_HARDEN_PATHS)
    p = brisk_harden_malloc_in(heap, n, align);
  else if (align <= BRISK_ALIGN)
    p = heap != NULL ? fast_malloc_in(heap, n) : fast_malloc(n);
  else
    p = heap != NULL ? brisk_alloc_aligned_in(heap, n, align) : brisk_alloc_aligned(n, align);
  trace_event(TRACE_ALIGNED, p, n, align);
  return p;
}

/* n zeroed bytes (the count * size product already checked). */
static ALWAYS_INLINE void *entry_calloc_in(heap_t *heap, size_t n) {
  void *p;
  if (BRISK_HARDEN_PATHS) {
    p = brisk_harden_calloc_in(heap, n);
  } else if (n <= BRISK_SMALL_MAX) {
    p = heap != NULL ? fast_malloc_in(heap, n) : fast_malloc(n);
    if (p != NULL) memset(p, 0, n);
  } else {
    p = heap != NULL ? brisk_alloc_calloc_in(heap, n) : brisk_alloc_calloc(n);
  }
  if (BRISK_TRACE) trace_event(TRACE_CALLOC, p, n, entry_traced_usable(p));
  return p;
}

static ALWAYS_INLINE void *entry_realloc_in(heap_t *heap, void *p, size_t n) {
  void *q;
  if (BRISK_HARDEN_PATHS)
    q = brisk_harden_realloc_in(heap, p, n);
  else
    q = heap != NULL ? brisk_realloc_in(heap, p, n) : brisk_realloc_block(p, n);
  trace_event(TRACE_REALLOC, q, n, (uint64_t)(uintptr_t)p);
  return q;
}

static ALWAYS_INLINE void *entry_malloc(size_t n) { return entry_malloc_in(NULL, n); }
static ALWAYS_INLINE void *entry_malloc_aligned(size_t n, size_t align) {
  return entry_malloc_aligned_in(NULL, n, align);
}
static ALWAYS_INLINE void *entry_calloc(size_t n) { return entry_calloc_in(NULL, n); }
static ALWAYS_INLINE void *entry_realloc(void *p, size_t n) { return entry_realloc_in(NULL, p, n); }

static ALWAYS_INLINE void entry_free(void *p) {
  if (p != NULL) trace_event(TRACE_FREE, p, 0, 0);
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
  if (p != NULL) trace_event(TRACE_FREE, p, n, 0);
  if (BRISK_HARDEN_PATHS) {
    brisk_harden_free_sized(p, n, "free_sized()");
    return;
  }
  brisk_free_check_size(p, n);
  fast_free(p);
}

#endif
