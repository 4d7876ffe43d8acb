/* SPDX-License-Identifier: MIT */
/* safety/harden.c — the hardened entry paths (safety/harden.h).
 *
 * Every block handed out here went through harden_arm; every block the
 * program frees comes back through harden_take, which checks it before
 * the core sees it.  Invariants (with the switches on):
 *  - a live block of usable size u (core's view) asked for n bytes holds
 *    canary_word(p, n) in its last word and fill_byte() at
 *    [n, min(n + BRISK_CANARY_FILL, u - 8));
 *  - a small or medium block on a free list or in the quarantine reads as
 *    zero past its first two words (the link and the free mark);
 *    core/page.c zeroes carved blocks, so this holds from the start.
 */
#include <errno.h>
#include <string.h>

#include "core/fast.h"
#include "core/huge.h"
#include "core/quarantine.h"
#include "core/sizeclass.h"
#include "observe/output.h"
#include "safety/harden.h"
#include "safety/freezero.h"

#define TAIL ((size_t)(BRISK_CANARIES ? 8 : 0))
#define CANARY_MUL 0x9e3779b97f4a7c15u /* odd: invertible modulo 2^64, spreads changes */
#define CANARY_MUL_INV 0xf1de83e19937733du /* its inverse */
_Static_assert((uint64_t)CANARY_MUL * CANARY_MUL_INV == 1, "inverse");

/* The size word of block p asked for n bytes. */
static inline uint64_t canary_word(const void *p, size_t n) {
  return ((uint64_t)n ^ brisk_block_key ^ (uintptr_t)p) * CANARY_MUL;
}

/* The fill byte: never 0 or 0xff, the values stray writes favour. */
static inline uint8_t fill_byte(void) {
  uint8_t b = (uint8_t)(brisk_block_key >> 40);
  return b == 0 || b == 0xff ? 0xa5 : b;
}

/* Whether the fill bytes [c, c + len) (len <= BRISK_CANARY_FILL <= 16) are intact. */
_Static_assert(BRISK_CANARY_FILL <= 16, "fill_intact compares two words");
static inline bool fill_intact(const uint8_t *c, size_t len) {
  uint8_t f = fill_byte();
  if (len >= 8) { /* two words, overlapping when len < 16 */
    uint64_t want = 0x0101010101010101u * f, a, b;
    memcpy(&a, c, 8);
    memcpy(&b, c + len - 8, 8);
    return a == want && b == want;
  }
  for (size_t i = 0; i < len; i++)
    if (c[i] != f) return false;
  return true;
}

/* Where p's block ends, for a live block the caller checked or just got:
 * usable bytes from p, and the page when it is a small or medium block. */
typedef struct hblock_s {
  size_t usable;
  page_t *page; /* SPAN_PAGE block, else NULL */
} hblock_t;

static hblock_t block_of(const void *p) {
  hblock_t h = {0, NULL};
  if (segbits_test((uintptr_t)p)) {
    page_t *page = page_of(segment_of_ptr(p), p);
    if (page->kind == SPAN_PAGE) {
      h.page = page;
      h.usable = (size_t)(page_block_start(page, p) + page->block_size - (const uint8_t *)p);
      return h;
    }
  }
  h.usable = brisk_free_usable(p);
  return h;
}

/* The block the program hands back (free, realloc, usable size): aborts
 * with fn's message or "double free" unless p is a live block.  Returns
 * usable 0 for a block the core must judge (a huge block that is not
 * live: its free path names the double free). */
static hblock_t harden_take(const void *p, const char *fn) {
  if (segbits_test((uintptr_t)p)) {
    page_t *page = page_of(segment_of_ptr(p), p);
    if (page->kind == SPAN_PAGE) { /* the checked test of core/free.c, inline */
      if (!page_is_carved_block(page, p)) brisk_output_fatal(fn, p);
      if (block_is_free((const block_t *)p)) brisk_output_double_free(p);
      return (hblock_t){page->block_size, page};
    }
  } else {
    uintptr_t e = brisk_segmap_get((uintptr_t)p);
    if ((e & SEGMAP_HUGE) && !huge_is_live_block((huge_t *)SEGMAP_PTR(e), p)) return (hblock_t){0, NULL};
  }
  return (hblock_t){brisk_free_usable_checked(p, fn), NULL};
}

/* Arm the canary of p (usable u) asked for n bytes. */
static void canary_arm(void *p, size_t n, size_t u) {
  if (!BRISK_CANARIES || u < n + TAIL) return;
  uint8_t *c = (uint8_t *)p;
  size_t end = u - 8, fill = end - n < BRISK_CANARY_FILL ? end - n : BRISK_CANARY_FILL;
  if (fill >= 8) { /* two words, overlapping when fill < 16 (as fill_intact reads them) */
    uint64_t f = 0x0101010101010101u * fill_byte();
    memcpy(c + n, &f, 8);
    memcpy(c + n + fill - 8, &f, 8);
  } else {
    memset(c + n, fill_byte(), fill);
  }
  uint64_t w = canary_word(p, n);
  memcpy(c + end, &w, sizeof w);
}

/* The requested size of live block p (usable u), checking its canary. */
static size_t canary_check(const void *p, size_t u) {
  if (!BRISK_CANARIES || u < 8) return u; /* zero-size pointers carry no canary */
  const uint8_t *c = (const uint8_t *)p;
  size_t end = u - 8;
  uint64_t w;
  memcpy(&w, c + end, sizeof w);
  size_t n = (size_t)((w * CANARY_MUL_INV) ^ brisk_block_key ^ (uintptr_t)p);
  if (n > end) brisk_output_fatal_block("heap overflow: ", end, "-byte block written past its end", p);
  size_t fill = end - n < BRISK_CANARY_FILL ? end - n : BRISK_CANARY_FILL;
  if (!fill_intact(c + n, fill)) brisk_output_fatal_block("heap overflow: ", n, "-byte block written past its end", p);
  return n;
}

