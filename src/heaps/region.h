/* SPDX-License-Identifier: MIT */
/* heaps/region.h — region heaps: a TLSF allocator inside caller memory
 * (docs/region.md has the full story, the invariants and the crash-repair
 * argument; include/brisk.h has the public contract).
 *
 * Owns: the layout of a region (the header at the start of the caller's
 * memory, the blocks after it, the end sentinel) and the internal seams
 * between its modules:
 *   region_block.c  block headers, keyed check values, boundary tags, the
 *                   validation of a block handed back, the fatal messages
 *   region_index.c  the TLSF index: size mapping, bitmaps, free lists
 *   region_walk.c   linear walks: rebuild after a crash, the invariant
 *                   check, the statistics
 *   region_lock.c   the robust mutex: init, lock with repair, unlock
 *   region.c        the exported brisk_region_* functions
 *
 * Position independence: nothing inside a region is a pointer.  Every link
 * is an offset from the region's base, so a process that maps the same
 * memory at another address uses it as is.  The one exception is the
 * pthread mutex, whose robust-list words are written by the thread that
 * holds it and read only by that thread and the kernel.
 *
 * Layout (offsets from the base, every block 16-aligned):
 *   [0, first)      region_t: immutable description + lock + index
 *   [first, end)    blocks, each starting with a 16-byte header
 *   [end, end+16)   the end sentinel: a header of size 0, in use
 *   [end+16, size)  unused tail (< 16 bytes; size is rounded down)
 *
 * Block header (two words, written through rb_write only):
 *   sf   size | RB_INUSE | RB_PREV_INUSE | RB_DEAD  (size: multiple of 16)
 *   chk  keyed check value of (offset, sf): rb_check()
 * A free block also holds next/prev offsets (words 2, 3: free-list links)
 * and its size in its last word (the footer, the boundary tag read by the
 * next block when it coalesces backwards).
 *
 * Invariants kept under the lock, at every unlock (brisk_region_check
 * verifies each one):
 *  I1 the blocks tile [first, end): a walk by sizes lands exactly on end;
 *  I2 every header's chk equals rb_check(offset, sf);
 *  I3 a block's RB_PREV_INUSE equals the previous block's RB_INUSE (the
 *     first block: set);
 *  I4 no two free blocks are adjacent;
 *  I5 a free block's footer equals its size;
 *  I6 every free block is in exactly the list rb_map_insert(size) names,
 *     the lists are well linked, and a bitmap bit is set iff its list (or,
 *     for fl_bitmap, its second-level map) is non-empty;
 *  I7 the counters used_bytes/free_bytes/nused/nfree equal the walk's.
 * While an operation runs, only I1 is kept at every instant (between any
 * two stores, in program order): that is what makes the crash repair
 * possible (region_walk.c, brisk_region_walk_rebuild).
 *
 * Locking: every function below that touches blocks or the index expects
 * the caller to hold the region lock (region_lock.c).
 */
#ifndef BRISK_HEAPS_REGION_H
#define BRISK_HEAPS_REGION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/brisk.h"

/* Geometry. */
#define RG_ALIGN 16u                /* block and payload alignment */
#define RG_HDR 16u                  /* block header bytes */
#define RG_MIN_BLOCK 48u            /* header + two links + footer, rounded */
#define RG_SL_LOG2 4                /* 16 second-level lists per power of two */
#define RG_SL_COUNT (1u << RG_SL_LOG2)
#define RG_SMALL 256u               /* below: first level 0, lists 16 bytes apart */
#define RG_FL_COUNT 40u             /* first levels: blocks < 2^(RG_FL_COUNT + 7) */
#define RG_MAX_BLOCK ((uint64_t)1 << (RG_FL_COUNT + 7))
#define RG_MAGIC 0x4e4f494745524b42ull /* "BKREGION" little-endian */
#define RG_VERSION 1u

/* Header flag bits (low bits of sf; sizes are multiples of 16). */
#define RB_INUSE 1ull
#define RB_PREV_INUSE 2ull
#define RB_DEAD 4ull /* a header absorbed by coalescing: freeing it is a double free */
#define RB_FLAGS 15ull
#define RB_SIZE(sf) ((sf) & ~RB_FLAGS)

