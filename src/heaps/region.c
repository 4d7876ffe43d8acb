/* SPDX-License-Identifier: MIT */
/* heaps/region.c — the exported brisk_region_* functions (include/brisk.h
 * has their contracts, docs/region.md the design).
 *
 * Owns: the immutable part of the region header (written once by
 * brisk_region_init, checked by brisk_region_attach), request-size
 * arithmetic and errno.  Every call that reads blocks holds the region
 * lock for its whole duration (region_lock.c); misuse aborts after
 * letting the lock go (region_block.c).
 */
#include <errno.h>
#include <string.h>

#include "core/types.h"
#include "heaps/region.h"
#include "os/os.h"

#define RG_FIRST (((uint64_t)sizeof(region_t) + RG_ALIGN - 1) & ~(uint64_t)(RG_ALIGN - 1))
#define RG_LAYOUT (((uint64_t)sizeof(region_t) << 32) | sizeof(pthread_mutex_t))

_Static_assert(RG_FIRST + RG_MIN_BLOCK + RG_HDR <= BRISK_REGION_MIN_SIZE,
               "BRISK_REGION_MIN_SIZE must hold the header, a block and the sentinel");
_Static_assert(sizeof(pthread_mutex_t) <= 64, "the mutex must fit its slot");
_Static_assert(BRISK_REGION_ALIGN == RG_ALIGN, "one alignment");

