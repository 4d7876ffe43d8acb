/* SPDX-License-Identifier: MIT */
/* core/types.h — the core data types of brisk, shared by every module.
 *
 * Architecture (docs/design.md has the full story and the invariants):
 *   segment (4 MiB, aligned)  = slice 0 (header + page descriptors)
 *                             + slices 1..63 grouped into spans;
 *   span                      = free, a page (blocks of one size class),
 *                               or one large block;
 *   heap                      = page queues per size class, free-span bins,
 *                               the segments it owns, its memory source;
 *   huge block (> 2 MiB)      = its own mapping with a one-page header;
 *   segmap                    = address >> 22  ->  owning segment/huge header.
 *
 * Ownership: a heap, its segments and their page descriptors are touched
 * only by the thread that owns the heap, except for the atomic fields
 * page_t.xfree/rfreed and heap_t.delayed, which other threads push onto.
 * Functions live in the module headers beside this one; this file holds
 * only types, constants and the thread-local heap pointer.
 */
#ifndef BRISK_CORE_TYPES_H
#define BRISK_CORE_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "core/spinlock.h" /* cpu_relax, spinlock_t */

#define BRISK_API __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))


/* ------------------------------------------------------------------ blocks */

/* A free block.  Its words are read and written only through core/block.h
 * (the free-list seam): word 0 links to the next free block (encoded),
 * word 1 holds the free mark while the block is free.  Every block is >=
 * 16 bytes. */
typedef struct block_s {
  uintptr_t link_;
  uintptr_t mark_;
} block_t;

/* ------------------------------------------------------------------- pages */

/* Span kinds (page_t.kind). */
enum {
  SPAN_FREE = 0,  /* free slices, in a heap's span bin */
  SPAN_PAGE = 1,  /* small blocks of one size class */
  SPAN_LARGE = 2, /* one large block spanning the whole span */
  SPAN_META = 3,  /* slice 0: the segment header; also pseudo-pages */
};

/* page_t.flags: any bit set keeps the owner's free off the fast path
 * (fast_limit_own 0); any but PAGE_IN_FULL keeps other threads' frees off
 * it too (fast_limit 0). */
enum {
  PAGE_IN_FULL = 1,     /* page sits in heap->full, not in its bin queue */
  PAGE_HAS_ALIGNED = 2, /* large span: its block was handed out at an interior offset */
  PAGE_NOT_SMALL = 4,   /* span is free, large or metadata (or not a head) */
  PAGE_MULTI = 8,       /* page area of more than one slice (blocks > 8 KiB) */
  PAGE_MESHED = 16,     /* some of its OS pages are meshed (core/mesh.h): every
                           free checks for a withheld block */
};

/* page_t.xfree state, in the two low bits of the word. */
enum {
  XF_NORMAL = 0,   /* remote frees push onto the page list */
  XF_WANTED = 1,   /* page is full: the next remote free goes to heap->delayed */
  XF_NOTIFIED = 2, /* the owner was notified once; push onto the page list */
};

/* The descriptor of a span.  Every slice of a segment has one; only the
 * first slice's descriptor (the head) is meaningful, the others carry
 * slice_offset = distance back to the head.
 * Invariants (core/page.c keeps them):
 *  - used == blocks handed out and not yet returned to `free` (blocks
 *    sitting in xfree count as used until collected), plus, on a meshed
 *    page (PAGE_MESHED), the blocks meshing withheld (core/mesh.h);
 *  - fast_limit != 0 only for the head of a one-slice SPAN_PAGE whose
 *    flags are 0 or PAGE_IN_FULL, and then fast_limit == capacity *
 *    magic_step (pageflags.h): other threads' free fast path accepts
 *    exactly the starts of its carved blocks;
 *  - fast_limit_own == fast_limit while flags are 0, else 0 (the owner's
 *    free of a full page's block takes the slow path), and while it is
 *    nonzero magic32_own == magic32 and free_step_own == free_step. */
