/* SPDX-License-Identifier: MIT */
/* guard_spans.c — BRISK_GUARD_PAGES on page spans and large spans: the last
 * 4 KiB page of every span in use is PROT_NONE, so a linear overflow off a
 * span's end faults (SIGSEGV) instead of reaching the next span.
 *
 *  - a one-slice page of 1024-byte blocks: the page at slice end - 4 KiB
 *    is a PROT_NONE mapping, and a write running from a block to it faults;
 *  - a large block of 256 KiB - 4 KiB - 8 ends (with the 8-byte canary
 *    word of BRISK_CANARIES, if any) right before its guard: writing 4096
 *    bytes past its end faults; writing inside it does not; for other
 *    large sizes the page at the span's end faults;
 *  - the guard follows the span: a large block grown in place has its
 *    guard at the new end and the old guard page writable; shrunk in
 *    place, it has a guard at its new end (the hardened entry paths move
 *    blocks instead: then the new block has its guard);
 *  - a freed span is accessible again whatever it becomes: large blocks
 *    freed and their memory reused by small blocks written in full.
 * Fails on a build without guards (the pages are plain rw-p memory). */
#include "hu.h"

#include <malloc.h>

#define KiB 1024u
#define SLICE (64 * KiB)
#define PAGE (4 * KiB)
#define TAIL 8 /* room for a canary word: sizes below keep it inside the span */

static uintptr_t slice_base(const void *p) { return (uintptr_t)p & ~(uintptr_t)(SLICE - 1); }

static void page_spans(void) {
  unsigned char *p = malloc(1000); /* class 1024: a one-slice page */
  CHECK(p != NULL, "malloc");
  unsigned char *guard = (unsigned char *)slice_base(p) + SLICE - PAGE;
  CHECK(is_guard(guard), "no PROT_NONE page at the end of the page span of %p (%p)", (void *)p,
        (void *)guard);
  CHECK(!is_guard(guard - 1), "the page before the guard is not accessible");
  CHECK(touch_faults(write_span, p, guard + 1), "a linear overflow from %p to %p did not fault",
        (void *)p, (void *)guard);
  CHECK(!touch_faults(write_span, p, p + 1000), "writing the block itself faulted");
  free(p);
}

static void large_flush(void) {
  size_t n = 256 * KiB - PAGE - TAIL; /* 4 slices less the guard */
  unsigned char *p = malloc(n);
  CHECK(p != NULL, "malloc");
  CHECK(((uintptr_t)p & (SLICE - 1)) == 0, "large block %p not at a slice start", (void *)p);
  CHECK(malloc_usable_size(p) >= n, "usable %zu < %zu", malloc_usable_size(p), n);
  CHECK(is_guard(p + n + TAIL), "no PROT_NONE page right after the large block (%p)", (void *)(p + n + TAIL));
  CHECK(!touch_faults(write_span, p, p + n), "writing the block itself faulted");
  CHECK(touch_faults(write_span, p + n, p + n + PAGE), "writing 4096 bytes past the end did not fault");
  CHECK(touch_faults(read_span, p + n + TAIL, p + n + TAIL + 1), "reading past the end did not fault");
  free(p);
  for (size_t m = 130 * KiB; m <= 2048 * KiB; m += 97 * KiB) {
    unsigned char *q = malloc(m);
    CHECK(q != NULL, "malloc(%zu)", m);
    unsigned char *end = q + ((m + TAIL + PAGE + SLICE - 1) & ~(size_t)(SLICE - 1)); /* span end */
    CHECK(is_guard(end - PAGE), "malloc(%zu): no guard at the span's end %p", m, (void *)(end - PAGE));
    CHECK(touch_faults(write_span, q + m, end), "malloc(%zu): overflow to the span's end did not fault", m);
    free(q);
  }
}

static void large_resize(void) {
  /* A block at the start of a fresh segment has free slices after it, so
   * the core can grow it in place: take blocks until one lands there. */
  enum { TRIES = 200 };
  static void *held[TRIES];
  unsigned char *p = NULL;
  int n = 0;
  while (n < TRIES) {
    p = held[n++] = malloc(256 * KiB - PAGE - TAIL);
    CHECK(p != NULL, "malloc");
    if (((uintptr_t)p & (4 * 1024 * KiB - 1)) == SLICE) break;
  }
  held[n - 1] = NULL;
  unsigned char *old_guard = p + 256 * KiB - PAGE;
  CHECK(is_guard(old_guard), "no guard before the grow");
  unsigned char *q = realloc(p, 512 * KiB - PAGE - TAIL);
  CHECK(q != NULL, "realloc grow");
  if (q == p) { /* grown in place: the guard moved */
    CHECK(!is_guard(old_guard), "the old guard page stayed PROT_NONE inside the grown block");
  } else {
    NOTE("the grow moved the block (%p -> %p)", (void *)p, (void *)q);
  }
  CHECK(is_guard(q + 512 * KiB - PAGE), "no guard at the grown block's end");
  CHECK(!touch_faults(write_span, q, q + 512 * KiB - PAGE - TAIL), "writing the grown block faulted");
  unsigned char *r = realloc(q, 192 * KiB - PAGE - TAIL);
  CHECK(r != NULL, "realloc shrink");
  CHECK(is_guard(r + 192 * KiB - PAGE), "no guard at the shrunk block's end");
  if (r != q) NOTE("the shrink moved the block (%p -> %p)", (void *)q, (void *)r);
  free(r);
  for (int i = 0; i < n; i++) free(held[i]);
}

/* Free spans carry no guard: memory of freed large blocks serves small
 * blocks, each written in full. */
static void reuse(void) {
  enum { L = 40, S = 6000 };
  static void *large[L], *small[S];
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < L; i++) {
      size_t n = 130 * KiB + (size_t)i * 37 * KiB;
      large[i] = malloc(n);
      CHECK(large[i] != NULL, "malloc");
      memset(large[i], 1, n);
    }
    for (int i = 0; i < L; i++) free(large[i]);
    for (int i = 0; i < S; i++) {
      size_t n = 16 + (size_t)(i * 7919) % 20000;
      small[i] = malloc(n);
      CHECK(small[i] != NULL, "malloc");
      memset(small[i], 2, n);
    }
    for (int i = 0; i < S; i++) free(small[i]);
  }
}

int main(void) {
  CHECK(on_brisk(), "not running on brisk");
  page_spans();
  large_flush();
  large_resize();
  reuse();
  puts("ok");
  return 0;
}
