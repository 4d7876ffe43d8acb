/* SPDX-License-Identifier: MIT */
/* core/quarantine.c — the per-heap quarantine ring (core/quarantine.h).
 *
 * Invariants: q->count entries live at slot[(q->head + i) % SLOTS] for
 * i < count, oldest first; q->bytes is the sum of their sizes; every
 * entry carries the free mark and is counted as used by its page (so the
 * page cannot retire under it).
 */
#include "core/quarantine.h"
#include "core/block.h"
#include "core/free.h"
#include "core/rng.h"
#include "os/os.h"

#define SLOTS BRISK_QUARANTINE_SLOTS
#define DRAW_AMONG 8 /* a power of two */
_Static_assert((SLOTS & (SLOTS - 1)) == 0, "a power of two");

struct quarantine_s {
  block_t *slot[SLOTS];
  uint32_t size[SLOTS];
  uint32_t head, count;
  size_t bytes;
  uint64_t rng;
};

/* Release the entry i places after the oldest, then close the gap by
 * moving the oldest into it. */
static void release_one(quarantine_t *q) {
  uint32_t i = (uint32_t)rng_next(&q->rng) & (DRAW_AMONG - 1);
  if (i >= q->count) i = 0;
  uint32_t at = (q->head + i) & (SLOTS - 1), oldest = q->head & (SLOTS - 1);
  block_t *b = q->slot[at];
  q->bytes -= q->size[at];
  q->slot[at] = q->slot[oldest];
  q->size[at] = q->size[oldest];
  q->head++;
  q->count--;
  block_unmark(b); /* freed again, now for real */
  brisk_free_released(b);
}

bool brisk_quarantine_put(heap_t *heap, block_t *b, size_t size) {
  quarantine_t *q = heap->quarantine;
  if (q == NULL) {
    q = brisk_os_map_aligned((sizeof *q + BRISK_OS_PAGE - 1) & ~(size_t)(BRISK_OS_PAGE - 1), BRISK_OS_PAGE);
    if (q == NULL) return false;
    heap->quarantine = q;
  }
  block_on_free(b);
  while (q->count == SLOTS || (q->count > 0 && q->bytes + size > BRISK_QUARANTINE_BYTES)) release_one(q);
  uint32_t at = (q->head + q->count) & (SLOTS - 1);
  q->slot[at] = b;
  q->size[at] = (uint32_t)size;
  q->count++;
  q->bytes += size;
  return true;
}

void brisk_quarantine_flush(heap_t *heap) {
  quarantine_t *q = heap->quarantine;
  if (q == NULL) return;
  while (q->count > 0) release_one(q);
}