/* The region header: the first bytes of the caller's memory.  Fixed-size
 * types only; the layout is checked by `layout` (sizes of this struct and
 * of pthread_mutex_t are mixed into it) so that a build with another ABI
 * refuses to attach. */
struct brisk_region {
  /* immutable after brisk_region_init, covered by layout_check */
  uint64_t magic;
  uint32_t version;
  uint32_t flags;        /* BRISK_REGION_SHARED */
  uint64_t size;         /* bytes of the region, a multiple of 16 */
  uint64_t key;          /* random: keys every block check value */
  uint64_t first;        /* offset of the first block */
  uint64_t end;          /* offset of the end sentinel */
  uint64_t layout;       /* sizeof(region_t) << 32 | sizeof(pthread_mutex_t) */
  uint64_t layout_check; /* rg_mix over the fields above */
  union {
    pthread_mutex_t m;
    char pad[64];
  } lock;
  /* mutable, under the lock */
  uint64_t used_bytes;   /* bytes of in-use blocks, headers included */
  uint64_t free_bytes;   /* bytes of free blocks, headers included */
  uint64_t nused;        /* in-use blocks */
  uint64_t nfree;        /* free blocks */
  uint64_t repairs;      /* times a dead holder's lock was repaired */
  uint64_t check_gen;    /* brisk_region_walk_verify's stamp counter */
  uint64_t fl_bitmap;    /* bit f: sl_bitmap[f] != 0 */
  uint32_t sl_bitmap[RG_FL_COUNT]; /* bit s: heads[f][s] != 0 */
  uint64_t heads[RG_FL_COUNT][RG_SL_COUNT]; /* first free block, 0: none */
};
typedef struct brisk_region region_t;

/* Offset 0 is the region header: no block lives there, so 0 is "none". */
typedef uint64_t roff_t;

/* A block header in place. */
typedef struct rblock_s {
  uint64_t sf;
  uint64_t chk;
  uint64_t next; /* free blocks only */
  uint64_t prev; /* free blocks only */
} rblock_t;

static inline rblock_t *rb_at(const region_t *r, roff_t off) {
  return (rblock_t *)((char *)r + off);
}
static inline uint64_t rb_sf(const region_t *r, roff_t off) {
  return __atomic_load_n(&rb_at(r, off)->sf, __ATOMIC_RELAXED);
}
static inline uint64_t rb_size(const region_t *r, roff_t off) { return RB_SIZE(rb_sf(r, off)); }
static inline uint64_t *rb_footer(const region_t *r, roff_t off, uint64_t size) {
  return (uint64_t *)((char *)r + off + size - 8);
}

/* The crash-ordering barrier: every store before it is in memory (in the
 * instruction stream) before any store after it.  A SIGKILL stops a
 * process between two instructions, and all its earlier stores reach the
 * shared memory before the kernel hands the lock on, so a compiler barrier
 * is what program order needs; the mutex orders everything else. */
#define RG_ORDER() __atomic_signal_fence(__ATOMIC_SEQ_CST)

/* Test hooks: BRISK_REGION_HOOKS=1 (only test/region's crash build) calls
 * brisk_region_hook(point) at each step of a split, a coalesce and a
 * resize, so a test can kill the holder there.  0 in every library build. */
#ifndef BRISK_REGION_HOOKS
#define BRISK_REGION_HOOKS 0
#endif
#if BRISK_REGION_HOOKS
void brisk_region_hook(int point);
#define RG_HOOK(point) brisk_region_hook(point)
#else
#define RG_HOOK(point) ((void)0)
#endif

/* --------------------------------------------------- region_block.c */

/* The keyed check value of a header with word sf at offset off. */
uint64_t brisk_region_block_check_value(const region_t *r, roff_t off, uint64_t sf);
/* Write header sf at off, then its check value (two 8-byte stores; a walk
 * by sizes reads only sf, which is one store). */