typedef struct page_s {
  /* Line 1: read by every thread's free of the page's blocks (the block
   * test, the class, the remote-free protocol), written rarely. */
  uint8_t flags;        /* PAGE_* bits */
  uint8_t kind;         /* SPAN_* */
  uint8_t bin;          /* size class (SPAN_PAGE) */
  uint8_t dirty;        /* free span: may hold committed pages */
  uint32_t block_size;  /* bytes per block (SPAN_PAGE, SPAN_LARGE) */
  uint16_t capacity;    /* blocks carved from the area so far */
  uint16_t reserved;    /* blocks the area can hold (<= 4096) */
  uint8_t slice_count;  /* span length in slices (head only) */
  uint8_t slice_offset; /* distance to the head descriptor, 0 at head */
  union {
    uint32_t free_since; /* free span: low 32 bits of now_ms when freed */
    uint32_t magic32;    /* one-slice page: floor(2^32 / block_size) + 1 */
  };
  uint32_t fast_limit;  /* free fast path: the block test's bound (see
                           invariant); written by the owner, read by every
                           thread's free (relaxed atomics) */
  _Atomic uint32_t rfreed; /* blocks pushed on xfree, ever (added after each push) */
  uint32_t rseen;          /* owner: the value of rfreed already taken off `used` */
  _Atomic uintptr_t xfree; /* remote-free list | XF_* state */
  struct page_s *next;     /* bin queue / full list / free-span bin */
  struct page_s *prev;
  uint64_t free_step;      /* SPAN_PAGE and foreign pseudo-pages: a fast-path
                              free's step of heap_stats_t.free_packed,
                              EVENT_FREE_STEP(block_size), + EVENT_FREE_REMOTE
                              on a pseudo-page (observe/event.h) */
  /* Line 2: written by the owner on every malloc and free of the page.
   * Apart from line 1 so that another thread's free, which reads line 1,
   * does not take the line the owner is writing (one coherence miss for
   * each of them per remote free: larson -11%, xmalloc-2 -11%). */
  block_t *free __attribute__((aligned(64))); /* owner-only list of free blocks */
  uint32_t used;           /* live blocks, and withheld ones (see invariant) */
  uint8_t passed;          /* owner: the allocation slow path found the page
                              without a free block once and moved it to the
                              back of its queue (core/page.c) */
  /* The owner's copies of magic32, fast_limit and free_step (kept equal
   * by their writers: core/pageflags.h, core/page.c): the owner's free
   * fast path reads them here, so that a free of the owner, like its
   * malloc, touches one line of the descriptor (larson-t1: 1.15 M fewer
   * L1 read misses in 2 M frees, cachegrind). */
  uint32_t magic32_own;
  uint32_t fast_limit_own;
  uint64_t alloc_step;     /* SPAN_PAGE and foreign pseudo-pages: a fast-path
                              malloc's step of heap_stats_t.fast_word,
                              EVENT_ALLOC_STEP(block_size) (observe/event.h):
                              on this line, so that the owner's malloc reads
                              none of line 1 */
  uint64_t free_step_own;
} page_t;
_Static_assert(sizeof(page_t) == 128, "page descriptors are two cache lines (above)");

typedef struct page_queue_s {
  page_t *first;
  page_t *last;
} page_queue_t;

/* ---------------------------------------------------------------- segments */

struct heap_s;

typedef struct segment_s {
  struct heap_s *heap;    /* owner; NULL while in the global cache */
  uint32_t used_slices;   /* slices in non-free spans, slice 0 excluded */
  uint32_t magic;         /* BRISK_SEGMENT_MAGIC, checked on slow paths */
  uint32_t heap_kind;     /* heap->kind, copied here so that a remote free
                             need not read the owner heap's cache lines */
  struct segment_s *next; /* owner heap's segment list / global cache */
  struct segment_s *prev;
  uint64_t guards;        /* BRISK_GUARD_PAGES: bit i set = the last OS page of
                             slice i is PROT_NONE (core/segment.c, core/span.c) */
  page_t pages[BRISK_SLICES_PER_SEGMENT];
} segment_t;
_Static_assert(sizeof(segment_t) <= BRISK_SLICE_SIZE, "the segment header fits in its first slice");

#define BRISK_SEGMENT_MAGIC 0x5e67b15cu
#define BRISK_SEGMENT_MASK (BRISK_SEGMENT_SIZE - 1)
#define BRISK_USABLE_SLICES (BRISK_SLICES_PER_SEGMENT - 1)

