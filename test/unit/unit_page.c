/* SPDX-License-Identifier: MIT */
/* unit_page — page queues, the full list and remote frees.
 *
 * Fills one page of a size class: the page moves to the full list when the
 * next allocation finds it exhausted, the direct slot then points at the
 * new first page; a local free brings the full page back to its queue; a
 * free from another thread goes to the page's remote list (or to the
 * owner's delayed list when the page is full) and is collected by the
 * owner; `used` counts every outstanding block; a second free of a block
 * aborts (checked in test/api, not here).
 */
#include <pthread.h>

#include "../../include/brisk.h"
#include "unit.h"

static void *remote_free(void *p) {
  brisk_free(p);
  heap_t *h = brisk_heap_tls;
  if (h != &brisk_heap_empty) brisk_remote_flush_all(h); /* hand the batch over */
  return NULL;
}

static void free_from_other_thread(void *p) {
  pthread_t t;
  UCHECK(pthread_create(&t, NULL, remote_free, p) == 0, "pthread_create");
  pthread_join(t, NULL);
}

int main(void) {
  void *first = brisk_malloc(48);
  heap_t *h = brisk_heap_tls;
  unsigned bin = brisk_sizeclass_bin(48);
  page_t *page = h->queues[bin].first;
  UCHECK(page != NULL && h->direct[(48 + 15) >> 4] == page, "direct slot");
  UCHECK(page->used == 1 && page->block_size == brisk_sizeclass_size[bin], "used %u", page->used);
  uint32_t reserved = page->reserved;
  void **blocks = calloc(reserved, sizeof *blocks);
  blocks[0] = first;
  for (uint32_t i = 1; i < reserved; i++) blocks[i] = brisk_malloc(48);
  UCHECK(page->used == reserved && page->capacity == reserved && page->free == NULL,
         "page not exactly full: used %u cap %u", page->used, page->capacity);
  void *next = brisk_malloc(48); /* exhausts: page goes to the full list */
  UCHECK(page->flags & PAGE_IN_FULL, "page not in full list");
  UCHECK(h->full.first == page, "full list head");
  UCHECK(h->direct[(48 + 15) >> 4] != page, "direct slot still on the full page");
  /* remote free into a full page: delivered through the owner's delayed list */
  free_from_other_thread(blocks[5]);
  UCHECK(page->used == reserved, "remote free changed used before collection");
  UCHECK(atomic_load(&h->delayed) != NULL, "remote free into a full page not on delayed list");
  brisk_page_collect_delayed(h);
  UCHECK(!(page->flags & PAGE_IN_FULL) && page->used == reserved - 1, "delayed free not collected");
  /* remote free into a page in its queue: onto the page's xfree list */
  free_from_other_thread(blocks[6]);
  UCHECK((atomic_load(&page->xfree) & ~(uintptr_t)3) == (uintptr_t)blocks[6], "xfree list head");
  brisk_page_collect_all(h, false);
  UCHECK(page->used == reserved - 2, "used %u after collect", page->used);
  /* local frees of everything: the page becomes empty and is retired,
   * since it is not the only page of its queue */
  for (uint32_t i = 0; i < reserved; i++)
    if (i != 5 && i != 6) brisk_free(blocks[i]);
  UCHECK(page->kind == SPAN_FREE || h->queues[bin].first == page, "empty page neither retired nor kept");
  brisk_free(next);
  free(blocks);
  puts("page ok");
  return 0;
}
