/* SPDX-License-Identifier: MIT */
/* unit_blocktest — the free fast path's block test (core/page.h
 * page_fast_accepts, its bound from core/pageflags.h), exhaustively.
 *
 * For every size class carved on one-slice pages, for capacities 0, 1, 2,
 * a few in between, reserved - 1 and reserved, and for every offset of
 * the 64 KiB slice: the test accepts the offset exactly when it is the
 * start of one of the first `capacity` blocks.  A page with any flag set
 * (full, meshed, ...) accepts nothing in the owner's test; other threads'
 * test also accepts the blocks of a page parked as full (PAGE_IN_FULL)
 * and nothing with any other flag.  Then a real page: the descriptor
 * the allocator set up has the same magic and bound, and refuses an
 * interior pointer and the first block not yet carved.
 */
#include "../../include/brisk.h"
#include "core/pageflags.h"
#include "unit.h"

static unsigned checked_classes;

/* Every offset of a slice against a page of bs-byte blocks, cap carved. */
static void check_all_offsets(page_t *page, uint32_t bs, uint32_t cap, uint8_t flags) {
  page->capacity = (uint16_t)cap;
  page->flags = flags;
  page_sync_fast(page);
  for (uint32_t off = 0; off < BRISK_SLICE_SIZE; off++) {
    bool start = off % bs == 0 && off / bs < cap;
    uintptr_t u = (uintptr_t)0x7f0000000000 + 5 * BRISK_SLICE_SIZE + off;
    bool want = (flags & ~PAGE_IN_FULL) == 0 && start, got = page_fast_accepts(page, u);
    UCHECK(got == want, "block size %u capacity %u flags %u offset %u: accepted %d, want %d", bs, cap,
           flags, off, got, want);
    bool want_own = flags == 0 && start, got_own = page_fast_accepts_own(page, u);
    UCHECK(got_own == want_own, "block size %u capacity %u flags %u offset %u: the owner's test accepted %d, want %d",
           bs, cap, flags, off, got_own, want_own);
  }
}

int main(void) {
  page_t page = {0};
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    if (brisk_sizeclass_slices(bin) != 1) continue;
    uint32_t bs = brisk_sizeclass_size[bin];
    uint32_t reserved = BRISK_SLICE_SIZE / bs;
    page.block_size = bs;
    page.magic32 = page.magic32_own = page_magic_for(bs);
    uint32_t caps[] = {0, 1, 2, reserved / 3, reserved / 2 + 1, reserved - 1, reserved};
    for (unsigned i = 0; i < sizeof caps / sizeof caps[0]; i++)
      if (caps[i] <= reserved) check_all_offsets(&page, bs, caps[i], 0);
    check_all_offsets(&page, bs, reserved, PAGE_IN_FULL);
    check_all_offsets(&page, bs, reserved, PAGE_MESHED);
    check_all_offsets(&page, bs, reserved, PAGE_IN_FULL | PAGE_MESHED);
    checked_classes++;
  }
  UCHECK(checked_classes >= 20, "only %u one-slice classes", checked_classes);

  /* A page the allocator made: its magic and bound are what the test
   * above exercised, and its uncarved and interior addresses are refused. */
  char *p = brisk_malloc(48);
  segment_t *seg = segment_of_ptr(p);
  page_t *real = slice_desc_of(seg, p);
  UCHECK(real->magic32 == page_magic_for(real->block_size), "magic32 %u", real->magic32);
  UCHECK(real->fast_limit == page_fast_limit_of(real) && real->fast_limit != 0, "fast_limit %u",
         real->fast_limit);
  UCHECK(page_fast_accepts(real, (uintptr_t)p), "the block itself refused");
  UCHECK(!page_fast_accepts(real, (uintptr_t)p + 16), "interior pointer accepted");
  uintptr_t area = (uintptr_t)p & ~(uintptr_t)(BRISK_SLICE_SIZE - 1);
  UCHECK(!page_fast_accepts(real, area + (uintptr_t)real->capacity * real->block_size),
         "first uncarved block accepted (capacity %u)", real->capacity);
  brisk_free(p);
  printf("unit_blocktest: %u classes, every offset: ok\n", checked_classes);
  return 0;
}