/* Header of a huge block's mapping (one OS page at the mapping start). */
typedef struct huge_s {
  uint32_t magic;         /* BRISK_HUGE_MAGIC */
  _Atomic uint32_t live;  /* 1 while allocated, 0 in the cache (exchanged) */
  size_t map_size;        /* bytes mapped from the header on */
  uint8_t *block;         /* the user block (>= header + one OS page) */
  uint64_t cached_since_ms;
  size_t guard_at;        /* BRISK_GUARD_PAGES: [header + guard_at, header +
                             map_size) is PROT_NONE (core/huge.c) */
  struct heap_s *owner;   /* a HEAP_OWNED heap whose huge_list holds it, or NULL */
  struct huge_s *onext, *oprev; /* that list (core/owned.c) */
} huge_t;
#define BRISK_HUGE_MAGIC 0x4b5e1b7au

/* ---------------------------------------------------------- memory source */

/* Where a heap's segments come from (core/source.h).  The process default
 * maps from the kernel; region heaps over caller memory and guard pages
 * plug in here.  Contracts: map returns `size` bytes aligned to `align`
 * reading as zero, or NULL; purge returns the bytes whose contents are now
 * known to read as zero (0 when it failed: the range stays dirty). */
typedef struct brisk_source_s {
  void *(*map)(void *ctx, size_t size, size_t align);
  void (*unmap)(void *ctx, void *p, size_t size);
  size_t (*purge)(void *ctx, void *p, size_t size);
  int (*protect)(void *ctx, void *p, size_t size, bool accessible);
  void *ctx;
  bool shares_cache; /* segments may go to / come from the global cache */
} brisk_source_t;

/* ------------------------------------------------------------------- heaps */

/* Size classes: bins 1..BRISK_BIN_COUNT-1; bin 0 unused. */
#define BRISK_BIN_COUNT 49
#define BRISK_DIRECT_SLOTS (BRISK_SMALL_MAX / 16 + 1)

/* Per-heap counters, written only by the owner thread (observe/event.h
 * is the one place that updates them; observe/stats.c merges them). */
typedef struct heap_stats_s {
  /* The fast path's allocations: the grant's countdown and their usable
   * bytes in one word (observe/event.h says how): it may serve
   * fast_word >> 40 more, then calls the slow path, which adds what the
   * grant of fast_grant served to fast_banked and alloc_bytes and grants
   * more (event_fast_regrant).  The sampling trigger, the housekeeping
   * tick and the fast path's statistics in one subtraction.
   * fast_pending: allocations still to grant before the next sample when
   * a sampling interval exceeds the largest grant (core/alloc.c). */
  int64_t fast_word;
  uint64_t fast_grant;
  uint64_t fast_banked;
  uint64_t fast_pending;
  uint64_t malloc_calls;                /* slow-path allocations */
  uint64_t free_calls;
  uint64_t bytes_requested;
  uint64_t alloc_bytes;  /* usable bytes handed out (cumulative), but for the
                            current grant's (event_alloc_bytes adds them) */
  uint64_t freed_bytes;  /* usable bytes freed by this thread (cumulative) */
  /* The fast path's frees not yet in free_calls / remote_frees /
   * freed_bytes: their count (mod 1024) in the top 10 bits, those of other
   * heaps' blocks in the next 11, their bytes below; the free that wraps
   * the count moves them there (observe/event.h). */
  uint64_t free_packed;
  uint64_t remote_frees;
  uint64_t flushed;      /* alloc - freed already added to the process total */
  int64_t peak_mark;     /* fast_word at the last peak check (observe/event.h) */
  uint64_t peak_seen;    /* highest process live estimate this heap saw */
  /* What the heap's segments hold now (owner, slow paths; zeroed when an
   * owned heap's segments die with it): pages of each size class, live
   * large spans. */
  uint64_t class_pages[BRISK_BIN_COUNT];
  uint64_t large_spans;
} heap_stats_t;

/* A batch of remote frees destined for one page (heap_t.remote). */
typedef struct remote_slot_s {
  page_t *page; /* NULL: slot empty */
  block_t *head, *tail;
  uint32_t count;
} remote_slot_t;

/* heap_t.kind */
enum {
  HEAP_THREAD = 0, /* a thread's default heap: immortal, adopted on churn */
  HEAP_OWNED = 1,  /* a heap that can be destroyed (core/owned.h, docs/design.md) */
  HEAP_DEAD = 2,   /* a destroyed HEAP_OWNED heap's descriptor, kept for reuse */
};

