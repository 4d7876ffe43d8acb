/* SPDX-License-Identifier: MIT */
/* config.h — every compile-time switch and tuning constant of brisk.
 *
 * Switches are always defined to 0 or 1 (the build uses -Wundef), and code
 * tests them with `if (X)` where it can so that disabled code still compiles.
 * Runtime options (environment variables BRISK_*) live in options.c.
 */
#ifndef BRISK_CONFIG_H
#define BRISK_CONFIG_H

/* BRISK_DEBUG: 1 enables debug assertions (brisk_assert) on internal
 * invariants.  Cheap always-on checks (invalid/double free) stay on in
 * every build. */
#ifndef BRISK_DEBUG
#define BRISK_DEBUG 0
#endif

/* BRISK_DEBUG_FULL: 1 (implies BRISK_DEBUG) adds expensive invariant
 * walks (every page's free list and counts, the span partition of every
 * segment, segment-map consistency, heap lists) at slow-path checkpoints
 * (core/check.c). */
#ifndef BRISK_DEBUG_FULL
#define BRISK_DEBUG_FULL 0
#endif
#if BRISK_DEBUG_FULL && !BRISK_DEBUG
#error "BRISK_DEBUG_FULL=1 needs BRISK_DEBUG=1"
#endif

/* BRISK_OVERRIDE: 1 exports the standard malloc family (malloc, free, ...)
 * besides the brisk_* names; 0 exports only brisk_* (the "prefix" build,
 * which can coexist with glibc's malloc, used by TSan and fuzz builds). */
#ifndef BRISK_OVERRIDE
#define BRISK_OVERRIDE 1
#endif

/* BRISK_FAST_STATS: 1 counts calls and bytes on the malloc/free fast paths
 * (six instructions per pair); 0 leaves only the slow paths counting, so
 * mallinfo/malloc_stats/BRISK_STATS under-report small blocks. */
#ifndef BRISK_FAST_STATS
#define BRISK_FAST_STATS 1
#endif

/* BRISK_EVENTS: 1 routes every allocation, free, in-place resize and
 * system call through the event hook (observe/event.h), which keeps the
 * statistics (and, later, tracing); 0 compiles the hook to nothing: the
 * statistics then read zero except the system-call counters' mapped bytes. */
#ifndef BRISK_EVENTS
#define BRISK_EVENTS 1
#endif
#if BRISK_FAST_STATS && !BRISK_EVENTS
#undef BRISK_FAST_STATS
#define BRISK_FAST_STATS 0
#endif

/* BRISK_TRACE: 1 builds the tracing library (`make trace` ->
 * build/libbrisk-trace.so, which `brisk trace` preloads): every exported
 * allocation and free is recorded, with its time, thread, size, address
 * and (BRISK_TRACE_STACKS=1) call stack, into per-thread buffers written
 * to BRISK_TRACE_FILE (observe/tracefile.h, docs/trace-format.md).  0 (the
 * product) compiles the recording out of the entry points entirely. */
#ifndef BRISK_TRACE
#define BRISK_TRACE 0
#endif

/* ---------------------------------------------------------------- safety
 * Mitigations (docs/security.md says what each stops and costs).  Each is
 * its own switch; BRISK_HARDENED=1 is the preset that turns every one on
 * (`make hardened` builds build/libbrisk-hardened.so with it).  A switch
 * given explicitly on the command line wins over the preset. */
#ifndef BRISK_HARDENED
#define BRISK_HARDENED 0
#endif

/* BRISK_SAFE_LINKS (default build, on): free-list links are stored
 * encoded with the per-process key and the block's own address, and every
 * link popped is checked to decode to a block of the same segment; a
 * damaged link aborts ("heap corruption: free list ... damaged").  0 only
 * to measure what the checks cost. */
#ifndef BRISK_SAFE_LINKS
#define BRISK_SAFE_LINKS 1
#endif

/* BRISK_RO_GLOBALS: the options and keys, set once at start-up, live on a
 * page of their own that is made read-only after initialisation. */
#ifndef BRISK_RO_GLOBALS
#define BRISK_RO_GLOBALS BRISK_HARDENED
#endif

