/* SPDX-License-Identifier: MIT */
/* core/segment.c — segments: mapping, the global cache of empty segments,
 * release.
 *
 * Invariants:
 *  - a mapped segment has its segmap entry (| SEGMAP_SEGMENT) and bitmap
 *    bit set from mapping to unmapping, also while in the cache;
 *  - a cached segment has heap == NULL and slices 1..63 read as zero (it
 *    was purged successfully before it went in; one whose purge failed is
 *    unmapped instead);
 *  - only segments of a source with shares_cache enter the cache;
 *  - seg->guards (BRISK_GUARD_PAGES): bit i set iff the last OS page of
 *    slice i is PROT_NONE (core/span.c decides where); an empty segment, a
 *    cached one too, may keep guards (its content still reads as zero:
 *    purging drops those pages too, and core/span.c opens them before any
 *    block lies there); guards_live = the bits set over every mapped
 *    segment.
 *  - a segment on the graveyard is unregistered (no segmap entry, no
 *    bitmap bit) and still mapped, with no owner; reaping unmaps it;
 * Locking: cache_lock guards cache_list/cache_count and the graveyard;
 * never held across a
 * system call; fork handlers never take it (the child forgets the cache).
 */
#include <pthread.h>

#include "core/segment.h"
#include "core/segmap.h"
#include "core/source.h"
#include "os/os.h"

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static segment_t *cache_list;
static unsigned cache_count;
/* Discarded segments (of destroyed heaps) waiting to be unmapped, off
 * the destroyer's path (brisk_segment_reap). */
static segment_t *graveyard;
static int graveyard_waiting; /* atomic: graveyard != NULL, peeked without the lock */
static uint64_t segments_mapped;
static uint32_t guards_live; /* guard pages in mapped segments (atomic) */

void brisk_segment_guard(heap_t *heap, segment_t *seg, uint32_t last, bool on) {
  if (!BRISK_GUARD_PAGES) return;
  uint64_t bit = (uint64_t)1 << last;
  void *page = (uint8_t *)seg + ((size_t)(last + 1) << BRISK_SLICE_SHIFT) - BRISK_OS_PAGE;
  if (on) {
    if (seg->guards & bit) return;
    if (__atomic_add_fetch(&guards_live, 1, __ATOMIC_RELAXED) > BRISK_GUARD_SPANS_MAX ||
        source_protect(heap->source, page, BRISK_OS_PAGE, false) != 0) {
      __atomic_fetch_sub(&guards_live, 1, __ATOMIC_RELAXED);
      return;
    }
    seg->guards |= bit;
    return;
  }
  if (!(seg->guards & bit)) return;
  if (source_protect(heap->source, page, BRISK_OS_PAGE, true) != 0)
    brisk_output_fatal("cannot unprotect a guard page", page);
  seg->guards &= ~bit;
  __atomic_fetch_sub(&guards_live, 1, __ATOMIC_RELAXED);
}

static segment_t *cache_pop(void) {
  pthread_mutex_lock(&cache_lock);
  segment_t *seg = cache_list;
  if (seg != NULL) {
    cache_list = seg->next;
    cache_count--;
  }
  pthread_mutex_unlock(&cache_lock);
  return seg;
}

/* Push seg into the cache; false when the cache is full. */
static bool cache_push(segment_t *seg) {
  bool done = false;
  pthread_mutex_lock(&cache_lock);
  if (cache_count < BRISK_SEGMENT_CACHE_MAX) {
    seg->next = cache_list;
    cache_list = seg;
    cache_count++;
    done = true;
  }
  pthread_mutex_unlock(&cache_lock);
  return done;
}

/* Forget seg in the segment map: from now on a pointer into it is no
 * brisk pointer (before any syscall that may release it). */
static void segment_unregister(segment_t *seg) {
  brisk_segmap_bits_set((uintptr_t)seg, false);
  brisk_segmap_clear((uintptr_t)seg, BRISK_SEGMENT_SIZE);
}

/* Unmap a segment already unregistered. */
static void segment_unmap_unregistered(const brisk_source_t *src, segment_t *seg) {
  if (BRISK_GUARD_PAGES && seg->guards != 0)
    __atomic_fetch_sub(&guards_live, (uint32_t)__builtin_popcountll(seg->guards), __ATOMIC_RELAXED);
  source_unmap(src, seg, BRISK_SEGMENT_SIZE);
  __atomic_fetch_sub(&segments_mapped, 1, __ATOMIC_RELAXED);
}

static void segment_unmap(const brisk_source_t *src, segment_t *seg) {
  segment_unregister(seg);
  segment_unmap_unregistered(src, seg);
}