typedef struct quarantine_s quarantine_t;

typedef struct heap_s {
  page_t *direct[BRISK_DIRECT_SLOTS]; /* (size+15)>>4 -> page to try first */
  page_t *by_bin[BRISK_BIN_COUNT];    /* bin -> the same choice, for sizes above
                                         BRISK_SMALL_MAX (the medium fast path) */
  heap_stats_t stats;
  page_queue_t queues[BRISK_BIN_COUNT]; /* pages with (maybe) free blocks */
  page_queue_t full;                    /* pages without free blocks */
  page_t *spans[BRISK_SLICES_PER_SEGMENT]; /* free spans by slice count */
  uint64_t span_mask;                   /* bit n: spans[n] non-empty */
  segment_t *segments;                  /* segments owned */
  uint32_t empty_segments;              /* owned segments with no live span */
  uint32_t kind;                        /* HEAP_* */
  const brisk_source_t *source;         /* where segments come from */
  _Atomic(block_t *) delayed;           /* remote frees into full pages/large */
  remote_slot_t remote[BRISK_REMOTE_SLOTS]; /* this thread's batched remote frees */
  /* Per class, a pseudo-page whose free list holds other heaps' blocks
   * that this thread freed (the foreign cache); the direct slot points at
   * it while it is not empty.  Its `used` is minus the block count. */
  page_t foreign[BRISK_BIN_COUNT];
  uint64_t remote_mask;                 /* bit i: remote[i] holds a batch */
  size_t dirty_bytes;                   /* bytes in dirty free spans */
  size_t clean_bytes;                   /* bytes in free spans reading as zero */
  uint64_t purge_due_ms;                /* 0: nothing pending */
  uint64_t now_ms;                      /* last clock reading (slow paths) */
  uint32_t slow_ticks;                  /* slow-path calls, paces clock reads */
  uint32_t house_ticks;                 /* slow-path calls, paces the janitor */
  uint32_t consumer;                    /* taken by a free, or BRISK_CONSUMER_AFTER frees
                                           past a full foreign cache without an allocation
                                           (core/free.c), and no allocation slow path since:
                                           its foreign caches only stage batches for the
                                           transfer cache (no direct slot points at them) */
  uint32_t overflow_frees;              /* frees past a full foreign cache since */
  int64_t overflow_mark;                /* stats.fast_word then: no allocation since
                                           while it is unchanged (core/free.c) */
  struct quarantine_s *quarantine;      /* BRISK_QUARANTINE: core/quarantine.c */
  uint64_t rng;                         /* BRISK_RANDOM_ORDER: xorshift state, 0 until seeded */
  uint64_t mesh_last_ms;                /* BRISK_MESH (core/mesh.c): the last pass, */
  uint64_t mesh_freed;                  /* stats.freed_bytes then, */
  uint32_t mesh_period_ms;              /* and the wait before the next; */
  uint16_t mesh_pages[BRISK_BIN_COUNT]; /* its PAGE_MESHED pages by class */
  struct heap_s *all_next;              /* list of every heap (immortal) */
  struct heap_s *abandoned_next;        /* abandoned list; HEAP_DEAD: the reuse pool */
  /* HEAP_OWNED (core/owned.c): its huge blocks, which any thread may
   * free, on a list guarded by a spin lock held for a few stores. */
  struct huge_s *huge_list;
  spinlock_t huge_lock;
} heap_t;

/* ------------------------------------------------------- thread-local state */

extern __thread heap_t *brisk_heap_tls __attribute__((tls_model("initial-exec")));
extern heap_t brisk_heap_empty; /* the sentinel: every direct slot -> empty page */
extern page_t brisk_page_empty; /* a page with no free block */

/* ------------------------------------------------------- check tiers */

/* brisk_assert: debug builds (BRISK_DEBUG); brisk_check_full: invariant
 * walks of the debug-full build (BRISK_DEBUG_FULL).  Always-on checks
 * call brisk_output_fatal directly. */
_Noreturn void brisk_output_fatal(const char *what, const void *p);
#define brisk_assert(c) \
  ((!BRISK_DEBUG || (c)) ? (void)0 : brisk_output_fatal("assertion failed: " #c, NULL))

#endif /* BRISK_CORE_TYPES_H */
