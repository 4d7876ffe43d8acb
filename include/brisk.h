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
 *   malloc_calls     blocks handed out by every allocation entry point
 *                    (a realloc that moves counts one here and one free;
 *                    one served in place, a resize, counts in neither and
 *                    changes `allocated` only)
 *   free_calls       frees of non-NULL pointers
 *   bytes_requested  sum of requested sizes of those blocks, cumulative
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
 *   large_spans      large blocks (128 KiB .. 2 MiB, inside segments) alive now
 *   remote_frees     frees of blocks owned by another thread
 *   threads          thread heaps created (cumulative)
 *   resident         the process's resident set (RSS, /proc/self/statm)
 *   metadata         bytes brisk uses for its own books: segment headers
 *                    and page descriptors, heap descriptors, huge headers
 *   fragmentation_pct  resident / allocated x 100 (0 when nothing is live)
 *   purged           bytes given back with MADV_DONTNEED, cumulative
 *   mmap_bytes ...   bytes of the memory system calls, cumulative
 * Per size class (brisk_stats_class): pages of the class now. */
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
  X(large_spans, COUNT, "large blocks live")                    \
  X(remote_frees, COUNT, "frees by another thread")             \
  X(threads, COUNT, "thread heaps created")                     \
  X(resident, BYTES, "resident now (RSS)")                      \
  X(metadata, BYTES, "metadata")                                \
  X(fragmentation_pct, COUNT, "fragmentation % (RSS/live)")     \
  X(purged, BYTES, "purged (total)")                            \
  X(mmap_bytes, BYTES, "mmap bytes (total)")                    \
  X(munmap_bytes, BYTES, "munmap bytes (total)")                \
  X(madvise_bytes, BYTES, "madvise bytes (total)")

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

/* Size class `index` (0, 1, ...): its block size in *block_size and the
 * pages (spans of blocks of that class) all heaps hold now in *pages, of
 * *page_bytes bytes each.  Returns 0, or ENOENT past the last class
 * (EINVAL for a NULL argument). */
int brisk_stats_class(unsigned index, size_t *block_size, uint64_t *pages, size_t *page_bytes);

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

/* ------------------------------------------------------------ Region heaps
 * A bounded-time (TLSF: two-level segregated fit, O(1) allocate and free)
 * heap living entirely inside memory the caller supplies, e.g. a
 * MAP_SHARED mapping several processes use at different addresses
 * (docs/region.md).  All metadata is inside the region, as offsets from
 * its base; a brisk_region_t * is simply the base of the mapping that
 * passes it.  Every call is thread-safe: the region holds a robust mutex
 * (process-shared with BRISK_REGION_SHARED).  A process or thread that
 * dies holding it (even mid-split or mid-coalesce) leaves a region that
 * the next caller repairs; blocks held by the living are never lost.
 * Blocks are 16-byte aligned; each costs a 16-byte header, at least 48
 * bytes in all.  Misuse (a pointer outside the region, a double free, a
 * damaged block header) prints one line "brisk: region: ..." on stderr
 * and aborts. */
typedef struct brisk_region brisk_region_t;
#define BRISK_REGION_SHARED 1u     /* process-shared, robust lock */
#define BRISK_REGION_ALIGN 16u     /* required alignment of mem */
#define BRISK_REGION_MIN_SIZE 8192u /* smallest len brisk_region_init takes */

/* Make a region of the first len bytes (rounded down to 16) at mem, which
 * must be BRISK_REGION_ALIGN-aligned, at least BRISK_REGION_MIN_SIZE bytes
 * and below 2^47; flags is 0 or BRISK_REGION_SHARED.  The region's old
 * contents are ignored.  Returns (brisk_region_t *)mem, or NULL with errno
 * EINVAL (bad mem, len or flags) or the pthread error of the mutex.
 * Use the region from another process only if it was made SHARED. */
brisk_region_t *brisk_region_init(void *mem, size_t len, unsigned flags);
/* The region at mem, made by brisk_region_init (here or in another process
 * mapping the same memory, at any address).  Checks the header's magic,
 * version, layout, sizes and checksum; NULL with errno EINVAL when mem
 * holds no region.  Reads only the header's first 80 bytes. */
brisk_region_t *brisk_region_attach(void *mem);
/* A block of at least n bytes, 16-byte aligned; NULL with errno ENOMEM
 * when no free block fits (or EINVAL for r NULL, EUCLEAN or
 * ENOTRECOVERABLE for a region found broken by a crash repair). */
void *brisk_region_malloc(brisk_region_t *r, size_t n);
/* count * n zeroed bytes; NULL with ENOMEM on overflow or when full. */
void *brisk_region_calloc(brisk_region_t *r, size_t count, size_t n);
/* Resize p to n bytes, in place when the neighbour allows, else by moving
 * (the contents up to the smaller size are kept).  realloc(r, NULL, n) is
 * malloc; realloc(r, p, 0) frees p and returns NULL.  On failure NULL with
 * ENOMEM, and p is untouched. */
void *brisk_region_realloc(brisk_region_t *r, void *p, size_t n);
/* A block of n bytes whose address in THIS process's mapping is a multiple
 * of align (a power of two; EINVAL otherwise).  Mappings at page-aligned
 * addresses see the same alignment for any align up to the page size. */
void *brisk_region_aligned_alloc(brisk_region_t *r, size_t align, size_t n);
/* Free a block of r.  NULL is a no-op. */
void brisk_region_free(brisk_region_t *r, void *p);
/* Bytes usable at p (>= the size asked for); 0 for NULL. */
size_t brisk_region_usable_size(brisk_region_t *r, const void *p);
/* Position-independent handle: p's offset from the region's base, valid in
 * every process mapping the region.  0 for NULL, and 0 with errno EINVAL
 * for a pointer outside the region (0 is never a block's offset). */
uint64_t brisk_region_offset(brisk_region_t *r, const void *p);
/* The pointer in this mapping for an offset; NULL for 0, and NULL with
 * errno EINVAL for an offset beyond the region. */
void *brisk_region_ptr(brisk_region_t *r, uint64_t offset);
/* Walk the whole region and verify every invariant (sizes, boundary tags,
 * in-use bits, no two adjacent free blocks, every free block in exactly
 * its list, bitmaps, counters).  Returns 0, EINVAL (r is not a region) or
 * EUCLEAN (an invariant is broken).  O(blocks), under the lock. */
int brisk_region_check(brisk_region_t *r);
/* Statistics: size = the region's bytes; used / free = bytes of in-use /
 * free blocks, 16-byte headers included (size - used - free is the fixed
 * overhead: header and end sentinel); largest_free = the largest free
 * block's bytes (header included); blocks / free_blocks = their numbers.
 * Returns 0, or EINVAL for a NULL argument. */
typedef struct brisk_region_stats {
  size_t size, used, free, largest_free, blocks, free_blocks;
} brisk_region_stats_t;
int brisk_region_stats(brisk_region_t *r, brisk_region_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* BRISK_H */