/* A block from the core becomes the program's n bytes. */
static void *harden_arm(void *p, size_t n) {
  if (p == NULL) return NULL;
  hblock_t h = block_of(p);
  if (h.page != NULL) {
    brisk_freezero_check(p, h.usable);
    memset(p, 0, 16); /* the link and the mark: no stale words for the program */
  }
  canary_arm(p, n, h.usable);
  return p;
}

void *brisk_harden_malloc_in(heap_t *heap, size_t size, size_t align) {
  if (size > BRISK_REQUEST_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  void *p;
  if (heap == NULL)
    p = align <= BRISK_ALIGN ? fast_malloc(size + TAIL) : brisk_alloc_aligned(size + TAIL, align);
  else
    p = align <= BRISK_ALIGN ? fast_malloc_in(heap, size + TAIL) : brisk_alloc_aligned_in(heap, size + TAIL, align);
  return harden_arm(p, size);
}

void *brisk_harden_calloc_in(heap_t *heap, size_t n) {
  if (n > BRISK_REQUEST_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  /* zeroed: the zero check has nothing to add */
  void *p = heap == NULL ? brisk_alloc_calloc(n + TAIL) : brisk_alloc_calloc_in(heap, n + TAIL);
  if (p != NULL) canary_arm(p, n, block_of(p).usable);
  return p;
}

/* The program freed p (checked by harden_take: h): zero it, then the
 * quarantine, or the core's free. */
static void harden_release(void *p, hblock_t h) {
  if (h.page != NULL) {
    if (BRISK_ZERO_ON_FREE) memset(p, 0, h.usable);
    heap_t *heap = brisk_heap_tls;
    /* A destroyable heap's block is never quarantined: it must not outlive
     * its heap in another heap's ring (core/owned.h). */
    if (BRISK_QUARANTINE && heap != &brisk_heap_empty && segment_of_ptr(p)->heap_kind == HEAP_THREAD) {
      brisk_event_free(heap, h.page->block_size, segment_of_ptr(p)->heap != heap);
      if (brisk_quarantine_put(heap, (block_t *)p, h.page->block_size)) return;
      brisk_free_released((block_t *)p); /* no quarantine could be mapped */
      return;
    }
  }
  fast_free(p);
}

void brisk_harden_free(void *p) {
  if (p == NULL) return;
  hblock_t h = harden_take(p, "free(): invalid pointer");
  if (h.usable == 0) {
    fast_free(p); /* the core judges it (and names the misuse) */
    return;
  }
  (void)canary_check(p, h.usable);
  harden_release(p, h);
}

/* Whether size fits the block of h (without canaries: its size class). */
static bool size_matches(size_t size, size_t n, hblock_t h) {
  if (BRISK_CANARIES) return size == n;
  if (size > h.usable) return false;
  if (h.page == NULL || h.usable > BRISK_CLASS_MAX) return true;
  return brisk_sizeclass_size[brisk_sizeclass_bin(size == 0 ? 1 : size)] == h.usable;
}

void brisk_harden_free_sized(void *p, size_t size, const char *fn) {
  if (p == NULL) return;
  hblock_t h = harden_take(p, "free(): invalid pointer");
  if (h.usable == 0) {
    fast_free(p);
    return;
  }
  size_t n = canary_check(p, h.usable);
  if (BRISK_SIZED_FREE_CHECK && !size_matches(size, n, h)) {
    char what[80] = {0};
    size_t len = strlen(fn);
    if (len > 40) len = 40;
    memcpy(what, fn, len);
    memcpy(what + len, ": size does not match the block", 32);
    brisk_output_fatal(what, p);
  }
  harden_release(p, h);
}

size_t brisk_harden_usable(const void *p) {
  if (p == NULL) return 0;
  hblock_t h = harden_take(p, "malloc_usable_size(): invalid pointer");
  if (h.usable == 0) return brisk_free_usable(p);
  return canary_check(p, h.usable);
}

void *brisk_harden_realloc_in(heap_t *heap, void *p, size_t size) {
  if (p == NULL) return brisk_harden_malloc_in(heap, size, 0);
  if (size == 0) {
    brisk_harden_free(p);
    return NULL;
  }
  hblock_t h = harden_take(p, "realloc(): invalid pointer");
  if (h.usable == 0) h.usable = brisk_free_usable_checked(p, "realloc(): invalid pointer");
  size_t n = canary_check(p, h.usable);
  if (size > BRISK_REQUEST_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  if (h.page == NULL) {
    /* Large, huge, sampled and zero-size blocks are neither zeroed nor
     * quarantined: the core's realloc resizes them in place where it can
     * (large spans, mremap); the result is armed again. */
    void *q = heap == NULL ? brisk_realloc_block(p, size + TAIL) : brisk_realloc_in(heap, p, size + TAIL);
    if (q != NULL) canary_arm(q, size, block_of(q).usable);
    return q;
  }
  /* A small block stays when it fits and would not be halved. */
  if (size + TAIL <= h.usable && (size + TAIL) * 2 > h.usable) {
    canary_arm(p, size, h.usable);
    return p;
  }
  void *q = brisk_harden_malloc_in(heap, size, 0);
  if (q == NULL) return NULL; /* errno is ENOMEM; p is intact */
  memcpy(q, p, n < size ? n : size);
  harden_release(p, h);
  return q;
}
