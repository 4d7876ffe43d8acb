/* SPDX-License-Identifier: MIT */
/* core/source.h — memory sources: where a heap's segments come from.
 *
 * A heap maps, unmaps, purges and protects its segments only through its
 * source (heap->source; brisk_source_t in core/types.h has the contract of
 * each operation).  brisk_source_os is the process default over the OS
 * seam; region heaps over caller memory and guard pages supply their own.
 * Segments of a source with shares_cache may move through the global
 * segment cache (core/segment.c); others go back to their own source.
 */
#ifndef BRISK_CORE_SOURCE_H
#define BRISK_CORE_SOURCE_H

#include "core/types.h"

extern const brisk_source_t brisk_source_os;

static inline void *source_map(const brisk_source_t *s, size_t size, size_t align) {
  return s->map(s->ctx, size, align);
}
static inline void source_unmap(const brisk_source_t *s, void *p, size_t size) {
  s->unmap(s->ctx, p, size);
}
/* Returns the bytes now known to read as zero: size, or 0 on failure. */
static inline size_t source_purge(const brisk_source_t *s, void *p, size_t size) {
  return s->purge(s->ctx, p, size);
}
static inline int source_protect(const brisk_source_t *s, void *p, size_t size, bool accessible) {
  return s->protect(s->ctx, p, size, accessible);
}

#endif
