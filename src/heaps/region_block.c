/* SPDX-License-Identifier: MIT */
/* heaps/region_block.c — region blocks: headers and their keyed check
 * values, boundary tags, validation of a block handed back, and the three
 * structural operations (take = split for an allocation, release = free
 * with coalescing, resize in place) plus the leading split of an aligned
 * allocation.
 *
 * Owns: every write of a block header and footer on the allocation paths
 * (the crash rebuild in region_walk.c writes them too, under the same
 * rules).  Invariants: region.h, I1..I5.
 *
 * Crash ordering.  A process may die (SIGKILL) between any two of its
 * instructions while it holds the lock; the next holder rebuilds
 * everything from a walk that reads only each header's sf word
 * (region_walk.c).  So every operation below is written so that I1 — the
 * sizes tile [first, end) — holds between any two stores in program order:
 *  - new headers are written first, inside memory the walk still sees as
 *    the payload of an existing block (invisible to it);
 *  - then ONE 8-byte store of an existing header's sf changes the tiling
 *    from the old partition to the new one (shrinking a block exposes a
 *    header already written; growing a block swallows headers the walk
 *    no longer reaches);
 *  - then the neighbours' flags, check values, footers, DEAD marks and the
 *    index, all of which the rebuild recomputes.
 * RG_ORDER() (a compiler barrier) between the steps keeps the compiler
 * from reordering the stores; sf words are stored with single atomic
 * (relaxed) stores so that no store is torn.  Each step's comment says
 * which partition a walk sees before and after it.
 *
 * Locking: everything here runs under the region lock.
 */
#include <errno.h>
#include <string.h>

#include "heaps/region.h"
#include "observe/output.h"
#include "os/os.h"

static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

uint64_t brisk_region_block_check_value(const region_t *r, roff_t off, uint64_t sf) {
  return mix64((sf ^ r->key) + off * 0x9e3779b97f4a7c15ull);
}

void brisk_region_block_write(region_t *r, roff_t off, uint64_t sf) {
  rblock_t *b = rb_at(r, off);
  __atomic_store_n(&b->sf, sf, __ATOMIC_RELAXED);
  b->chk = brisk_region_block_check_value(r, off, sf);
}

bool brisk_region_block_header_ok(const region_t *r, roff_t off) {
  const rblock_t *b = rb_at(r, off);
  return b->chk == brisk_region_block_check_value(r, off, b->sf);
}

void brisk_region_block_set_prev_inuse(region_t *r, roff_t off, bool inuse) {
  uint64_t sf = rb_sf(r, off);
  brisk_region_block_write(r, off, inuse ? sf | RB_PREV_INUSE : sf & ~RB_PREV_INUSE);
}

_Noreturn void brisk_region_block_fatal(const char *head, const char *what, const char *tail,
                                  const void *p, const char *detail, const void *q) {
  outbuf_t o = {.fd = 2};
  brisk_output_str(&o, "brisk: region: ");
  brisk_output_str(&o, head);
  brisk_output_str(&o, what);
  brisk_output_str(&o, tail);
  brisk_output_hex(&o, (uint64_t)(uintptr_t)p);
  if (detail != NULL) {
    brisk_output_str(&o, " (");
    brisk_output_str(&o, detail);
    brisk_output_hex(&o, (uint64_t)(uintptr_t)q);
    brisk_output_str(&o, ")");
  }
  brisk_output_str(&o, "\n");
  brisk_output_flush(&o);
  brisk_os_abort();
}

/* The header at off is damaged: report it (after letting the lock go, so
 * that other processes sharing the region are not left blocked). */
static _Noreturn void corrupted(region_t *r, roff_t off, bool locked) {
  if (locked) brisk_region_lock_leave(r);
  brisk_region_block_fatal("corrupted block header at ", "", "", (char *)r + off, NULL, NULL);
}

/* Whether a block of `size` may start at off: a multiple of 16, at least
 * the minimum, ending at or before the end sentinel. */
static inline bool size_fits(const region_t *r, roff_t off, uint64_t size) {
  return size >= RG_MIN_BLOCK && size <= r->end - off;
}

