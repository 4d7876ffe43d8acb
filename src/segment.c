/* segment.c — segments (4 MiB, aligned) and the spans of slices inside them.
 *
 * Owns: mapping/unmapping segments, the global cache of empty segments,
 * span allocation (best fit over per-heap bins of free spans, splitting)
 * and span freeing (coalescing with both neighbours), and purging of free
 * spans that stayed dirty longer than purge_delay_ms.
 *
 * Invariants:
 *  - slices 1..63 of a segment are partitioned into spans; a free span's
 *    head is in heap->spans[slice_count]; no two free spans are adjacent
 *    (coalescing is eager);
 *  - every descriptor of a span has slice_offset = its distance to the head;
 *  - seg->used_slices = slices in non-free spans;
 *  - a heap keeps at most BRISK_EMPTY_SEGMENTS_MAX empty segments (dirty,
 *    for reuse); further ones are purged and go to the global cache (or are
 *    unmapped when it is full); kept ones are released, all but one, once
 *    they stayed empty for purge_delay_ms.
 * Locking: everything here runs on the owner heap's thread without locks,
 * except the segment cache, guarded by cache_lock (never held across a
 * syscall).
 */
#include <pthread.h>

#include "internal.h"
#include "os.h"

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static segment_t *cache_list;
static unsigned cache_count;

static inline uint32_t slice_index(segment_t *seg, page_t *page) {
  return (uint32_t)(page - seg->pages);
}
static inline uint8_t *slice_addr(segment_t *seg, uint32_t idx) {
  return (uint8_t *)seg + ((size_t)idx << BRISK_SLICE_SHIFT);
}

/* -------------------------------------------------------- free-span bins */

static void bin_insert(heap_t *heap, page_t *span) {
  uint32_t n = span->slice_count;
  span->prev = NULL;
  span->next = heap->spans[n];
  if (span->next) span->next->prev = span;
  heap->spans[n] = span;
  heap->span_mask |= (uint64_t)1 << n;
  if (span->dirty) heap->dirty_bytes += (size_t)n << BRISK_SLICE_SHIFT;
}

static void bin_remove(heap_t *heap, page_t *span) {
  uint32_t n = span->slice_count;
  if (span->prev)
    span->prev->next = span->next;
  else
    heap->spans[n] = span->next;
  if (span->next) span->next->prev = span->prev;
  if (heap->spans[n] == NULL) heap->span_mask &= ~((uint64_t)1 << n);
  if (span->dirty) heap->dirty_bytes -= (size_t)n << BRISK_SLICE_SHIFT;
  span->next = span->prev = NULL;
}

/* Describe slices [idx, idx+n) as one span whose head is pages[idx]. */
static page_t *span_mark(segment_t *seg, uint32_t idx, uint32_t n, uint8_t kind) {
  page_t *head = &seg->pages[idx];
  for (uint32_t k = 1; k < n; k++) {
    seg->pages[idx + k].slice_offset = (uint8_t)k;
    seg->pages[idx + k].flags = PAGE_NOT_SMALL; /* not a head: never the fast path */
  }
  head->slice_offset = 0;
  head->slice_count = (uint8_t)n;
  head->kind = kind;
  return head;
}

static page_t *free_span_make(heap_t *heap, segment_t *seg, uint32_t idx, uint32_t n,
                              uint8_t dirty, uint32_t since) {
  page_t *span = span_mark(seg, idx, n, SPAN_FREE);
  span->flags = PAGE_NOT_SMALL;
  span->dirty = dirty;
  span->free_since = since;
  span->free = NULL;
  span->used = 0;
  bin_insert(heap, span);
  return span;
}

/* ---------------------------------------------------------------- segments */

