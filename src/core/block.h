/* SPDX-License-Identifier: MIT */
/* core/block.h — the free-list seam: every read or write of a free block's
 * words in the tree goes through these inline helpers.
 *
 * A free block holds, in word 0, the link to the next free block and, in
 * word 1, the free mark (brisk_block_key ^ address) that recognises a
 * second free of the same block in O(1).  From the moment a block is
 * handed out its mark is 0 and both words belong to the program.
 *
 * Hooks: block_on_alloc (a block leaves a free list for the program) and
 * block_on_free (the program gives a block back, before it is linked) are
 * the two places where link encoding, canaries, zero-on-free and
 * quarantine checks plug in.  Lists: block_pop / block_push act on an
 * owner-only list head; chains handed between threads are linked with
 * block_set_next and walked with block_next.
 *
 * Thread ownership: a block on a list belongs to whoever owns the list
 * (core/page.c, core/remote.c, core/foreign.c say who that is).
 */
#ifndef BRISK_CORE_BLOCK_H
#define BRISK_CORE_BLOCK_H

#include "core/types.h"

/* Per-process secret mixed into free marks (core/block.c): drawn before
 * the first block is carved and constant afterwards. */
extern uintptr_t brisk_block_key;
/* Draw the key from the kernel's random source, once (idempotent). */
void brisk_block_key_init(void);

_Noreturn void brisk_output_double_free(const void *p); /* observe/output.c */

static ALWAYS_INLINE uintptr_t block_free_mark(const block_t *b) {
  return brisk_block_key ^ (uintptr_t)b;
}

static ALWAYS_INLINE block_t *block_next(const block_t *b) { return b->next_; }
static ALWAYS_INLINE void block_set_next(block_t *b, block_t *next) { b->next_ = next; }

/* Whether b carries the free mark (it is, or claims to be, on a list). */
static ALWAYS_INLINE bool block_is_free(const block_t *b) {
  return b->mark_ == block_free_mark(b);
}

/* Mark b free without the double-free check (carving fresh blocks). */
static ALWAYS_INLINE void block_mark_free(block_t *b) { b->mark_ = block_free_mark(b); }

/* b leaves a free list for the program. */
static ALWAYS_INLINE void block_on_alloc(block_t *b) { b->mark_ = 0; }

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
