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

/* Try to serve realloc(p, size) without moving; true when done.  page:
 * the segment span holding p, NULL for a huge block or a guarded sample
 * (which always moves). */
static bool resize_in_place(heap_t *heap, page_t *page, void *p, size_t usable, size_t size, void **out) {
  if (page == NULL) {
    if (guard_owns(p)) return false;
    if (size <= BRISK_LARGE_MAX) return false; /* a huge block moves down to a segment */
    void *q = brisk_huge_realloc((huge_t *)SEGMAP_PTR(brisk_segmap_get((uintptr_t)p)), p, size);
    if (q == NULL) return false;
    brisk_event_resize(heap, usable, brisk_free_usable(q));
    *out = q;
    return true;
  }
  if (page->kind == SPAN_LARGE) {
    segment_t *seg = (segment_t *)((uintptr_t)p & ~(uintptr_t)BRISK_SEGMENT_MASK);
    if (seg->heap != heap || (uint8_t *)p != page_area(page)) return false;
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
  /* A small block stays unless moving to a smaller class saves a quarter
   * (a size above three quarters of the block cannot: no class lookup). */
  size_t keep = usable - usable / 4;
  if (size <= usable && (size > keep || brisk_sizeclass_size[brisk_sizeclass_bin(size)] > keep)) {
    *out = p;
    return true;
  }
  return false;
}

/* realloc's inline lookup of a small block: p lies in a segment (the
 * byte map) and is a carved block start of its page, not marked free.
 * NULL when it is anything else: brisk_free_span_checked then decides
 * (and aborts on a bad pointer). */
static ALWAYS_INLINE page_t *fast_span(const void *p) {
  if (!segbits_test((uintptr_t)p)) return NULL;
  page_t *page = page_of(segment_of_ptr(p), p);
  if (page->kind != SPAN_PAGE || !page_is_carved_block(page, p) || block_is_free((const block_t *)p))
    return NULL;
  return page;
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
  size_t usable;
  page_t *page = fast_span(p);
  if (page != NULL)
    usable = page->block_size;
  else
    page = brisk_free_span_checked(p, "realloc(): invalid pointer", &usable);
  if (size > BRISK_REQUEST_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  void *q;
  if (resize_in_place(heap, page, p, usable, size, &q)) return q;
  q = fast_malloc_in(heap, size);
  if (q == NULL) return NULL; /* errno is ENOMEM; p is intact */
  memcpy(q, p, usable < size ? usable : size);
  fast_free(p);
  return q;
}