static segment_t *segment_map(void) {
  segment_t *seg = NULL;
  pthread_mutex_lock(&cache_lock);
  if (cache_list != NULL) {
    seg = cache_list;
    cache_list = seg->next;
    cache_count--;
  }
  pthread_mutex_unlock(&cache_lock);
  if (seg != NULL) return seg; /* still registered in the segmap */
  seg = brisk_os_map_aligned(BRISK_SEGMENT_SIZE, BRISK_SEGMENT_SIZE);
  if (seg == NULL) return NULL;
  if (brisk_segmap_set((uintptr_t)seg, BRISK_SEGMENT_SIZE, (uintptr_t)seg | 2) != 0) {
    brisk_os_unmap(seg, BRISK_SEGMENT_SIZE);
    return NULL;
  }
  brisk_segbits_set((uintptr_t)seg, true);
  seg->magic = BRISK_SEGMENT_MAGIC;
  page_t *meta = span_mark(seg, 0, 1, SPAN_META);
  meta->flags = PAGE_NOT_SMALL;
  return seg;
}

/* Give an empty segment (already unlinked from its heap) back. */
static void segment_release(segment_t *seg, bool dirty) {
  seg->heap = NULL;
  if (dirty)
    brisk_os_purge(slice_addr(seg, 1), (size_t)BRISK_USABLE_SLICES << BRISK_SLICE_SHIFT);
  pthread_mutex_lock(&cache_lock);
  if (cache_count < BRISK_SEGMENT_CACHE_MAX) {
    seg->next = cache_list;
    cache_list = seg;
    cache_count++;
    seg = NULL;
  }
  pthread_mutex_unlock(&cache_lock);
  if (seg != NULL) {
    brisk_segbits_set((uintptr_t)seg, false);
    brisk_segmap_clear((uintptr_t)seg, BRISK_SEGMENT_SIZE);
    brisk_os_unmap(seg, BRISK_SEGMENT_SIZE);
  }
}

static bool segment_add(heap_t *heap) {
  segment_t *seg = segment_map();
  if (seg == NULL) return false;
  seg->heap = heap;
  seg->used_slices = 0;
  seg->prev = NULL;
  seg->next = heap->segments;
  if (seg->next) seg->next->prev = seg;
  heap->segments = seg;
  heap->empty_segments++; /* until span_alloc takes its first span */
  free_span_make(heap, seg, 1, BRISK_USABLE_SLICES, 0, 0);
  return true;
}

static void segment_unlink(heap_t *heap, segment_t *seg) {
  if (seg->prev)
    seg->prev->next = seg->next;
  else
    heap->segments = seg->next;
  if (seg->next) seg->next->prev = seg->prev;
  seg->next = seg->prev = NULL;
}

/* ------------------------------------------------------------------- spans */

/* Allocate a span of `slices` slices (1..63) for heap.  The head comes back
 * with kind SPAN_FREE still set: the caller sets kind, flags and contents;
 * head->dirty is 0 only if the whole span is known to read as zeros.
 * Returns NULL when no segment can be mapped (ENOMEM). */
page_t *brisk_span_alloc(heap_t *heap, uint32_t slices) {
  brisk_assert(slices >= 1 && slices <= BRISK_USABLE_SLICES);
  uint64_t fit = heap->span_mask & ~(((uint64_t)1 << slices) - 1);
  if (fit == 0) {
    if (!segment_add(heap)) return NULL;
    fit = heap->span_mask & ~(((uint64_t)1 << slices) - 1);
  }
  uint32_t n = (uint32_t)__builtin_ctzll(fit);
  page_t *span = heap->spans[n];
  bin_remove(heap, span);
  uint8_t dirty = span->dirty;
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  if (seg->used_slices == 0) heap->empty_segments--;
  if (n > slices)
    free_span_make(heap, seg, idx + slices, n - slices, span->dirty, span->free_since);
  span_mark(seg, idx, slices, SPAN_FREE);
  seg->used_slices += slices;
  span->next = span->prev = NULL;
  span->dirty = dirty; /* tells the caller whether the memory may be non-zero */
  return span;
}

/* Grow an in-use span in place to `slices` slices by taking the front of
 * the free span right after it.  Returns false (nothing changed) if that
 * neighbour is not free or too small. */