segment_t *brisk_segment_new(heap_t *heap, bool *clean) {
  const brisk_source_t *src = heap->source;
  segment_t *seg = src->shares_cache ? cache_pop() : NULL;
  if (seg == NULL) {
    seg = source_map(src, BRISK_SEGMENT_SIZE, BRISK_SEGMENT_SIZE);
    if (seg == NULL) return NULL;
    if (brisk_segmap_set((uintptr_t)seg, BRISK_SEGMENT_SIZE, (uintptr_t)seg | SEGMAP_SEGMENT) != 0) {
      source_unmap(src, seg, BRISK_SEGMENT_SIZE);
      return NULL;
    }
    brisk_segmap_bits_set((uintptr_t)seg, true);
    __atomic_fetch_add(&segments_mapped, 1, __ATOMIC_RELAXED);
    seg->magic = BRISK_SEGMENT_MAGIC;
    page_t *meta = &seg->pages[0];
    meta->kind = SPAN_META;
    meta->flags = PAGE_NOT_SMALL;
    meta->slice_count = 1;
  }
  *clean = true; /* fresh from the source, or purged before caching */
  seg->heap = heap;
  seg->heap_kind = heap->kind;
  seg->used_slices = 0;
  seg->prev = NULL;
  seg->next = heap->segments;
  if (seg->next) seg->next->prev = seg;
  heap->segments = seg;
  heap->empty_segments++; /* until the first span is taken from it */
  return seg;
}

void brisk_segment_release(heap_t *heap, segment_t *seg, bool dirty) {
  brisk_assert(seg->used_slices == 0);
  if (seg->prev)
    seg->prev->next = seg->next;
  else
    heap->segments = seg->next;
  if (seg->next) seg->next->prev = seg->prev;
  seg->next = seg->prev = NULL;
  heap->empty_segments--;
  seg->heap = NULL;
  const brisk_source_t *src = heap->source;
  size_t usable = (size_t)BRISK_USABLE_SLICES << BRISK_SLICE_SHIFT;
  bool clean = !dirty || source_purge(src, (uint8_t *)seg + BRISK_SLICE_SIZE, usable) == usable;
  if (src->shares_cache && clean && cache_push(seg)) return;
  segment_unmap(src, seg);
}

void brisk_segment_discard(heap_t *heap, segment_t *seg) {
  if (seg->prev)
    seg->prev->next = seg->next;
  else
    heap->segments = seg->next;
  if (seg->next) seg->next->prev = seg->prev;
  seg->heap = NULL;
  segment_unregister(seg);
  pthread_mutex_lock(&cache_lock);
  seg->next = graveyard;
  graveyard = seg;
  pthread_mutex_unlock(&cache_lock);
  __atomic_store_n(&graveyard_waiting, 1, __ATOMIC_RELAXED);
}

size_t brisk_segment_reap(unsigned max) {
  if (!__atomic_load_n(&graveyard_waiting, __ATOMIC_RELAXED)) return 0;
  pthread_mutex_lock(&cache_lock);
  segment_t *list = graveyard, *last = NULL;
  for (unsigned n = 0; graveyard != NULL && n < max; n++) {
    last = graveyard;
    graveyard = graveyard->next;
  }
  if (last != NULL) last->next = NULL;
  else list = NULL;
  __atomic_store_n(&graveyard_waiting, graveyard != NULL, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&cache_lock);
  size_t bytes = 0;
  while (list != NULL) {
    segment_t *next = list->next;
    segment_unmap_unregistered(&brisk_source_os, list);
    bytes += BRISK_SEGMENT_SIZE;
    list = next;
  }
  return bytes;
}

size_t brisk_segment_cache_trim(void) {
  pthread_mutex_lock(&cache_lock);
  segment_t *list = cache_list;
  cache_list = NULL;
  cache_count = 0;
  pthread_mutex_unlock(&cache_lock);
  size_t bytes = 0;
  while (list != NULL) {
    segment_t *next = list->next;
    segment_unmap(&brisk_source_os, list);
    bytes += BRISK_SEGMENT_SIZE;
    list = next;
  }
  return bytes;
}

uint64_t brisk_segment_count(void) { return __atomic_load_n(&segments_mapped, __ATOMIC_RELAXED); }

uint64_t brisk_segment_cached_bytes(void) {
  return (uint64_t)__atomic_load_n(&cache_count, __ATOMIC_RELAXED) * BRISK_USABLE_SLICES * BRISK_SLICE_SIZE;
}

/* The cached segments stay mapped and registered in the child (a free of
 * a pointer into one is still recognised as invalid); they are only
 * forgotten, since another thread may have been mid-push at the fork. */
void brisk_segment_atfork_child(void) {
  pthread_mutex_init(&cache_lock, NULL);
  cache_list = NULL;
  cache_count = 0;
  graveyard = NULL;
  graveyard_waiting = 0;
}
