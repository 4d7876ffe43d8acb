/* SPDX-License-Identifier: MIT */
/* core/block.h — the free-list seam: every read or write of a free block's
 * words in the tree goes through these inline helpers.
 *
 * A free block holds, in word 0, the link to the next free block and, in
 * word 1, the free mark (brisk_block_key ^ address) that recognises a
 * second free of the same block in O(1).  From the moment a block is
 * handed out its mark is 0 and both words belong to the program.
 *
 * Safe links (BRISK_SAFE_LINKS, on by default): word 0 holds
 * (next ^ b ^ key) * mul, with mul a second secret (odd), never a plain
 * address, so a fresh block shows no heap address to an uninitialised
 * read, and a link overwritten by a use-after-free write decodes to
 * garbage: the multiplication spreads any change of the stored word (a
 * raw address, a guessed encoding, a changed low byte, a difference
 * XORed in) over the bits above it, and decoding, (word * mul^-1) ^ key,
 * checks the garbage away in two instructions: next ^ b must be below
 * 4 MiB with its low four bits clear (next is a 16-byte-aligned address
 * of b's segment).  Every link of a page's list passes that check.  A link that fails it goes to an out-of-line
 * check (brisk_block_link_cold) that accepts the end of a list and, for
 * the lists that cross segments (foreign cache, delayed frees), a
 * 16-byte-aligned address inside a brisk segment, and aborts on anything
 * else with "heap corruption: free list of a N-byte page damaged".
 *
 * Hooks: block_on_alloc (a block leaves a free list for the program) and
 * block_on_free (the program gives a block back, before it is linked) are
 * the two places where canaries, zero-on-free and quarantine checks plug
 * in.  Lists: block_pop / block_push act on an owner-only list head;
 * chains handed between threads are linked with block_set_next and walked
 * with block_next.
 *
 * Thread ownership: a block on a list belongs to whoever owns the list
 * (core/page.c, core/remote.c, core/foreign.c say who that is).
 */
#ifndef BRISK_CORE_BLOCK_H
#define BRISK_CORE_BLOCK_H

#include "core/segmap.h"
#include "core/types.h"

/* Per-process secrets of free marks and links (core/block.c): drawn
 * before the first block is carved and constant afterwards.  key is odd
 * (never 0, the "handed out" mark); mul is odd and mul_inv its inverse
 * modulo 2^64. */
extern uintptr_t brisk_block_key __attribute__((visibility("hidden")));
extern uintptr_t brisk_block_mul __attribute__((visibility("hidden")));
extern uintptr_t brisk_block_mul_inv __attribute__((visibility("hidden")));
/* Draw the key from the kernel's random source, once (idempotent). */
void brisk_block_key_init(void);
/* A link of b failed its check: abort naming the page (core/page.c). */
_Noreturn void brisk_page_list_damaged(const block_t *b);

_Noreturn void brisk_output_double_free(const void *p); /* observe/output.c */

/* A link of b that failed the inline check (t = decoded next ^ b): the
 * end of a list (NULL), a block of another segment on a list that crosses
 * segments, or damage (aborts).  core/block.c. */
block_t *brisk_block_link_cold(const block_t *b, uintptr_t t);

/* next ^ b for a link the inline check accepts: same segment, aligned. */
#define BLOCK_LINK_NEAR_MASK (~(uintptr_t)(BRISK_SEGMENT_SIZE - BRISK_ALIGN))

/* The full test of a decoded link `next` that the near test refused: the
 * end of a list (0), or a 16-byte-aligned address in a brisk segment (the
 * lists that cross segments: foreign caches, delayed frees). */
static ALWAYS_INLINE bool block_link_far_ok(uintptr_t next) {
  return next == 0 || ((next & (BRISK_ALIGN - 1)) == 0 && segbits_test(next));
}

static ALWAYS_INLINE uintptr_t block_free_mark(const block_t *b) {
  return brisk_block_key ^ (uintptr_t)b;
}

/* b's link decoded: next ^ b when the link is intact (BRISK_SAFE_LINKS). */
static ALWAYS_INLINE uintptr_t block_link_delta(const block_t *b) {
  return (b->link_ * brisk_block_mul_inv) ^ brisk_block_key;
}