bool brisk_span_grow(heap_t *heap, page_t *span, uint32_t slices) {
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  uint32_t n = span->slice_count;
  if (slices <= n) return true;
  if (idx + n >= BRISK_SLICES_PER_SEGMENT) return false;
  page_t *next = &seg->pages[idx + n];
  if (next->kind != SPAN_FREE || n + next->slice_count < slices) return false;
  uint32_t total = n + next->slice_count;
  uint8_t dirty = next->dirty;
  uint32_t since = next->free_since;
  bin_remove(heap, next);
  if (total > slices) free_span_make(heap, seg, idx + slices, total - slices, dirty, since);
  span_mark(seg, idx, slices, span->kind);
  seg->used_slices += slices - n;
  return true;
}

/* Shrink an in-use span in place to `slices` slices: the tail becomes a
 * free span (coalesced with a free neighbour). */
void brisk_span_shrink(heap_t *heap, page_t *span, uint32_t slices) {
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  uint32_t n = span->slice_count;
  if (slices >= n || slices == 0) return;
  page_t *tail = span_mark(seg, idx + slices, n - slices, span->kind);
  tail->flags = PAGE_NOT_SMALL;
  span_mark(seg, idx, slices, span->kind);
  brisk_span_free(heap, tail);
}

/* Return a span to its segment, coalescing with free neighbours.  The
 * span's memory is dirty.  An emptied segment is kept (the first) or
 * released (any further one). */
void brisk_span_free(heap_t *heap, page_t *span) {
  segment_t *seg = segment_of_page(span);
  uint32_t idx = slice_index(seg, span);
  uint32_t n = span->slice_count;
  brisk_assert(seg->used_slices >= n);
  seg->used_slices -= n;
  /* The clock is read when no purge is pending; otherwise the reading of
   * the last paced check (alloc.c) is recent enough to date the span. */
  if (heap->purge_due_ms == 0) heap->now_ms = brisk_os_now_ms();
  uint64_t now = heap->now_ms;
  if (idx + n < BRISK_SLICES_PER_SEGMENT) {
    page_t *next = &seg->pages[idx + n];
    if (next->kind == SPAN_FREE) {
      bin_remove(heap, next);
      n += next->slice_count;
    }
  }
  if (idx > 1) {
    page_t *prev = &seg->pages[idx - 1];
    prev -= prev->slice_offset;
    if (prev->kind == SPAN_FREE) {
      bin_remove(heap, prev);
      n += prev->slice_count;
      idx = slice_index(seg, prev);
    }
  }
  if (seg->used_slices == 0 && heap->empty_segments >= BRISK_EMPTY_SEGMENTS_MAX) {
    segment_unlink(heap, seg);
    segment_release(seg, true);
    return;
  }
  if (seg->used_slices == 0) heap->empty_segments++;
  free_span_make(heap, seg, idx, n, 1, (uint32_t)now);
  if (heap->purge_due_ms == 0) heap->purge_due_ms = now + (uint64_t)brisk_options.purge_delay_ms;
  if (heap->dirty_bytes > (size_t)brisk_options.dirty_max_kib * 1024) brisk_heap_purge(heap, PURGE_OVER_LIMIT);
}

/* One pass over heap's free spans: purge the dirty ones free for at least
 * `min_age` ms (all of them when min_age == 0) while dirty_bytes > `floor`;
 * release expired empty segments beyond the first.  Returns bytes purged;
 * *due receives the earliest time a span still dirty expires. */
