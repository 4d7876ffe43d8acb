/* SPDX-License-Identifier: MIT */
/* core/huge.c — blocks bigger than BRISK_LARGE_MAX, each in its own mapping.
 *
 * Owns: mapping huge blocks (header page + block), their realloc by
 * mremap, and a small cache of recently freed mappings that stay mapped
 * (dirty) so that a loop of big malloc/free does not pay a syscall pair
 * and page faults every time.
 *
 * A cached mapping much bigger than a request is split at a 4 MiB
 * boundary (no syscall): the caller gets the head, the tail goes back to
 * the cache as a mapping of its own.  Splitting never crosses a kernel
 * mapping's life: unmapping or resizing a piece acts on its own range.
 *
 * Layout: a mapping starts on a max(4 MiB, alignment) boundary with a
 * huge_t header; the block starts at base + max(OS page, alignment).
 * Guard (BRISK_GUARD_PAGES): everything from h->guard_at to the end of
 * the mapping is PROT_NONE.  A live block's mapping has it one OS page
 * after the block's last page (the block ends where the guard begins), so
 * writing past the end faults at once (the header page in front separates
 * the block from whatever lies below); a mapping reused from the cache
 * bigger than the block has its slack protected with the guard.  Cached
 * mappings keep the state of their last block; reusing one for a block of
 * another size moves the boundary (one mprotect), a block of the same
 * size costs nothing.  mremap needs the range as one kernel mapping, so a
 * resize opens the whole mapping first and protects the new last page
 * after (two mprotects per mremap).  A protect the kernel refuses leaves
 * the boundary higher (less guarded, never too small a block).  All
 * regions of the mapping point to the header in the segmap (tag bit 1),
 * also while the mapping sits in the cache (then live == 0, so a double
 * free is caught).
 * A request no cached mapping fits alone is built from several: their
 * pages are moved (mremap) side by side into a fresh range (cache_gather).
 * Limits: the cache holds at most BRISK_HUGE_CACHE_ENTRIES mappings and
 * huge_cache_kib bytes, or as many bytes as are live in huge blocks when
 * that is more (brisk_huge_cache_limit); entries unused for 10 x purge_delay_ms are
 * unmapped at the next huge operation or by the housekeeping of any
 * thread's allocation slow path (core/heap.c).
 * Double frees: `live` is exchanged atomically, so of two threads freeing
 * one block exactly one passes.
 * Locking: huge_lock guards the cache only; no syscall under it, and no
 * fork handler takes it (the child forgets the cache).
 */
#include <pthread.h>
#include <string.h>

#include "core/huge.h"
#include "core/options.h"
#include "core/segmap.h"
#include "observe/output.h"
#include "os/os.h"

static pthread_mutex_t huge_lock = PTHREAD_MUTEX_INITIALIZER;
static huge_t *cache[BRISK_HUGE_CACHE_ENTRIES];
static unsigned cache_n; /* written under huge_lock (atomic stores); peeked by cache_trim */
static size_t cache_bytes;
static uint64_t live_count, live_bytes, peak_live_bytes, peak_live_count;

/* --------------------------------------- the lists of destroyable heaps */


static void owner_add(heap_t *heap, huge_t *h) {
  spin_lock(&heap->huge_lock);
  h->owner = heap;
  h->oprev = NULL;
  h->onext = heap->huge_list;
  if (h->onext != NULL) h->onext->oprev = h;
  heap->huge_list = h;
  spin_unlock(&heap->huge_lock);
}

static void owner_unlink(huge_t *h) {
  heap_t *heap = h->owner;
  spin_lock(&heap->huge_lock);
  if (h->oprev != NULL)
    h->oprev->onext = h->onext;
  else
    heap->huge_list = h->onext;
  if (h->onext != NULL) h->onext->oprev = h->oprev;
  h->owner = NULL;
  h->onext = h->oprev = NULL;
  spin_unlock(&heap->huge_lock);
}

void brisk_huge_set_owner(heap_t *heap, void *block) {
  owner_add(heap, (huge_t *)SEGMAP_PTR(brisk_segmap_get((uintptr_t)block)));
}