/* Checksum of the immutable header fields (the magic taken as RG_MAGIC). */
static uint64_t layout_check(const region_t *r) {
  uint64_t h = 0x6a09e667f3bcc908ull;
  const uint64_t w[] = {RG_MAGIC, ((uint64_t)r->version << 32) | r->flags, r->size, r->key,
                        r->first, r->end, r->layout};
  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
    h ^= w[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h;
}

/* Whether the header at r describes a region this build can use. */
static bool header_valid(const region_t *r) {
  return r->magic == RG_MAGIC && r->version == RG_VERSION && r->layout == RG_LAYOUT &&
         (r->flags & ~BRISK_REGION_SHARED) == 0 && r->size >= BRISK_REGION_MIN_SIZE &&
         r->size % RG_ALIGN == 0 && r->first == RG_FIRST && r->end == r->size - RG_HDR &&
         r->layout_check == layout_check(r);
}

BRISK_API brisk_region_t *brisk_region_init(void *mem, size_t len, unsigned flags) {
  if (mem == NULL || (uintptr_t)mem % RG_ALIGN != 0 || len < BRISK_REGION_MIN_SIZE ||
      (flags & ~BRISK_REGION_SHARED) != 0 || (uint64_t)len - RG_FIRST - RG_HDR >= RG_MAX_BLOCK) {
    errno = EINVAL;
    return NULL;
  }
  region_t *r = mem;
  r->magic = 0; /* not a region until the header is complete */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  r->version = RG_VERSION;
  r->flags = flags;
  r->size = len & ~(uint64_t)(RG_ALIGN - 1);
  brisk_os_random(&r->key, sizeof r->key);
  r->first = RG_FIRST;
  r->end = r->size - RG_HDR;
  r->layout = RG_LAYOUT;
  int e = brisk_region_lock_init(r, (flags & BRISK_REGION_SHARED) != 0);
  if (e != 0) {
    errno = e;
    return NULL;
  }
  r->used_bytes = r->nused = r->repairs = r->check_gen = 0;
  brisk_region_index_clear(r);
  uint64_t size = r->end - r->first;
  brisk_region_block_write(r, r->first, size | RB_PREV_INUSE);
  *rb_footer(r, r->first, size) = size;
  brisk_region_block_write(r, r->end, RB_INUSE);
  brisk_region_index_insert(r, r->first);
  r->layout_check = layout_check(r);
  __atomic_store_n(&r->magic, RG_MAGIC, __ATOMIC_RELEASE);
  return r;
}

BRISK_API brisk_region_t *brisk_region_attach(void *mem) {
  if (mem == NULL || (uintptr_t)mem % RG_ALIGN != 0 || !header_valid(mem)) {
    errno = EINVAL;
    return NULL;
  }
  return mem;
}

/* The block size for a request of n bytes, 0 when no block can be that
 * large. */
static uint64_t block_size(size_t n) {
  if ((uint64_t)n >= RG_MAX_BLOCK - RG_HDR - RG_ALIGN) return 0;
  uint64_t b = ((uint64_t)n + RG_HDR + RG_ALIGN - 1) & ~(uint64_t)(RG_ALIGN - 1);
  return b < RG_MIN_BLOCK ? RG_MIN_BLOCK : b;
}

static inline void *payload(region_t *r, roff_t off) { return (char *)r + off + RG_HDR; }

/* Lock r for an allocating call; false (errno set) when it cannot be. */
static bool lock_alloc(region_t *r) {
  if (r == NULL) {
    errno = EINVAL;
    return false;
  }
  int e = brisk_region_lock(r);
  if (e != 0) errno = e;
  return e == 0;
}

/* Lock r for a call that hands a block back; aborts when the region is
 * beyond repair (the block cannot be given back, nor reported as fine). */
static void lock_or_die(region_t *r, const void *p, const char *what) {
  if (brisk_region_lock(r) != 0)
    brisk_region_block_fatal("invalid ", what, " of ", p, "region not recoverable ", r);
}

/* Lock held: a block of bsize bytes (0: too big) found and taken; its
 * offset, or 0 with errno ENOMEM. */
static roff_t take_fit(region_t *r, uint64_t bsize) {
  roff_t off = bsize != 0 ? brisk_region_index_find(r, bsize) : 0;
  if (off == 0) {
    errno = ENOMEM;
    return 0;
  }
  brisk_region_block_take(r, off, bsize);
  return off;
}

BRISK_API void *brisk_region_malloc(brisk_region_t *r, size_t n) {
  uint64_t bsize = block_size(n);
  if (!lock_alloc(r)) return NULL;
  roff_t off = take_fit(r, bsize);
  brisk_region_lock_leave(r);
  return off != 0 ? payload(r, off) : NULL;
}

BRISK_API void *brisk_region_calloc(brisk_region_t *r, size_t count, size_t n) {
  size_t total;
  if (__builtin_mul_overflow(count, n, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  void *p = brisk_region_malloc(r, total);
  if (p != NULL) memset(p, 0, total); /* caller memory: never known to be zero */
  return p;
}

BRISK_API void *brisk_region_aligned_alloc(brisk_region_t *r, size_t align, size_t n) {
  if (align == 0 || (align & (align - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  if (align <= RG_ALIGN) return brisk_region_malloc(r, n);
  uint64_t bsize = block_size(n), need;
  /* room for the block and a leading gap of 0 or >= RG_MIN_BLOCK bytes */
  if (bsize == 0 || __builtin_add_overflow(bsize, (uint64_t)align + RG_MIN_BLOCK, &need) ||
      need >= RG_MAX_BLOCK) {
    errno = r == NULL ? EINVAL : ENOMEM;
    return NULL;
  }
  if (!lock_alloc(r)) return NULL;
  roff_t off = brisk_region_index_find(r, need);
  if (off == 0) {
    brisk_region_lock_leave(r);
    errno = ENOMEM;
    return NULL;
  }
  uintptr_t p0 = (uintptr_t)payload(r, off);
  uint64_t gap = (uint64_t)(((p0 + align - 1) & ~(uintptr_t)(align - 1)) - p0);
  while (gap != 0 && gap < RG_MIN_BLOCK) gap += align;
  roff_t at = brisk_region_block_split_front(r, off, gap);
  brisk_region_block_take(r, at, bsize);
  brisk_region_lock_leave(r);
  return payload(r, at);
}

BRISK_API void brisk_region_free(brisk_region_t *r, void *p) {
  if (p == NULL) return;
  lock_or_die(r, p, "free");
  roff_t off = brisk_region_block_validate(r, p, "free", true);
  brisk_region_block_release(r, off);
  brisk_region_lock_leave(r);
}

BRISK_API void *brisk_region_realloc(brisk_region_t *r, void *p, size_t n) {
  if (p == NULL) return brisk_region_malloc(r, n);
  if (n == 0) {
    brisk_region_free(r, p);
    return NULL;
  }
  lock_or_die(r, p, "realloc");
  roff_t off = brisk_region_block_validate(r, p, "realloc", true);
  uint64_t bsize = block_size(n);
  if (bsize != 0 && brisk_region_block_resize(r, off, bsize)) {
    brisk_region_lock_leave(r);
    return p;
  }
  roff_t to = take_fit(r, bsize);
  if (to == 0) {
    brisk_region_lock_leave(r);
    return NULL;
  }
  uint64_t keep = rb_size(r, off) - RG_HDR;
  memcpy(payload(r, to), p, keep < n ? keep : n);
  brisk_region_block_release(r, off);
  brisk_region_lock_leave(r);
  return payload(r, to);
}

BRISK_API size_t brisk_region_usable_size(brisk_region_t *r, const void *p) {
  if (p == NULL) return 0;
  lock_or_die(r, p, "usable_size");
  roff_t off = brisk_region_block_validate(r, p, "usable_size", true);
  size_t n = rb_size(r, off) - RG_HDR;
  brisk_region_lock_leave(r);
  return n;
}

BRISK_API uint64_t brisk_region_offset(brisk_region_t *r, const void *p) {
  if (p == NULL) return 0;
  uintptr_t base = (uintptr_t)r, a = (uintptr_t)p;
  if (r == NULL || a <= base || a >= base + r->size) {
    errno = EINVAL;
    return 0;
  }
  return a - base;
}

BRISK_API void *brisk_region_ptr(brisk_region_t *r, uint64_t offset) {
  if (offset == 0) return NULL;
  if (r == NULL || offset >= r->size) {
    errno = EINVAL;
    return NULL;
  }
  return (char *)r + offset;
}

BRISK_API int brisk_region_check(brisk_region_t *r) {
  if (r == NULL || !header_valid(r)) return EINVAL;
  if (brisk_region_lock(r) != 0) return EUCLEAN;
  int e = brisk_region_walk_verify(r);
  brisk_region_lock_leave(r);
  return e;
}

BRISK_API int brisk_region_stats(brisk_region_t *r, brisk_region_stats_t *out) {
  if (r == NULL || out == NULL) return EINVAL;
  int e = brisk_region_lock(r);
  if (e != 0) return e;
  brisk_region_walk_fill_stats(r, out);
  brisk_region_lock_leave(r);
  return 0;
}