static size_t purge_pass(heap_t *heap, uint64_t now, uint64_t min_age, size_t floor, uint64_t *due) {
  uint64_t delay = (uint64_t)brisk_options.purge_delay_ms;
  size_t purged = 0;
  bool kept_empty = false;
  segment_t *next;
  for (segment_t *seg = heap->segments; seg != NULL && heap->dirty_bytes > floor; seg = next) {
    next = seg->next;
    for (uint32_t i = 1; i < BRISK_SLICES_PER_SEGMENT; i += seg->pages[i].slice_count) {
      page_t *span = &seg->pages[i];
      if (span->kind != SPAN_FREE || !span->dirty) continue;
      uint32_t elapsed = (uint32_t)now - span->free_since;
      bool expired = elapsed >= min_age;
      if (expired && seg->used_slices == 0 && kept_empty) {
        /* An expired empty segment beyond the first: give it back whole. */
        purged += (size_t)span->slice_count << BRISK_SLICE_SHIFT;
        bin_remove(heap, span);
        segment_unlink(heap, seg);
        heap->empty_segments--;
        segment_release(seg, true);
        break;
      }
      if (seg->used_slices == 0) kept_empty = true;
      if (expired && heap->dirty_bytes > floor) {
        size_t bytes = (size_t)span->slice_count << BRISK_SLICE_SHIFT;
        purged += brisk_os_purge(page_area(span), bytes);
        span->dirty = 0;
        heap->dirty_bytes -= bytes;
      } else if (elapsed < delay && (*due == 0 || now + (delay - elapsed) < *due)) {
        *due = now + (delay - elapsed);
      }
    }
  }
  return purged;
}

/* Purge dirty free spans of heap.  PURGE_EXPIRED: those free for
 * purge_delay_ms.  PURGE_OVER_LIMIT (dirty memory passed dirty_max_kib):
 * the expired ones, then the oldest others until 3/4 of the limit is left,
 * so that a busy heap keeps memory it will reuse at once.  PURGE_ALL:
 * everything (trim, thread exit).  Returns bytes purged; updates
 * heap->purge_due_ms. */
size_t brisk_heap_purge(heap_t *heap, int mode) {
  uint64_t now = brisk_os_now_ms();
  heap->now_ms = now;
  uint64_t delay = (uint64_t)brisk_options.purge_delay_ms;
  uint64_t due = 0;
  size_t purged;
  if (mode == PURGE_ALL) {
    purged = purge_pass(heap, now, 0, 0, &due);
  } else {
    purged = purge_pass(heap, now, delay, 0, &due);
    size_t target = (size_t)brisk_options.dirty_max_kib * 768; /* 3/4 of the limit */
    /* over the limit: halve the age threshold until under 3/4 of the limit */
    for (uint64_t age = delay / 2; mode == PURGE_OVER_LIMIT && heap->dirty_bytes > target; age /= 2) {
      due = 0;
      purged += purge_pass(heap, now, age, target, &due);
      if (age == 0) break;
    }
  }
  heap->purge_due_ms = heap->dirty_bytes > 0 ? (due != 0 ? due : now + delay) : 0;
  return purged;
}

/* Release every empty segment of heap (thread exit, trim, out of memory).
 * Returns the bytes given back. */
size_t brisk_segment_release_all_spare(heap_t *heap) {
  size_t bytes = 0;
  segment_t *seg = heap->segments;
  while (seg != NULL) {
    segment_t *next = seg->next;
    if (seg->used_slices == 0) {
      page_t *span = &seg->pages[1];
      bool dirty = span->dirty;
      bin_remove(heap, span);
      segment_unlink(heap, seg);
      heap->empty_segments--;
      segment_release(seg, dirty);
      bytes += BRISK_SEGMENT_SIZE;
    }
    seg = next;
  }
  return bytes;
}

/* Unmap every segment of the global cache.  Returns bytes unmapped. */
size_t brisk_segment_cache_trim(void) {
  pthread_mutex_lock(&cache_lock);
  segment_t *list = cache_list;
  cache_list = NULL;
  cache_count = 0;
  pthread_mutex_unlock(&cache_lock);
  size_t bytes = 0;
  while (list != NULL) {
    segment_t *next = list->next;
    brisk_segbits_set((uintptr_t)list, false);
    brisk_segmap_clear((uintptr_t)list, BRISK_SEGMENT_SIZE);
    brisk_os_unmap(list, BRISK_SEGMENT_SIZE);
    bytes += BRISK_SEGMENT_SIZE;
    list = next;
  }
  return bytes;
}

void brisk_segment_atfork_prepare(void) { pthread_mutex_lock(&cache_lock); }
void brisk_segment_atfork_parent(void) { pthread_mutex_unlock(&cache_lock); }
void brisk_segment_atfork_child(void) { pthread_mutex_init(&cache_lock, NULL); }
