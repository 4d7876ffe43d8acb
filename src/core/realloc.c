/* SPDX-License-Identifier: MIT */
/* core/realloc.c — realloc: in place where the block allows it (huge
 * blocks by mremap, large spans grown into or shrunk back to their
 * segment, small blocks kept unless a smaller class saves a quarter),
 * else allocate, copy, free.
 * Contract: as realloc(3) on glibc: realloc(NULL, n) mallocs,
 * realloc(p, 0) frees and returns NULL, on failure p is intact and errno
 * is ENOMEM; a pointer that is not a live block aborts before anything is
 * copied ("brisk: realloc(): invalid pointer").  BRISK_ZERO_FAULT: a
 * malloc(0) pointer (safety/zero.h) grows into an ordinary block (nothing
 * to copy); api/override.c makes realloc(NULL, 0) a malloc(0).
 * A guarded sample (safety/guard.h) always moves: the new block may be
 * sampled again or come from the heap.
 */
#include <errno.h>
#include <string.h>

#include "core/fast.h"
#include "core/huge.h"
#include "core/large.h"
#include "core/segmap.h"
#include "core/sizeclass.h"
#include "safety/guard.h"
#include "safety/zero.h"

/* Try to serve realloc(p, size) without moving; true when done. */
static bool resize_in_place(heap_t *heap, void *p, size_t usable, size_t size, void **out) {
  if (guard_owns(p)) return false; /* a guarded sample always moves */
  uintptr_t e = brisk_segmap_get((uintptr_t)p);
  if (e & SEGMAP_HUGE) {
    huge_t *h = (huge_t *)SEGMAP_PTR(e);
    if (size <= BRISK_LARGE_MAX) return false; /* moves down to a segment */
    void *q = brisk_huge_realloc(h, p, size);
    if (q == NULL) return false;
    brisk_event_resize(heap, usable, brisk_free_usable(q));
    *out = q;
    return true;
  }
  segment_t *seg = (segment_t *)SEGMAP_PTR(e);
  page_t *page = page_of(seg, p);
  if (page->kind == SPAN_LARGE && seg->heap == heap && (uint8_t *)p == page_area(page)) {
    if (size > BRISK_CLASS_MAX && size <= usable) {
      brisk_large_shrink(heap, page, size);
      *out = p;
      return true;
    }
    if (size > usable && size <= BRISK_LARGE_MAX && brisk_large_grow(heap, page, size)) {
      *out = p;
      return true;
    }
    return false;
  }
  /* Keep a block unless moving to a smaller class saves a quarter. */
  if (size <= usable && (size > BRISK_CLASS_MAX || brisk_sizeclass_size[brisk_sizeclass_bin(size)] > usable - usable / 4)) {
    *out = p;
    return true;
  }
  return false;
}

/* realloc(p, size) of a live malloc(0) pointer p (size > 0). */
static void *realloc_zero(void *p, size_t size) {
  brisk_zero_check(p, "realloc(): invalid pointer");
  void *q = fast_malloc(size);
  if (q != NULL) brisk_zero_free(p);
  return q;
}

void *brisk_realloc_block(void *p, size_t size) { return brisk_realloc_in(brisk_heap_tls, p, size); }

void *brisk_realloc_in(heap_t *heap, void *p, size_t size) {
  if (p == NULL) return fast_malloc_in(heap, size);
  if (size == 0) {
    fast_free(p);
    return NULL;
  }
  if (zero_owns(p)) return realloc_zero(p, size);
  size_t usable = brisk_free_usable_checked(p, "realloc(): invalid pointer");
  if (size > BRISK_REQUEST_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  void *q;
  if (resize_in_place(heap, p, usable, size, &q)) return q;
  q = fast_malloc_in(heap, size);
  if (q == NULL) return NULL; /* errno is ENOMEM; p is intact */
  memcpy(q, p, usable < size ? usable : size);
  fast_free(p);
  return q;
}