roff_t brisk_region_block_validate(region_t *r, const void *p, const char *what, bool locked) {
  uintptr_t base = (uintptr_t)r, a = (uintptr_t)p;
  if (a < base + r->first + RG_HDR || a >= base + r->end) {
    if (locked) brisk_region_lock_leave(r);
    brisk_region_block_fatal("invalid ", what, " of ", p, "not in region ", r);
  }
  roff_t off = a - base - RG_HDR;
  if (off % RG_ALIGN != 0) {
    if (locked) brisk_region_lock_leave(r);
    brisk_region_block_fatal("invalid ", what, " of ", p, "not a block of region ", r);
  }
  if (!brisk_region_block_header_ok(r, off)) corrupted(r, off, locked);
  uint64_t sf = rb_sf(r, off), size = RB_SIZE(sf);
  if ((sf & RB_DEAD) || !(sf & RB_INUSE)) {
    if (locked) brisk_region_lock_leave(r);
    if (strcmp(what, "free") == 0) brisk_region_block_fatal("double free of ", "", "", p, NULL, NULL);
    brisk_region_block_fatal("invalid ", what, " of ", p, "freed block of region ", r);
  }
  if (!size_fits(r, off, size)) corrupted(r, off, locked);
  /* The next block (or the end sentinel) must be a valid header that
   * knows this block is in use. */
  roff_t next = off + size;
  if (!brisk_region_block_header_ok(r, next)) corrupted(r, next, locked);
  uint64_t nsf = rb_sf(r, next), nsize = RB_SIZE(nsf);
  if (!(nsf & RB_PREV_INUSE) || (nsf & RB_DEAD)) corrupted(r, next, locked);
  if (next == r->end ? (nsize != 0 || !(nsf & RB_INUSE)) : !size_fits(r, next, nsize))
    corrupted(r, next, locked);
  /* A free previous block: its footer (the boundary tag) leads to a valid
   * free header of the same size. */
  if (!(sf & RB_PREV_INUSE)) {
    if (off == r->first) corrupted(r, off, locked);
    uint64_t ps = *(const uint64_t *)((const char *)r + off - 8);
    if (ps % RG_ALIGN != 0 || ps < RG_MIN_BLOCK || ps > off - r->first) corrupted(r, off, locked);
    roff_t prev = off - ps;
    uint64_t psf = rb_sf(r, prev);
    if (!brisk_region_block_header_ok(r, prev) || (psf & (RB_INUSE | RB_DEAD)) || RB_SIZE(psf) != ps)
      corrupted(r, prev, locked);
  }
  return off;
}

/* The two stores every split makes, in the order that keeps a walk valid
 * (docs/region.md): first the free tail block of tsize bytes at `tail`,
 * header and footer, in bytes a walk does not read yet (each caller says
 * why); then one store of the header `head` at off, after which the walk
 * steps from off onto the tail.  hook, hook + 1: the crash-test points
 * after each step. */
static void split_two_step(region_t *r, roff_t off, uint64_t head, roff_t tail, uint64_t tsize, int hook) {
  (void)hook; /* unused when the crash-test hooks are compiled out */
  brisk_region_block_write(r, tail, tsize | RB_PREV_INUSE);
  *rb_footer(r, tail, tsize) = tsize;
  RG_ORDER();
  RG_HOOK(hook);
  brisk_region_block_write(r, off, head);
  RG_ORDER();
  RG_HOOK(hook + 1);
}

roff_t brisk_region_block_take(region_t *r, roff_t off, uint64_t bsize) {
  uint64_t sf = rb_sf(r, off), size = RB_SIZE(sf), pflag = sf & RB_PREV_INUSE;
  uint64_t rem = size - bsize;
  if (rem >= RG_MIN_BLOCK) {
    roff_t tail = off + bsize;
    /* 1. The tail's header and footer, inside [off, off+size), which the
     *    walk still sees as one free block: invisible to it.  The block
     *    after the tail keeps RB_PREV_INUSE clear, which stays right. */
    /* 2. One store shrinks the block and marks it in use: the walk goes
     *    from [off: size, free] to [off: bsize, in use][tail: rem, free]. */
    split_two_step(r, off, bsize | RB_INUSE | pflag, tail, rem, 1);
    brisk_region_index_insert(r, tail);
    size = bsize;
  } else {
    /* One store marks the whole block in use; then the next block's flag
     * (recomputed by a rebuild if we die in between). */
    brisk_region_block_write(r, off, size | RB_INUSE | pflag);
    RG_ORDER();
    RG_HOOK(3);
    brisk_region_block_set_prev_inuse(r, off + size, true);
  }
  r->used_bytes += size;
  r->nused++;
  return off;
}

void brisk_region_block_release(region_t *r, roff_t off) {
  uint64_t sf = rb_sf(r, off), size = RB_SIZE(sf), pflag = sf & RB_PREV_INUSE;
  roff_t next = off + size, start = off;
  uint64_t nsf = rb_sf(r, next), total = size;
  bool merge_next = !(nsf & RB_INUSE); /* the end sentinel is in use */
  bool merge_prev = !(sf & RB_PREV_INUSE);
  r->used_bytes -= size;
  r->nused--;
  if (merge_next) {
    brisk_region_index_remove(r, next);
    total += RB_SIZE(nsf);
  }
  if (merge_prev) {
    uint64_t ps = *(const uint64_t *)((const char *)r + off - 8);
    start = off - ps;
    brisk_region_index_remove(r, start);
    total += ps;
    pflag = rb_sf(r, start) & RB_PREV_INUSE; /* set: no two free blocks touch */
  }
  /* 1. The merged block's footer: its last word lies in the freed block or
   *    in the free next block, bytes no walk reads. */
  *rb_footer(r, start, total) = total;
  RG_ORDER();
  RG_HOOK(4);
  /* 2. One store of the surviving header: the walk goes from
   *    [prev free?][off in use][next free?] to [start: total, free]; the
   *    absorbed headers are now payload it never reaches. */
  brisk_region_block_write(r, start, total | pflag);
  RG_ORDER();
  RG_HOOK(5);
  /* 3. Absorbed headers become DEAD so that freeing them again reports a
   *    double free instead of following them; then the next block learns
   *    that its neighbour is free (when the next was merged, the block
   *    after it already has RB_PREV_INUSE clear). */
  if (merge_prev) brisk_region_block_write(r, off, RB_DEAD);
  if (merge_next)
    brisk_region_block_write(r, next, RB_DEAD);
  else
    brisk_region_block_set_prev_inuse(r, next, false);
  RG_ORDER();
  RG_HOOK(6);
  brisk_region_index_insert(r, start);
}