void brisk_region_block_write(region_t *r, roff_t off, uint64_t sf);
/* Whether the header at off carries its right check value. */
bool brisk_region_block_header_ok(const region_t *r, roff_t off);
/* Set or clear RB_PREV_INUSE in the header at off (a block or the end). */
void brisk_region_block_set_prev_inuse(region_t *r, roff_t off, bool inuse);

/* The block whose payload is p, validated for handing back by `what`
 * ("free", "realloc", "usable_size"): p lies in the region on a payload
 * boundary, its header has its check value, is in use and not dead, its
 * size lands inside the region on a valid header whose RB_PREV_INUSE is
 * set, and a free previous block has a matching footer and header.  On
 * any failure: unlocks r when `locked`, prints the message, aborts. */
roff_t brisk_region_block_validate(region_t *r, const void *p, const char *what, bool locked);

/* Take the free block at off (already out of the index) for an
 * allocation of bsize bytes (a multiple of 16, >= RG_MIN_BLOCK, <= its
 * size): split off and index the tail when it is a block, mark it in use.
 * Returns off. */
roff_t brisk_region_block_take(region_t *r, roff_t off, uint64_t bsize);
/* Give the in-use block at off back: coalesce with free neighbours and
 * index the result.  The block was validated. */
void brisk_region_block_release(region_t *r, roff_t off);
/* Resize the in-use block at off to bsize in place when possible
 * (shrinking splits the tail off; growing absorbs a free next block).
 * Returns whether the block now has at least bsize bytes. */
bool brisk_region_block_resize(region_t *r, roff_t off, uint64_t bsize);
/* Split a leading gap of `gap` bytes (0 or >= RG_MIN_BLOCK, a multiple of
 * 16, smaller than the block) off the free, unindexed block at off; the gap
 * becomes an indexed free block.  Returns the offset of the rest. */
roff_t brisk_region_block_split_front(region_t *r, roff_t off, uint64_t gap);

/* Print "brisk: region: <head><what><tail>0x<p>", then " (<detail>0x<q>)"
 * when detail is not NULL, on one line to stderr; then abort. */
_Noreturn void brisk_region_block_fatal(const char *head, const char *what, const char *tail,
                                  const void *p, const char *detail, const void *q);

/* --------------------------------------------------- region_index.c */

/* The (first, second) level list that holds free blocks of `size`. */
void brisk_region_index_map_insert(uint64_t size, unsigned *fl, unsigned *sl);
/* Insert / remove the free block at off into / from its list. */
void brisk_region_index_insert(region_t *r, roff_t off);
void brisk_region_index_remove(region_t *r, roff_t off);
/* Find and remove a free block of at least bsize bytes (good fit: the
 * first non-empty list whose every block is large enough), 0 if none.
 * O(1): two find-first-set operations. */
roff_t brisk_region_index_find(region_t *r, uint64_t bsize);
/* Empty every list and bitmap. */
void brisk_region_index_clear(region_t *r);

/* --------------------------------------------------- region_walk.c */

/* Rebuild everything but I1 from a linear walk: merge adjacent free blocks,
 * rewrite flags, check values and footers, rebuild the index and the
 * counters.  Returns 0, or EUCLEAN when the walk itself is broken. */
int brisk_region_walk_rebuild(region_t *r);
/* Verify I1..I7; 0 or EUCLEAN.  Writes only check_gen and one scratch
 * word (word 4) of each free block, which nothing else reads. */
int brisk_region_walk_verify(region_t *r);
/* Fill *out from the counters and the index. */
void brisk_region_walk_fill_stats(const region_t *r, brisk_region_stats_t *out);

/* --------------------------------------------------- region_lock.c */

/* Initialise the lock at r (shared: PTHREAD_PROCESS_SHARED); always robust.
 * Returns 0 or an errno value. */
int brisk_region_lock_init(region_t *r, bool shared);
/* Lock r.  When the previous holder died holding it, rebuild the region
 * (brisk_region_walk_rebuild) and mark the lock consistent.  Returns 0 (held),
 * EUCLEAN (the repair found the region broken: the lock is made
 * unrecoverable and released) or ENOTRECOVERABLE. */
int brisk_region_lock(region_t *r);
void brisk_region_lock_leave(region_t *r);

#endif /* BRISK_HEAPS_REGION_H */
