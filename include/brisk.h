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

/* Process-wide statistics, declared once: BRISK_STATS_FIELDS generates
 * the struct below and, in the library, the merge, the names, the table
 * (brisk_stats_print), the JSON form and the lookup by name.  Each entry is
 * X(field, kind, label): kind COUNT (a number), BYTES (a size) or SYSCALL
 * (a system-call count, printed on the table's syscalls row); label is the
 * table's wording.  Counters are approximate while other threads run
 * (each thread's figures are merged without stopping it).
 *   malloc_calls     every allocation entry point
 *   free_calls       frees of non-NULL pointers
 *   bytes_requested  sum of requested sizes, cumulative
 *   allocated        bytes in live blocks (usable sizes) now
 *   peak_allocated   high-water mark of `allocated`: exact for one
 *                    thread, within 1 MiB per other thread
 *   mapped           bytes mapped from the kernel now
 *   peak_mapped      high-water mark of `mapped`
 *   committed        mapped bytes not known to be purged or untouched
 *                    (an upper bound of brisk's RSS)
 *   mmap_calls ...   system calls made by the allocator
 *   segments         4 MiB segments mapped now (cached included)
 *   large_live       huge (own-mapping, > 2 MiB) blocks alive now
 *   remote_frees     frees of blocks owned by another thread
 *   threads          thread heaps created (cumulative) */
#define BRISK_STATS_FIELDS(X)                                   \
  X(malloc_calls, COUNT, "allocations")                         \
  X(free_calls, COUNT, "frees")                                 \
  X(bytes_requested, BYTES, "bytes requested (total)")          \
  X(allocated, BYTES, "live now (usable bytes)")                \
  X(peak_allocated, BYTES, "live peak")                         \
  X(mapped, BYTES, "mapped now")                                \
  X(peak_mapped, BYTES, "mapped peak")                          \
  X(committed, BYTES, "committed now (at most)")                \
  X(mmap_calls, SYSCALL, "mmap")                                \
  X(munmap_calls, SYSCALL, "munmap")                            \
  X(madvise_calls, SYSCALL, "madvise")                          \
  X(mremap_calls, SYSCALL, "mremap")                            \
  X(segments, COUNT, "segments")                                \
  X(large_live, COUNT, "huge blocks live")                      \
  X(remote_frees, COUNT, "frees by another thread")             \
  X(threads, COUNT, "thread heaps created")

#define BRISK_STATS_FIELD_(field, kind, label) uint64_t field;
typedef struct brisk_stats {
  BRISK_STATS_FIELDS(BRISK_STATS_FIELD_)
} brisk_stats_t;
#undef BRISK_STATS_FIELD_

/* Fill *out with current statistics.  Returns 0, or EINVAL if out is NULL. */
int brisk_stats_get(brisk_stats_t *out);

/* The counter called `name` (a brisk_stats_t field name, e.g.
 * "peak_allocated") into *out.  Returns 0, EINVAL for a NULL argument, or
 * ENOENT for an unknown name. */
int brisk_stats_value(const char *name, uint64_t *out);

/* Write the statistics to file descriptor fd as one JSON object on one
 * line: {"pid":N,"program":"...","malloc_calls":N,...,"resident":N}. */
void brisk_stats_print_json(int fd);

/* Write a human-readable statistics table to file descriptor fd. */
void brisk_stats_print(int fd);

/* ------------------------------------------------------ First-class heaps
 * A heap whose blocks share one lifetime (an arena): allocate from it,
 * free blocks one by one with free() as usual (from any thread), or free
 * them all at once with brisk_heap_reset / brisk_heap_destroy, which work
 * per segment (4 MiB) and per huge block, not per block, and give the
 * memory back to the kernel.
 * Thread rules: one thread at a time may allocate from, reset, destroy or
 * ask the statistics of a heap (the caller serialises: no lock is taken;
 * heaps are cheap, so give each thread its own).  free(), realloc() and
 * malloc_usable_size() work on any heap's block from any thread, but not
 * during that heap's reset or destroy: the blocks die then.
 * A block realloc() moves goes to the calling thread's default heap;
 * brisk_heap_realloc keeps it in the heap.  Using a destroyed heap aborts
 * ("brisk: brisk_heap_malloc(): heap destroyed"), as a use after free of
 * its blocks is undefined.  (docs/api.md, docs/design.md "Heaps that die".) */
typedef struct brisk_heap brisk_heap_t;
/* A new empty heap; NULL with errno ENOMEM when no memory. */
brisk_heap_t *brisk_heap_new(void);
/* As malloc, calloc, realloc and aligned_alloc, from heap h (h NULL:
 * EINVAL).  brisk_heap_realloc(h, NULL, n) allocates; (h, p, 0) frees p
 * and returns NULL; p may come from any heap (the result is in h). */
void *brisk_heap_malloc(brisk_heap_t *h, size_t n);
void *brisk_heap_calloc(brisk_heap_t *h, size_t count, size_t n);
void *brisk_heap_realloc(brisk_heap_t *h, void *p, size_t n);
void *brisk_heap_aligned_alloc(brisk_heap_t *h, size_t align, size_t n);
/* Free every block of h; h stays usable. */
void brisk_heap_reset(brisk_heap_t *h);
/* Free every block of h and h itself (NULL: nothing). */
void brisk_heap_destroy(brisk_heap_t *h);
/* What heap h holds now. */
typedef struct brisk_heap_stats {
  size_t live_bytes;       /* usable bytes of its live blocks */
  size_t live_blocks;
  size_t mapped_bytes;     /* its segments and huge mappings */
  size_t segments;
  size_t huge_blocks;
  uint64_t allocations;    /* blocks it ever handed out */
  uint64_t bytes_requested;/* bytes ever asked of it */
} brisk_heap_stats_t;
/* Returns 0, or EINVAL for a NULL argument. */
int brisk_heap_stats(brisk_heap_t *h, brisk_heap_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* BRISK_H */
