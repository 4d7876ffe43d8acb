/* SPDX-License-Identifier: MIT */
/* brisk.h — public extension API of the brisk allocator.
 *
 * The standard malloc family (malloc, free, calloc, ...) and the
 * replaceable C++ operators new and delete (every form) are exported under
 * their usual names by libbrisk.so.0 / libbrisk.a.  Link with
 * `pkg-config --libs brisk` (see brisk(3)).  Every malloc-family entry
 * point is also exported with a brisk_ prefix, in every build; the
 * "prefixed" build (build/prefix/) exports ONLY the prefixed names (no
 * C++ operators either) and so can live beside glibc's malloc in one
 * process (used by the TSan and fuzz builds).
 *
 * Semantics of each brisk_X equal those of X documented in docs/api.md:
 * glibc-compatible, errno ENOMEM on every failed allocation.
 */
#ifndef BRISK_H
#define BRISK_H

#include <stddef.h>
#include <stdint.h>

/* Version of this header.  The shared library's soname is
 * libbrisk.so.BRISK_VERSION_MAJOR; brisk_version() reports the version of
 * the library actually loaded, which may be newer than the header. */
#define BRISK_VERSION_MAJOR 0
#define BRISK_VERSION_MINOR 1
#define BRISK_VERSION_PATCH 0
#define BRISK_VERSION_STRING "0.1.0"
/* One number for comparisons: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define BRISK_VERSION \
  (BRISK_VERSION_MAJOR * 10000 + BRISK_VERSION_MINOR * 100 + BRISK_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The loaded library's version, "MAJOR.MINOR.PATCH" (a static string). */
const char *brisk_version(void);

void *brisk_malloc(size_t size);
void brisk_free(void *ptr);
void *brisk_calloc(size_t count, size_t size);
void *brisk_realloc(void *ptr, size_t size);
void *brisk_reallocarray(void *ptr, size_t count, size_t size);
int brisk_posix_memalign(void **out, size_t alignment, size_t size);
void *brisk_aligned_alloc(size_t alignment, size_t size);
void *brisk_memalign(size_t alignment, size_t size);
void *brisk_valloc(size_t size);
void *brisk_pvalloc(size_t size);
size_t brisk_usable_size(const void *ptr);
void brisk_free_sized(void *ptr, size_t size);
void brisk_free_aligned_sized(void *ptr, size_t alignment, size_t size);

/* Return free memory to the kernel now: the calling thread's heap (its
 * empty pages, free spans and empty segments) and the process-wide caches
 * of segments and huge mappings.  Other threads' heaps are trimmed by
 * their own calls and at their exit.  Returns the bytes released. */
size_t brisk_trim(void);

/* Process-wide statistics.  Counters are approximate while other threads
 * run (each thread's figures are merged without stopping it). */
typedef struct brisk_stats {
  uint64_t malloc_calls;      /* every allocation entry point */
  uint64_t free_calls;        /* frees of non-NULL pointers */
  uint64_t bytes_requested;   /* sum of requested sizes, cumulative */
  uint64_t allocated;         /* bytes in live blocks (usable sizes) now */
  uint64_t peak_allocated;    /* high-water mark of `allocated`: exact for
                                 one thread, within 1 MiB per other thread */
  uint64_t mapped;            /* bytes mapped from the kernel now */
  uint64_t peak_mapped;       /* high-water mark of `mapped` */
  uint64_t committed;         /* mapped bytes not known to be purged or
                                 untouched (an upper bound of brisk's RSS) */
  uint64_t mmap_calls;        /* syscalls made by the allocator */
  uint64_t munmap_calls;
  uint64_t madvise_calls;
  uint64_t mremap_calls;
  uint64_t segments;          /* 4 MiB segments mapped now (cached included) */
  uint64_t large_live;        /* huge (own-mapping, > 2 MiB) blocks alive now */
  uint64_t remote_frees;      /* frees of blocks owned by another thread */
  uint64_t threads;           /* thread heaps created (cumulative) */
} brisk_stats_t;

/* Fill *out with current statistics.  Returns 0, or EINVAL if out is NULL. */
int brisk_stats_get(brisk_stats_t *out);

/* Write a human-readable statistics table to file descriptor fd. */
void brisk_stats_print(int fd);

#ifdef __cplusplus
}
#endif
#endif /* BRISK_H */