/* BRISK_RANDOM_ORDER: fresh blocks of a page are carved in a random order
 * and a page is picked at random among a class's pages with free blocks. */
#ifndef BRISK_RANDOM_ORDER
#define BRISK_RANDOM_ORDER BRISK_HARDENED
#endif

/* BRISK_GUARD_PAGES: PROT_NONE pages between spans (the last page of
 * every page span and large span) and after every huge block. */
#ifndef BRISK_GUARD_PAGES
#define BRISK_GUARD_PAGES BRISK_HARDENED
#endif
/* Span guards in place at once, process-wide (core/span.c): each splits
 * its segment's kernel mapping (two more VMAs), and vm.max_map_count
 * (65530 by default) bounds them all; past this many, new spans go
 * without a guard instead of making mmap fail. */
#define BRISK_GUARD_SPANS_MAX 16384

/* BRISK_CANARIES: the bytes between the requested size and the end of a
 * small, medium, large or huge block hold a keyed pattern (the requested
 * size is kept encoded in the block's last word), checked on free and
 * realloc: a 1-byte overflow aborts ("heap overflow ...").
 * malloc_usable_size then returns the requested size. */
#ifndef BRISK_CANARIES
#define BRISK_CANARIES BRISK_HARDENED
#endif

/* BRISK_ZERO_ON_FREE: freed small and medium blocks are zeroed whole;
 * BRISK_ZERO_CHECK checks on reuse that they still read as zero past the
 * link and that the free mark is intact ("write after free ..."). */
#ifndef BRISK_ZERO_ON_FREE
#define BRISK_ZERO_ON_FREE BRISK_HARDENED
#endif
#ifndef BRISK_ZERO_CHECK
#define BRISK_ZERO_CHECK BRISK_HARDENED
#endif

/* BRISK_QUARANTINE: freed small and medium blocks wait in a per-heap
 * quarantine of at most BRISK_QUARANTINE_BYTES (FIFO, the slot to release
 * drawn at random among the oldest) before their page can reuse them. */
#ifndef BRISK_QUARANTINE
#define BRISK_QUARANTINE BRISK_HARDENED
#endif
#ifndef BRISK_QUARANTINE_BYTES
#define BRISK_QUARANTINE_BYTES ((size_t)1 << 20)
#endif
#define BRISK_QUARANTINE_SLOTS 1024

/* BRISK_ZERO_FAULT: malloc(0) returns a distinct pointer into a reserved
 * PROT_NONE region: any access faults; free and realloc accept it. */
#ifndef BRISK_ZERO_FAULT
#define BRISK_ZERO_FAULT BRISK_HARDENED
#endif

/* BRISK_SIZED_FREE_CHECK: free_sized, free_aligned_sized and C++ sized
 * delete abort when the size given does not fit the block ("free_sized():
 * size ... does not match ..."). */
#ifndef BRISK_SIZED_FREE_CHECK
#define BRISK_SIZED_FREE_CHECK BRISK_HARDENED
#endif

/* Fill bytes checked after a block's requested size (the rest up to the
 * size word is left alone: a linear overflow crosses the fill first, and
 * 16 bytes hold two words, compared at once). */
#define BRISK_CANARY_FILL 16

/* The hardened entry paths (safety/harden.c) wrap the core when any of
 * these is on (api/entry.h). */
#define BRISK_HARDEN_PATHS (BRISK_CANARIES || BRISK_ZERO_ON_FREE || BRISK_QUARANTINE || BRISK_SIZED_FREE_CHECK)

#if BRISK_ZERO_CHECK && !BRISK_ZERO_ON_FREE
#error "BRISK_ZERO_CHECK=1 needs BRISK_ZERO_ON_FREE=1 (it checks the zeroing)"
#endif
#if BRISK_HARDENED && !BRISK_SAFE_LINKS
#error "BRISK_HARDENED=1 needs BRISK_SAFE_LINKS=1 (the other checks assume intact free lists)"
#endif