/* Shrink the in-use block at off (size, flags pflag) to bsize, giving the
 * rest to the free next block or making it a free block of its own. */
static void shrink(region_t *r, roff_t off, uint64_t size, uint64_t pflag, uint64_t bsize) {
  roff_t next = off + size, tail = off + bsize;
  uint64_t nsf = rb_sf(r, next), rem = size - bsize;
  if (!(nsf & RB_INUSE)) {
    if (rem == 0) return;
    uint64_t tsize = rem + RB_SIZE(nsf);
    brisk_region_index_remove(r, next);
    /* 1. The tail's header lies in bytes being given up, its footer is the
     *    free next block's footer word: both invisible to a walk. */
    /* 2. One store shrinks the block: [off: size][next] becomes
     *    [off: bsize][tail: tsize]; next's header is now tail payload. */
    split_two_step(r, off, bsize | RB_INUSE | pflag, tail, tsize, 7);
    brisk_region_block_write(r, next, RB_DEAD); /* before the links overwrite it */
  } else {
    if (rem < RG_MIN_BLOCK) return;
    /* 1. The tail's header and footer inside the block: invisible. */
    /* 2. One store: [off: size] becomes [off: bsize][tail: rem]. */
    split_two_step(r, off, bsize | RB_INUSE | pflag, tail, rem, 9);
    brisk_region_block_set_prev_inuse(r, next, false);
  }
  r->used_bytes -= rem;
  brisk_region_index_insert(r, tail);
}

bool brisk_region_block_resize(region_t *r, roff_t off, uint64_t bsize) {
  uint64_t sf = rb_sf(r, off), size = RB_SIZE(sf), pflag = sf & RB_PREV_INUSE;
  if (bsize <= size) {
    shrink(r, off, size, pflag, bsize);
    return true;
  }
  roff_t next = off + size;
  uint64_t nsf = rb_sf(r, next), nsize = RB_SIZE(nsf);
  if ((nsf & RB_INUSE) || size + nsize < bsize) return false;
  brisk_region_index_remove(r, next);
  uint64_t rem = size + nsize - bsize;
  if (rem >= RG_MIN_BLOCK) {
    roff_t tail = off + bsize; /* beyond next's header: bsize >= size + 16 */
    /* 1. The tail's header inside the free next block's payload, its footer
     *    at next's footer word: invisible to a walk. */
    /* 2. One store grows the block: [off: size][next: nsize] becomes
     *    [off: bsize][tail: rem]. */
    split_two_step(r, off, bsize | RB_INUSE | pflag, tail, rem, 11);
    brisk_region_index_insert(r, tail);
    r->used_bytes += bsize - size;
  } else {
    /* One store swallows the whole next block; then the flag after it. */
    brisk_region_block_write(r, off, (size + nsize) | RB_INUSE | pflag);
    RG_ORDER();
    RG_HOOK(13);
    brisk_region_block_set_prev_inuse(r, off + size + nsize, true);
    r->used_bytes += nsize;
  }
  return true;
}

roff_t brisk_region_block_split_front(region_t *r, roff_t off, uint64_t gap) {
  if (gap == 0) return off;
  uint64_t sf = rb_sf(r, off), size = RB_SIZE(sf);
  roff_t rest = off + gap;
  uint64_t rsize = size - gap;
  /* 1. The rest's header inside the block (invisible); its footer is the
   *    block's own footer word. */
  brisk_region_block_write(r, rest, rsize);
  *rb_footer(r, rest, rsize) = rsize;
  RG_ORDER();
  RG_HOOK(14);
  /* 2. One store: [off: size, free] becomes [off: gap, free][rest, free].
   *    Two free blocks touch until brisk_region_block_take marks the rest in use;
   *    a rebuild in between merges them back. */
  brisk_region_block_write(r, off, gap | (sf & RB_PREV_INUSE));
  *rb_footer(r, off, gap) = gap;
  RG_ORDER();
  RG_HOOK(15);
  brisk_region_index_insert(r, off);
  return rest;
}