static ALWAYS_INLINE block_t *block_next(const block_t *b) {
  if (!BRISK_SAFE_LINKS) return (block_t *)b->link_;
  uintptr_t t = block_link_delta(b);
  if (unlikely(t & BLOCK_LINK_NEAR_MASK)) return brisk_block_link_cold(b, t);
  return (block_t *)(t ^ (uintptr_t)b);
}

static ALWAYS_INLINE void block_set_next(block_t *b, block_t *next) {
  if (!BRISK_SAFE_LINKS) {
    b->link_ = (uintptr_t)next;
    return;
  }
  b->link_ = ((uintptr_t)next ^ block_free_mark(b)) * brisk_block_mul;
}

/* Whether b carries the free mark (it is, or claims to be, on a list). */
static ALWAYS_INLINE bool block_is_free(const block_t *b) {
  return b->mark_ == block_free_mark(b);
}

/* Mark b free without the double-free check (carving fresh blocks). */
static ALWAYS_INLINE void block_mark_free(block_t *b) { b->mark_ = block_free_mark(b); }

/* b leaves a free list for the program.  With BRISK_ZERO_CHECK its free
 * mark must still be there: a write after free that cleared it aborts. */
_Noreturn void brisk_page_block_modified(const block_t *b); /* core/page.c */
static ALWAYS_INLINE void block_on_alloc(block_t *b) {
  if (BRISK_ZERO_CHECK && unlikely(!block_is_free(b))) brisk_page_block_modified(b);
  b->mark_ = 0;
}

/* The program frees b: abort on a second free, then mark it free.
 * Precondition: b is a block start of a live span. */
static ALWAYS_INLINE void block_on_free(block_t *b) {
  if (unlikely(block_is_free(b))) brisk_output_double_free(b);
  block_mark_free(b);
}

/* A block that a remote freer marked comes back to its owner, which frees
 * it again through block_on_free (core/remote.c, delayed list). */
static ALWAYS_INLINE void block_unmark(block_t *b) { b->mark_ = 0; }

/* Pop the first block of a non-empty list and hand it out. */
static ALWAYS_INLINE block_t *block_pop(block_t **list) {
  block_t *b = *list;
  *list = block_next(b);
  block_on_alloc(b);
  return b;
}

/* The fast path's pop, in two steps so that the caller can decline in
 * between: block_peek returns the first block of *list and its successor
 * in *next when the link passes the check, NULL otherwise (an empty list,
 * or damage: the slow path's block_pop aborts on it).  A link that fails
 * the two-instruction test — the end of the list, or a block of another
 * segment on a foreign cache's list — gets block_link_far_ok, the test
 * brisk_block_link_cold makes, on the branch off the hot line: larson's
 * foreign caches, whose lists cross segments, took a third of their
 * mallocs through the slow path for it.  block_take then hands b out. */
static ALWAYS_INLINE block_t *block_peek(block_t *const *list, block_t **next) {
  block_t *b = *list;
  if (b == NULL) return NULL;
  if (!BRISK_SAFE_LINKS) {
    *next = (block_t *)b->link_;
    return b;
  }
  uintptr_t t = block_link_delta(b);
  if (unlikely(t & BLOCK_LINK_NEAR_MASK)) {
    uintptr_t n = t ^ (uintptr_t)b;
    if (!block_link_far_ok(n)) return NULL;
    *next = (block_t *)n;
    return b;
  }
  /* (an empty asm: the xor stays after the test and reuses t's register;
   * hoisted above it, as the compiler does for the branch's copy, it
   * needs a copy of b: one instruction on every malloc) */
  __asm__ volatile("" : "+r"(t));
  *next = (block_t *)(t ^ (uintptr_t)b);
  return b;
}
static ALWAYS_INLINE void block_take(block_t **list, block_t *b, block_t *next) {
  *list = next;
  block_on_alloc(b);
}

/* Push b (already through block_on_free or block_mark_free) onto a list. */
static ALWAYS_INLINE void block_push(block_t **list, block_t *b) {
  block_set_next(b, *list);
  *list = b;
}

/* Splice the chain head..(NULL-terminated) in front of *list, walking it
 * to find its tail; rare paths only. */
static inline void block_splice(block_t **list, block_t *head) {
  if (*list != NULL) {
    block_t *tail = head;
    while (block_next(tail) != NULL) tail = block_next(tail);
    block_set_next(tail, *list);
  }
  *list = head;
}

#endif /* BRISK_CORE_BLOCK_H */