size_t brisk_huge_owner_census(heap_t *heap, size_t *usable, size_t *mapped) {
  size_t n = 0;
  spin_lock(&heap->huge_lock);
  for (huge_t *h = heap->huge_list; h != NULL; h = h->onext) {
    n++;
    *usable += brisk_huge_usable(h, h->block);
    *mapped += h->map_size;
  }
  spin_unlock(&heap->huge_lock);
  return n;
}

size_t brisk_huge_owner_free_all(heap_t *heap, size_t *usable) {
  spin_lock(&heap->huge_lock);
  huge_t *list = heap->huge_list;
  heap->huge_list = NULL;
  spin_unlock(&heap->huge_lock);
  size_t n = 0;
  while (list != NULL) {
    huge_t *next = list->onext;
    list->owner = NULL;
    list->onext = list->oprev = NULL;
    n++;
    *usable += brisk_huge_usable(list, list->block);
    brisk_huge_free(list, list->block);
    list = next;
  }
  return n;
}

void brisk_huge_owner_atfork(heap_t *heap) { spin_init(&heap->huge_lock); }

static void live_add(uint64_t bytes) {
  uint64_t now = __atomic_add_fetch(&live_bytes, bytes, __ATOMIC_RELAXED);
  uint64_t peak = __atomic_load_n(&peak_live_bytes, __ATOMIC_RELAXED);
  while (now > peak && !__atomic_compare_exchange_n(&peak_live_bytes, &peak, now, true,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

static inline size_t page_round(size_t n) {
  return (n + BRISK_OS_PAGE - 1) & ~(size_t)(BRISK_OS_PAGE - 1);
}
static inline size_t block_offset(size_t align) { return align > BRISK_OS_PAGE ? align : BRISK_OS_PAGE; }
static inline size_t map_align(size_t align) { return align > BRISK_SEGMENT_SIZE ? align : BRISK_SEGMENT_SIZE; }

/* Bytes after a block's last page that are its guard (see Layout). */
#define HUGE_GUARD_BYTES ((size_t)(BRISK_GUARD_PAGES ? BRISK_OS_PAGE : 0))

/* Move h's guard boundary to `at` (an OS-page multiple <= map_size):
 * protect [at, guard_at) or open [guard_at, at), one mprotect.  False
 * (nothing changed) when the kernel refused. */
static bool guard_to(huge_t *h, size_t at) {
  size_t cur = h->guard_at;
  if (!BRISK_GUARD_PAGES || at == cur) return true;
  uint8_t *b = (uint8_t *)h;
  int rc = at < cur ? brisk_os_protect(b + at, cur - at, false) : brisk_os_protect(b + cur, at - cur, true);
  if (rc != 0) return false;
  h->guard_at = at;
  return true;
}

/* Guard a block whose mapping must stay accessible up to `end` (the
 * block's page-rounded end): the boundary goes to `end`.  False when it
 * cannot be moved up to `end` (the block would not fit). */
static bool guard_block(huge_t *h, size_t end) {
  return guard_to(h, end) || h->guard_at >= end;
}

static void unmap_huge(huge_t *h) {
  brisk_segmap_clear((uintptr_t)h, h->map_size);
  brisk_os_unmap(h, h->map_size);
}

/* Remove cache entry i (lock held). */
static huge_t *cache_take_locked(unsigned i) {
  huge_t *h = cache[i];
  unsigned n = cache_n - 1;
  cache[i] = cache[n];
  __atomic_store_n(&cache_n, n, __ATOMIC_RELAXED); /* peeked without the lock */
  cache_bytes -= h->map_size;
  return h;
}

/* Take the expired entries out of the cache into out[] (lock held). */
static unsigned cache_expire_locked(huge_t **out, uint64_t now, bool all) {
  uint64_t ttl = 10 * (uint64_t)brisk_options.purge_delay_ms;
  unsigned n = 0;
  for (unsigned i = 0; i < cache_n;) {
    if (all || now >= cache[i]->cached_since_ms + ttl)
      out[n++] = cache_take_locked(i);
    else
      i++;
  }
  return n;
}

/* Pick the cached mapping to reuse for `need` bytes at alignment malign
 * (lock held): the smallest one that is big enough, else the biggest one
 * (it will be grown).  Returns cache_n when none fits the alignment. */
static unsigned cache_pick_locked(size_t need, size_t malign) {
  unsigned best = cache_n;
  for (unsigned i = 0; i < cache_n; i++) {
    huge_t *c = cache[i];
    if (((uintptr_t)c & (malign - 1)) != 0) continue;
    if (best == cache_n) {
      best = i;
      continue;
    }
    size_t bs = cache[best]->map_size, cs = c->map_size;
    if (bs >= need ? (cs >= need && cs < bs) : cs > bs) best = i;
  }
  return best;
}

/* Resize mapping h to `need` bytes: in place (mremap), else by moving its
 * pages onto a fresh range aligned to malign whose segmap leaves exist
 * before the move, so the block can never end up unregistered.  The
 * entries of the old range are cleared BEFORE any call that may release
 * part of it, because the kernel may hand a released range to another
 * thread's mapping the moment the call returns.  Returns the (maybe moved)
 * header with map_size updated, or NULL with h intact and registered. */
static huge_t *huge_resize(huge_t *h, size_t need, size_t malign) {
  size_t old = h->map_size, guard = h->guard_at;
  if (!guard_to(h, old)) return NULL; /* mremap acts on one kernel mapping */
  brisk_segmap_clear((uintptr_t)h, old);
  huge_t *nh = NULL;
  if (brisk_os_resize_in_place(h, old, need)) {
    nh = h;
  } else if (need > old) {
    huge_t *dst = brisk_os_map_aligned(need, malign);
    if (dst != NULL) {
      /* Register the destination first (creates its leaves), then move. */
      if (brisk_segmap_set((uintptr_t)dst, need, (uintptr_t)dst | SEGMAP_HUGE) == 0 &&
          brisk_os_move(h, old, dst, need)) {
        nh = dst;
      } else {
        brisk_segmap_clear((uintptr_t)dst, need);
        brisk_os_unmap(dst, need);
      }
    }
  }
  if (nh == NULL) {
    brisk_segmap_set((uintptr_t)h, old, (uintptr_t)h | SEGMAP_HUGE); /* its leaves exist */
    guard_to(h, guard); /* closing only protects: a refusal leaves it open */
    return NULL;
  }
  if (need < old) { /* shrunk in place: re-register what is left */
    brisk_segmap_set((uintptr_t)nh, need, (uintptr_t)nh | SEGMAP_HUGE);
  } else if (nh == h) { /* grown in place: the new regions may need leaves */
    if (brisk_segmap_set((uintptr_t)nh, need, (uintptr_t)nh | SEGMAP_HUGE) != 0) {
      brisk_os_resize_in_place(nh, need, old); /* back to the old size */
      brisk_segmap_set((uintptr_t)nh, old, (uintptr_t)nh | SEGMAP_HUGE);
      guard_to(nh, guard);
      return NULL;
    }
  }
  nh->map_size = need;
  nh->guard_at = need; /* all of it accessible now */
  guard_to(nh, need - HUGE_GUARD_BYTES);
  return nh;
}

/* Fit a mapping taken from the cache to `need` bytes.  A mapping up to
 * 4 MiB too big is used as it is (no syscall but the guard's move); a
 * bigger one is split at a 4 MiB boundary (the tail goes back to the
 * cache), a smaller one grown (pages already resident are kept).  NULL if
 * the kernel refuses (the mapping is then unmapped). */
static void cache_insert(huge_t *h);

static huge_t *cache_fit(huge_t *h, size_t need, size_t malign) {
  size_t old = h->map_size;
  size_t cut = (need + BRISK_SEGMENT_MASK) & ~(size_t)BRISK_SEGMENT_MASK;
  size_t end = need - HUGE_GUARD_BYTES; /* the block's pages end here */
  if (old >= cut + BRISK_SEGMENT_SIZE) {
    /* Much too big: split at a 4 MiB boundary without a syscall (but the
     * guards').  The tail, still committed, becomes a cached mapping of
     * its own (its first page turns into its header), ready for the next
     * request; its guard is what the old one had in it, or its last page
     * when the old guard began below it. */
    if (h->guard_at < cut + BRISK_OS_PAGE && !guard_to(h, old - BRISK_OS_PAGE)) {
      unmap_huge(h); /* the tail's header page stays protected */
      return NULL;
    }
    huge_t *tail = (huge_t *)((uint8_t *)h + cut);
    tail->magic = BRISK_HUGE_MAGIC;
    atomic_store_explicit(&tail->live, 0, memory_order_relaxed);
    tail->map_size = old - cut;
    tail->guard_at = h->guard_at - cut;
    tail->block = (uint8_t *)tail + BRISK_OS_PAGE;
    brisk_segmap_set((uintptr_t)tail, old - cut, (uintptr_t)tail | SEGMAP_HUGE); /* leaves exist */
    h->map_size = cut;
    h->guard_at = cut;
    cache_insert(tail);
  }
  if (h->map_size >= need) { /* at most 4 MiB too big: used as it is */
    if (guard_block(h, end)) return h;
    unmap_huge(h);
    return NULL;
  }
  huge_t *nh = huge_resize(h, need, malign);
  if (nh == NULL) unmap_huge(h);
  return nh;
}

/* Take cached mappings out of the cache, biggest first, until their bytes
 * reach `need` or the cache is empty (lock held).  Returns how many went
 * to out[]. */
static unsigned cache_gather_locked(huge_t **out, size_t need) {
  unsigned n = 0;
  size_t got = 0;
  while (got < need && cache_n > 0) {
    unsigned big = 0;
    for (unsigned i = 1; i < cache_n; i++)
      if (cache[i]->map_size > cache[big]->map_size) big = i;
    out[n] = cache_take_locked(big);
    got += out[n++]->map_size;
  }
  return n;
}

/* Build a mapping of `need` bytes aligned to malign out of the cached
 * mappings pieces[0..n) (none big enough alone, together maybe): a fresh
 * range is mapped and the pieces' pages are moved into it one after
 * another (mremap: page tables move, no copy and no fault), so a working
 * set of big blocks of changing sizes reuses the pages it freed instead
 * of faulting new ones while old ones wait in the cache to expire.  What
 * the pieces do not cover reads as zero (the range's own pages).  The
 * part of the last piece that is not needed stays cached (its head, with
 * its header); a piece the kernel refuses to move (or whose guard it
 * will not open) goes back to the cache whole.  NULL when the range
 * cannot be mapped (every piece back in the cache). */
static huge_t *cache_gather(huge_t **pieces, unsigned n, size_t need, size_t malign) {
  uint8_t *dst = brisk_os_map_aligned(need, malign);
  if (dst != NULL && brisk_segmap_set((uintptr_t)dst, need, (uintptr_t)dst | SEGMAP_HUGE) != 0) {
    brisk_os_unmap(dst, need);
    dst = NULL;
  }
  size_t at = 0;
  for (unsigned i = 0; i < n; i++) {
    huge_t *p = pieces[i];
    size_t size = p->map_size, take = size < need - at ? size : need - at;
    /* mremap needs the range as one kernel mapping: open the guard */
    if (dst == NULL || take == 0 || !guard_to(p, size)) {
      cache_insert(p);
      continue;
    }
    /* Unregister before the move: the old range is free for the kernel
     * to hand out the moment mremap returns. */
    brisk_segmap_clear((uintptr_t)p, size);
    bool moved = brisk_os_move((uint8_t *)p + (size - take), take, dst + at, take);
    if (moved) {
      at += take;
      size -= take;
    }
    if (size > 0) { /* what is left (or all of it) stays cached; its leaves exist */
      brisk_segmap_set((uintptr_t)p, size, (uintptr_t)p | SEGMAP_HUGE);
      p->map_size = size;
      p->guard_at = size;
      cache_insert(p);
    }
  }
  if (dst == NULL) return NULL;
  huge_t *h = (huge_t *)dst;
  h->magic = BRISK_HUGE_MAGIC;
  h->map_size = need;
  h->guard_at = need;
  guard_to(h, need - HUGE_GUARD_BYTES); /* refused: no guard */
  return h;
}

void *brisk_huge_alloc(size_t size, size_t align, bool *zeroed) {
  size_t off = block_offset(align);
  *zeroed = false;
  if (size > BRISK_REQUEST_MAX || off > BRISK_REQUEST_MAX - size) return NULL;
  size_t need = off + page_round(size ? size : 1) + HUGE_GUARD_BYTES; /* the block lies inside */
  size_t malign = map_align(align);
  huge_t *h = NULL;
  huge_t *expired[BRISK_HUGE_CACHE_ENTRIES];
  uint64_t now = brisk_os_now_ms();
  pthread_mutex_lock(&huge_lock);
  unsigned nexp = cache_expire_locked(expired, now, false);
  unsigned best = cache_pick_locked(need, malign), npieces = 0;
  huge_t *pieces[BRISK_HUGE_CACHE_ENTRIES];
  if (best < cache_n && (cache[best]->map_size >= need || cache_n == 1))
    h = cache_take_locked(best); /* fits, or grows alone */
  else if (cache_n > 0)
    npieces = cache_gather_locked(pieces, need);
  pthread_mutex_unlock(&huge_lock);
  for (unsigned i = 0; i < nexp; i++) unmap_huge(expired[i]);
  if (h != NULL) h = cache_fit(h, need, malign);
  if (npieces > 0) h = cache_gather(pieces, npieces, need, malign);
  if (h == NULL) {
    h = brisk_os_map_aligned(need, malign);
    if (h == NULL) return NULL;
    if (brisk_segmap_set((uintptr_t)h, need, (uintptr_t)h | SEGMAP_HUGE) != 0) {
      brisk_os_unmap(h, need);
      return NULL;
    }
    h->magic = BRISK_HUGE_MAGIC;
    h->map_size = need;
    h->guard_at = need;
    *zeroed = true;
    long thp = brisk_options.huge_thp_min_kib;
    if (thp >= 0 && need >= (size_t)thp * 1024) brisk_os_hint_huge(h, need);
    guard_to(h, need - HUGE_GUARD_BYTES); /* refused: no guard */
  }
  h->block = (uint8_t *)h + off;
  h->owner = NULL; /* core/owned.c links it when a destroyable heap asked */
  atomic_store_explicit(&h->live, 1, memory_order_release);
  uint64_t count = __atomic_add_fetch(&live_count, 1, __ATOMIC_RELAXED);
  uint64_t peak = __atomic_load_n(&peak_live_count, __ATOMIC_RELAXED);
  while (count > peak && !__atomic_compare_exchange_n(&peak_live_count, &peak, count, true,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  live_add(h->map_size);
  return h->block;
}

/* The cache's byte limit: huge_cache_kib, or the most the program ever
 * had live in huge blocks if that is more (a program with a working set of
 * big blocks reuses what it frees: bytes are then either live or cached,
 * so RSS stays near that peak), at most BRISK_HUGE_CACHE_MAX.  The time
 * limit (10 x purge_delay_ms) still gives it all back when idle. */
size_t brisk_huge_cache_limit(void) {
  size_t limit = (size_t)brisk_options.huge_cache_kib * 1024;
  size_t peak = __atomic_load_n(&peak_live_bytes, __ATOMIC_RELAXED);
  if (limit > 0 && peak > limit) limit = peak < BRISK_HUGE_CACHE_MAX ? peak : BRISK_HUGE_CACHE_MAX;
  return limit;
}

/* Put mapping h (not live) into the cache, evicting the oldest entries
 * beyond the count and byte limits; evicted mappings are unmapped after
 * the lock is released. */
static void cache_insert(huge_t *h) {
  size_t limit = brisk_huge_cache_limit();
  huge_t *evict[BRISK_HUGE_CACHE_ENTRIES + 1];
  unsigned n = 0;
  uint64_t now = brisk_os_now_ms();
  if (h->map_size > limit) {
    evict[n++] = h;
  } else {
    h->cached_since_ms = now;
    pthread_mutex_lock(&huge_lock);
    n = cache_expire_locked(evict, now, false);
    while (cache_n > 0 && (cache_n == BRISK_HUGE_CACHE_ENTRIES || cache_bytes + h->map_size > limit)) {
      unsigned oldest = 0;
      for (unsigned i = 1; i < cache_n; i++)
        if (cache[i]->cached_since_ms < cache[oldest]->cached_since_ms) oldest = i;
      evict[n++] = cache_take_locked(oldest);
    }
    cache[cache_n] = h;
    __atomic_store_n(&cache_n, cache_n + 1, __ATOMIC_RELAXED);
    cache_bytes += h->map_size;
    pthread_mutex_unlock(&huge_lock);
  }
  for (unsigned i = 0; i < n; i++) unmap_huge(evict[i]);
}

void brisk_huge_free(huge_t *h, void *p) {
  if (h->magic != BRISK_HUGE_MAGIC || (uint8_t *)p != h->block)
    brisk_output_fatal("free(): invalid pointer", p);
  if (atomic_exchange_explicit(&h->live, 0, memory_order_acq_rel) != 1) brisk_output_double_free(p);
  if (h->owner != NULL) owner_unlink(h);
  __atomic_fetch_sub(&live_count, 1, __ATOMIC_RELAXED);
  __atomic_fetch_sub(&live_bytes, h->map_size, __ATOMIC_RELAXED);
  cache_insert(h);
}

/* Usable bytes of huge block p (from p to the guard, or the end of the
 * mapping). */
size_t brisk_huge_usable(const huge_t *h, const void *p) {
  size_t end = BRISK_GUARD_PAGES ? h->guard_at : h->map_size;
  return (size_t)((const uint8_t *)h + end - (const uint8_t *)p);
}

/* Resize huge block p (== h->block) in its mapping or by moving the
 * mapping with mremap.  Returns the (maybe moved) block, or NULL when the
 * kernel refused (the block is then intact). */
void *brisk_huge_realloc(huge_t *h, void *p, size_t size) {
  size_t off = (size_t)((uint8_t *)p - (uint8_t *)h);
  if (size > BRISK_REQUEST_MAX) return NULL;
  size_t need = off + page_round(size) + HUGE_GUARD_BYTES;
  size_t old = h->map_size;
  if (need == old) return guard_block(h, need - HUGE_GUARD_BYTES) ? p : NULL;
  /* A block of a destroyable heap leaves its list while the header may
   * move (no lock across mremap), and joins it again where it ends up. */
  heap_t *owner = h->owner;
  if (owner != NULL) owner_unlink(h);
  huge_t *nh = huge_resize(h, need, map_align(off));
  if (owner != NULL) owner_add(owner, nh != NULL ? nh : h);
  if (nh == NULL) return NULL;
  nh->block = (uint8_t *)nh + off;
  if (need > old)
    live_add(need - old);
  else
    __atomic_fetch_sub(&live_bytes, old - need, __ATOMIC_RELAXED);
  return nh->block;
}

/* Unmap cached mappings (all of them, or only the expired).  Returns bytes. */
size_t brisk_huge_cache_trim(bool all) {
  if (!all && __atomic_load_n(&cache_n, __ATOMIC_RELAXED) == 0) return 0;
  huge_t *out[BRISK_HUGE_CACHE_ENTRIES];
  pthread_mutex_lock(&huge_lock);
  unsigned n = cache_expire_locked(out, brisk_os_now_ms(), all);
  pthread_mutex_unlock(&huge_lock);
  size_t bytes = 0;
  for (unsigned i = 0; i < n; i++) {
    bytes += out[i]->map_size;
    unmap_huge(out[i]);
  }
  return bytes;
}

uint64_t brisk_huge_live_count(void) { return __atomic_load_n(&live_count, __ATOMIC_RELAXED); }
uint64_t brisk_huge_live_bytes(void) { return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED); }
uint64_t brisk_huge_peak_count(void) { return __atomic_load_n(&peak_live_count, __ATOMIC_RELAXED); }
uint64_t brisk_huge_peak_bytes(void) { return __atomic_load_n(&peak_live_bytes, __ATOMIC_RELAXED); }
size_t brisk_huge_cached_bytes(void) { return __atomic_load_n(&cache_bytes, __ATOMIC_RELAXED); }

/* The cached mappings stay mapped and registered in the child (so a free
 * of one is still a double free); they are only forgotten, since another
 * thread may have been mid-update at the fork. */
void brisk_huge_atfork_child(void) {
  pthread_mutex_init(&huge_lock, NULL);
  cache_n = 0;
  cache_bytes = 0;
}