/* Fast-path allocations granted at a time when no sampling asks for
 * fewer (observe/event.h, event_fast_regrant).  The regrant's slow path
 * is also the housekeeping tick of a thread whose allocations all take
 * the fast path (core/heap.h brisk_heap_tick): small enough that such a
 * thread still returns the memory of exited threads, large enough that
 * it costs < 0.1 instruction per allocation. */
#define BRISK_FAST_GRANT ((uint64_t)4096)

/* Peak tracking (observe/event.c): a heap adds its net allocation to the
 * process total once it drifted this far from what it last added, and at
 * once for any block of BRISK_PEAK_FORCE bytes or more. */
#define BRISK_PEAK_SLACK ((uint64_t)1 << 20)
#define BRISK_PEAK_FORCE ((uint64_t)1 << 20)
/* ... and the slow path that serves the class's next page through the
 * fast path's grant (core/alloc.c refill: reused blocks, fresh carving or
 * a new page) checks the peak once this many usable bytes were so served
 * since the last check (a page's worth). */
#define BRISK_PEAK_STEP ((uint64_t)64 << 10)

/* The user address space brisk manages: the segment bitmap and map cover
 * addresses below 2^BRISK_ADDRESS_BITS; the OS seam refuses mappings above
 * it, and requests that cannot fit in it fail at once (ENOMEM). */
#define BRISK_ADDRESS_BITS 47
#define BRISK_REQUEST_MAX (((size_t)1 << BRISK_ADDRESS_BITS) - ((size_t)64 << 20))

/* Geometry.  A segment is SEGMENT_SIZE bytes, aligned to SEGMENT_SIZE, and
 * cut into SLICES_PER_SEGMENT slices of SLICE_SIZE.  Slice 0 holds the
 * segment header; spans of slices 1..63 hold pages (blocks of one size
 * class) or one large block. */
#define BRISK_SEGMENT_SHIFT 22 /* 4 MiB */
#define BRISK_SLICE_SHIFT 16   /* 64 KiB */
#define BRISK_SEGMENT_SIZE ((size_t)1 << BRISK_SEGMENT_SHIFT)
#define BRISK_SLICE_SIZE ((size_t)1 << BRISK_SLICE_SHIFT)
#define BRISK_SLICES_PER_SEGMENT (BRISK_SEGMENT_SIZE / BRISK_SLICE_SIZE)
#define BRISK_OS_PAGE 4096

/* Size limits.  Requests <= BRISK_SMALL_MAX are found through the heap's
 * direct page table; requests <= BRISK_CLASS_MAX are rounded to a size
 * class; requests <= BRISK_LARGE_MAX get a span of whole slices in a
 * segment; anything bigger is a huge block mapped on its own. */
#define BRISK_SMALL_MAX 1024
#define BRISK_CLASS_MAX ((size_t)128 * 1024)
#define BRISK_LARGE_MAX ((size_t)2 * 1024 * 1024)
#define BRISK_ALIGN 16 /* minimum alignment of every block (x86-64 ABI) */

/* How many bytes of fresh blocks a page carves at once when its free list
 * runs dry (lazy carving keeps untouched memory out of RSS). */
#define BRISK_CARVE_BYTES 4096
#define BRISK_CARVE_MIN_BLOCKS 4

/* Remote-free batching: a thread keeps up to BRISK_REMOTE_BATCH frees of
 * another thread's page in one of BRISK_REMOTE_SLOTS slots before handing
 * the chain over with a single CAS (a power of two, at most 64: the slots
 * in use are tracked in a 64-bit mask). */
#define BRISK_REMOTE_SLOTS 64
#ifndef BRISK_REMOTE_BATCH
#define BRISK_REMOTE_BATCH 32
#endif
/* The batch of a thread that frees other threads' blocks but has not
 * allocated since it got its heap (a consumer: core/heap.c). */
#ifndef BRISK_REMOTE_BATCH_CONSUMER
#define BRISK_REMOTE_BATCH_CONSUMER 4
#endif
/* A heap that allocated once but now only frees other threads' blocks
 * (a collector thread: bench/xmalloc) becomes a consumer again after
 * this many frees past a full foreign cache without an allocation in
 * between (core/free.c). */
#ifndef BRISK_CONSUMER_AFTER
#define BRISK_CONSUMER_AFTER 1024
#endif

/* Foreign-block cache: a thread keeps up to BRISK_FOREIGN_MAX blocks (and
 * at most BRISK_FOREIGN_BYTES) per size class that it freed but another
 * heap owns, and hands them out again before touching its own pages.  Like
 * a thread cache, it turns a cross-thread free + a local malloc into two
 * thread-local list operations on a cache-hot block. */
#ifndef BRISK_FOREIGN_MAX
#define BRISK_FOREIGN_MAX 32
#endif
#ifndef BRISK_FOREIGN_BYTES
#define BRISK_FOREIGN_BYTES (64 * 1024)
#endif
/* The malloc fast path takes from a class's foreign cache (its direct
 * slot points at the cache) once it holds this many blocks; fewer are
 * handed out by the slow path when the class's page runs dry.  A thread
 * that gets the odd cross-thread free would otherwise switch the slot to
 * the cache and back for every one of them, two slot updates and a slow
 * path each (rptest: half of its slow-path mallocs). */
#ifndef BRISK_FOREIGN_DIRECT_MIN
#define BRISK_FOREIGN_DIRECT_MIN 4
#endif

/* Transfer cache (core/transfer.h): per size class up to
 * BRISK_TRANSFER_MAX_SIZE bytes, at most BRISK_TRANSFER_BATCHES batches
 * of one foreign cache each (<= BRISK_FOREIGN_MAX blocks) and at most
 * BRISK_TRANSFER_CLASS_BYTES of blocks (but BRISK_TRANSFER_MIN_BATCHES)
 * pass from threads that free other threads' blocks to threads that
 * allocate.  With 8 batches a collector thread's frees overflowed it and
 * went back to the owners' pages, from which the owners then allocated
 * instead of from the batches (bench/xmalloc threads=4: 1.8x the
 * instructions of tcmalloc's; see docs/design.md). */
#ifndef BRISK_TRANSFER_BATCHES
#define BRISK_TRANSFER_BATCHES 128
#endif
#ifndef BRISK_TRANSFER_MIN_BATCHES
#define BRISK_TRANSFER_MIN_BATCHES 8
#endif
#ifndef BRISK_TRANSFER_CLASS_BYTES
#define BRISK_TRANSFER_CLASS_BYTES (2048 * 1024)
#endif
#ifndef BRISK_TRANSFER_MAX_SIZE
#define BRISK_TRANSFER_MAX_SIZE BRISK_SMALL_MAX
#endif

/* The dirty memory the heaps of exited threads keep warm together, in
 * dirty limits (BRISK_DIRTY_MAX_KIB): beyond it an exiting thread's heap
 * purges its oldest free spans (core/heap.c). */
#ifndef BRISK_ABANDONED_DIRTY_FACTOR
#define BRISK_ABANDONED_DIRTY_FACTOR 2
#endif

/* Abandoned heaps the housekeeping visits per round (core/heap.c). */
#define BRISK_JANITOR_VISITS 4

/* Empty segments a heap keeps committed (dirty) for reuse: as many as
 * fill half of its dirty limit (BRISK_DIRTY_MAX_KIB; 4 at the default
 * 32 MiB), at least BRISK_EMPTY_SEGMENTS_MIN (core/options.h
 * options_empty_segments_max); more are released at once, and those kept
 * are released (all but one, which is purged) once they stayed empty for
 * purge_delay_ms. */
#define BRISK_EMPTY_SEGMENTS_MIN 1

/* Global cache of empty segments (kept mapped, purged) and of huge
 * mappings (kept mapped, dirty until purged). */
#define BRISK_SEGMENT_CACHE_MAX 16
#define BRISK_HUGE_CACHE_ENTRIES 32
/* The huge cache may grow past huge_cache_kib up to the peak of the bytes
 * live in huge blocks, but never past this (core/huge.c, brisk_huge_cache_limit). */
#define BRISK_HUGE_CACHE_MAX ((size_t)1 << 30)

/* (Transparent huge pages for huge mappings are a runtime option,
 * BRISK_HUGE_THP_MIN_KIB, off by default: see docs/tuning.md.) */

#endif /* BRISK_CONFIG_H */
