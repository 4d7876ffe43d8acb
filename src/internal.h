/* internal.h — core types of brisk and the cross-file internal API.
 *
 * Architecture (docs/design.md has the full story and the invariants):
 *   segment (4 MiB, aligned)  = slice 0 (header + page descriptors)
 *                             + slices 1..63 grouped into spans;
 *   span                      = free, a page (blocks of one size class),
 *                               or one large block;
 *   heap (one per thread)     = page queues per size class, free-span bins,
 *                               the segments it owns;
 *   huge block (> 2 MiB)      = its own mapping with a one-page header;
 *   segmap                    = address >> 22  ->  owning segment/huge header.
 *
 * Ownership: a heap, its segments and their page descriptors are touched
 * only by the thread that owns the heap, except for the atomic fields
 * page_t.xfree and heap_t.delayed, which other threads push onto.
 */
#ifndef BRISK_INTERNAL_H
#define BRISK_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define BRISK_API __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ------------------------------------------------------------------ blocks */

/* A free block: the first word links to the next free block; the second
 * holds the free mark (brisk_free_key ^ address) while the block is free
 * and 0 from the moment it is handed out, so a second free of the same
 * block is recognised in O(1).  Every block is at least 16 bytes. */
typedef struct block_s {
  struct block_s *next;
  uintptr_t mark;
} block_t;

/* Per-process secret mixed into free marks (init.c). */
extern uintptr_t brisk_free_key;
static inline uintptr_t block_free_mark(const void *b) { return brisk_free_key ^ (uintptr_t)b; }

/* ------------------------------------------------------------------- pages */

/* Span kinds (page_t.kind). */
enum {
  SPAN_FREE = 0, /* free slices, in a heap's span bin */
  SPAN_PAGE = 1, /* small blocks of one size class */
  SPAN_LARGE = 2, /* one large block spanning the whole span */
  SPAN_META = 3, /* slice 0: the segment header */
};

/* page_t.flags: any bit set sends free() to the slow path. */
enum {
  PAGE_IN_FULL = 1,     /* page sits in heap->full, not in its bin queue */
  PAGE_HAS_ALIGNED = 2, /* some live block was returned at an interior offset */
  PAGE_NOT_SMALL = 4,   /* span is free, large or metadata */
  PAGE_MULTI = 8,       /* page of more than one slice (blocks > 8 KiB) */
};

/* page_t.xfree state, in the two low bits of the word. */
enum {
  XF_NORMAL = 0,   /* remote frees push onto the page list */
  XF_WANTED = 1,   /* page is full: the next remote free goes to heap->delayed */
  XF_NOTIFIED = 2, /* the owner was notified once; push onto the page list */
};

/* The descriptor of a span.  Every slice of a segment has one; only the
 * first slice's descriptor (the head) is meaningful, the others carry
 * slice_offset = distance back to the head.
 * Invariant (owned page): used == blocks handed out and not yet returned to
 * `free` (blocks sitting in xfree count as used until collected). */
typedef struct page_s {
  block_t *free;           /* owner-only list of free blocks */
  uint32_t used;           /* live blocks (see invariant) */
  uint8_t flags;           /* PAGE_* bits; 0 on the free fast path */
  uint8_t kind;            /* SPAN_* */
  uint8_t bin;             /* size class (SPAN_PAGE) */
  uint8_t dirty;           /* free span: may hold committed pages */
  uint32_t block_size;     /* bytes per block (SPAN_PAGE, SPAN_LARGE) */
  uint16_t capacity;       /* blocks carved from the area so far */
  uint16_t reserved;       /* blocks the area can hold (<= 4096) */
  uint8_t slice_count;     /* span length in slices (head only) */
  uint8_t slice_offset;    /* distance to the head descriptor, 0 at head */
  uint16_t pad_;
  union {
    uint32_t free_since;   /* free span: low 32 bits of now_ms when freed */
    uint32_t magic32;      /* one-slice page: ceil(2^32 / block_size) */
  };
  _Atomic uint32_t rfreed; /* blocks pushed on xfree, ever (added after each push) */
  uint32_t rseen;          /* owner: the value of rfreed already taken off `used` */
  _Atomic uintptr_t xfree; /* remote-free list | XF_* state */
  struct page_s *next;     /* bin queue / full list / free-span bin */
  struct page_s *prev;
} page_t;
_Static_assert(sizeof(page_t) == 64, "page descriptors are one cache line");

typedef struct page_queue_s {
  page_t *first;
  page_t *last;
} page_queue_t;

/* ---------------------------------------------------------------- segments */

struct heap_s;

typedef struct segment_s {
  struct heap_s *heap;   /* owner; NULL while in the global cache */
  uint32_t used_slices;  /* slices in non-free spans, slice 0 excluded */
  uint32_t magic;        /* BRISK_SEGMENT_MAGIC, checked on slow paths */
  struct segment_s *next; /* owner heap's segment list / global cache */
  struct segment_s *prev;
  page_t pages[BRISK_SLICES_PER_SEGMENT];
} segment_t;

#define BRISK_SEGMENT_MAGIC 0x5e67b15cu
#define BRISK_SEGMENT_MASK (BRISK_SEGMENT_SIZE - 1)
#define BRISK_USABLE_SLICES (BRISK_SLICES_PER_SEGMENT - 1)

/* Header of a huge block's mapping (one OS page at the mapping start). */
typedef struct huge_s {
  uint32_t magic;       /* BRISK_HUGE_MAGIC */
  uint32_t live;        /* 1 while the block is allocated, 0 in the cache */
  size_t map_size;      /* bytes mapped from the header on */
  uint8_t *block;       /* the user block (>= header + one OS page) */
  uint64_t cached_since_ms;
} huge_t;
#define BRISK_HUGE_MAGIC 0x4b5e1b7au

/* ------------------------------------------------------------------- heaps */

/* Size classes: bins 1..BRISK_BIN_COUNT-1; bin 0 unused. */
#define BRISK_BIN_COUNT 49
#define BRISK_DIRECT_SLOTS (BRISK_SMALL_MAX / 16 + 1)

typedef struct heap_stats_s {
  uint64_t malloc_calls;
  uint64_t free_calls;
  uint64_t bytes_requested;
  uint64_t alloc_bytes;  /* usable bytes handed out (cumulative) */
  uint64_t freed_bytes;  /* usable bytes freed by this thread (cumulative) */
  uint64_t remote_frees;
} heap_stats_t;

/* A batch of remote frees destined for one page (heap_t.remote). */
typedef struct remote_slot_s {
  page_t *page; /* NULL: slot empty */
  block_t *head, *tail;
  uint32_t count;
} remote_slot_t;

typedef struct heap_s {
  page_t *direct[BRISK_DIRECT_SLOTS]; /* (size+15)>>4 -> page to try first */
  heap_stats_t stats;
  page_queue_t queues[BRISK_BIN_COUNT]; /* pages with (maybe) free blocks */
  page_queue_t full;                    /* pages without free blocks */
  page_t *spans[BRISK_SLICES_PER_SEGMENT]; /* free spans by slice count */
  uint64_t span_mask;                   /* bit n: spans[n] non-empty */
  segment_t *segments;                  /* segments owned */
  uint32_t empty_segments;              /* owned segments with no live span */
  _Atomic(block_t *) delayed;           /* remote frees into full pages/large */
  remote_slot_t remote[BRISK_REMOTE_SLOTS]; /* this thread's batched remote frees */
  /* Per class, a pseudo-page whose free list holds other heaps' blocks
   * that this thread freed (the foreign cache); the direct slot points at
   * it while it is not empty.  Its `used` is minus the block count. */
  page_t foreign[BRISK_BIN_COUNT];
  uint64_t remote_mask;                 /* bit i: remote[i] holds a batch */
  size_t dirty_bytes;                   /* bytes in dirty free spans */
  uint64_t purge_due_ms;                /* 0: nothing pending */
  uint64_t now_ms;                      /* last clock reading (slow paths) */
  uint32_t slow_ticks;                  /* slow-path calls, paces clock reads */
  struct heap_s *all_next;              /* list of every heap (immortal) */
  struct heap_s *abandoned_next;
  uint32_t active;                      /* owned by a live thread */
  uint32_t id;
} heap_t;

/* ------------------------------------------------------- thread-local state */

extern __thread heap_t *brisk_tls_heap __attribute__((tls_model("initial-exec")));
extern heap_t brisk_heap_empty; /* the sentinel: every direct slot -> empty page */
extern page_t brisk_page_empty; /* a page with no free block */

/* ------------------------------------------------------------------ modules */

/* sizeclass.c */
extern const uint8_t brisk_direct_bin[BRISK_DIRECT_SLOTS];
extern const uint32_t brisk_bin_size[BRISK_BIN_COUNT];
extern const uint64_t brisk_bin_magic[BRISK_BIN_COUNT];
/* Index of the block containing byte offset `off` of a page of `bin`. */
static inline uint32_t bin_block_index(unsigned bin, uint32_t off) {
  return (uint32_t)(((unsigned __int128)brisk_bin_magic[bin] * off) >> 64);
}
/* Whether offset `off` is the start of a block of `bin`. */
static inline bool bin_is_block_start(unsigned bin, uint32_t off) {
  return (uint64_t)(brisk_bin_magic[bin] * (uint64_t)off) < brisk_bin_magic[bin];
}
unsigned brisk_bin_of(size_t size); /* size <= BRISK_CLASS_MAX */
unsigned brisk_bin_slices(unsigned bin);

/* segmap.c — address -> segment or huge header, lock-free.
 * Entries for huge mappings carry tag bit 1. */
uintptr_t brisk_segmap_get(uintptr_t addr);
int brisk_segmap_set(uintptr_t start, size_t size, uintptr_t value);
void brisk_segmap_clear(uintptr_t start, size_t size);
static ALWAYS_INLINE uintptr_t segmap_get_inline(uintptr_t addr);

/* segment.c — segments and spans (heap-owned, no locks). */
page_t *brisk_span_alloc(heap_t *heap, uint32_t slices); /* NULL on ENOMEM */
void brisk_span_free(heap_t *heap, page_t *span);
bool brisk_span_grow(heap_t *heap, page_t *span, uint32_t slices);
void brisk_span_shrink(heap_t *heap, page_t *span, uint32_t slices);
enum { PURGE_EXPIRED, PURGE_OVER_LIMIT, PURGE_ALL };
size_t brisk_heap_purge(heap_t *heap, int mode);
size_t brisk_segment_release_all_spare(heap_t *heap);
size_t brisk_segment_cache_trim(void);
void brisk_segment_atfork_prepare(void);
void brisk_segment_atfork_parent(void);
void brisk_segment_atfork_child(void);
/* Descriptor of the slice holding p: the span's head for a one-slice
 * span; any other descriptor has PAGE_NOT_SMALL in flags (span_mark). */
static ALWAYS_INLINE page_t *slice_desc_of(segment_t *seg, const void *p) {
  return &seg->pages[((uintptr_t)p >> BRISK_SLICE_SHIFT) & (BRISK_SLICES_PER_SEGMENT - 1)];
}
static ALWAYS_INLINE page_t *page_of(segment_t *seg, const void *p) {
  page_t *page = &seg->pages[((uintptr_t)p >> BRISK_SLICE_SHIFT) & (BRISK_SLICES_PER_SEGMENT - 1)];
  return page - page->slice_offset;
}
/* First byte of the span whose head descriptor is `page` (in a segment). */
static inline uint8_t *page_area(const page_t *page) {
  uintptr_t seg = (uintptr_t)page & ~(uintptr_t)BRISK_SEGMENT_MASK;
  size_t idx = (size_t)(page - ((const segment_t *)seg)->pages);
  return (uint8_t *)(seg + (idx << BRISK_SLICE_SHIFT));
}

/* Start of the block of span `page` (SPAN_PAGE or SPAN_LARGE) holding p. */
static inline uint8_t *page_block_start(const page_t *page, const void *p) {
  uint8_t *area = page_area(page);
  uint32_t off = (uint32_t)((const uint8_t *)p - area);
  if (page->kind != SPAN_PAGE) return area;
  return area + (size_t)bin_block_index(page->bin, off) * page->block_size;
}
static ALWAYS_INLINE segment_t *segment_of_page(page_t *page) {
  return (segment_t *)((uintptr_t)page & ~BRISK_SEGMENT_MASK);
}

/* page.c — pages of one size class, their queues and remote frees. */
void *brisk_page_alloc_slow(heap_t *heap, unsigned bin); /* NULL on ENOMEM */
void brisk_page_free_local_slow(heap_t *heap, page_t *page, block_t *b);
void brisk_page_free_remote(heap_t *heap, page_t *page, block_t *b);
void brisk_remote_flush_all(heap_t *heap);
void brisk_delayed_push(heap_t *owner, block_t *head, block_t *tail);
void brisk_foreign_flush_all(heap_t *heap);
bool brisk_foreign_keep(heap_t *heap, page_t *page, block_t *b);
void brisk_page_collect_delayed(heap_t *heap);
void brisk_page_on_empty(heap_t *heap, page_t *page);
void brisk_heap_collect(heap_t *heap, bool retire_all);
void brisk_queue_update_direct(heap_t *heap, unsigned bin);

/* huge.c — blocks bigger than BRISK_LARGE_MAX. */
void *brisk_huge_alloc(size_t size, size_t align, bool *zeroed);
void brisk_huge_free(huge_t *h, void *p);
void *brisk_huge_realloc(huge_t *h, void *p, size_t size);
size_t brisk_huge_usable(const huge_t *h, const void *p);
size_t brisk_huge_cache_trim(bool all);
uint64_t brisk_huge_live_count(void);
uint64_t brisk_huge_live_bytes(void);
size_t brisk_huge_cached_bytes(void);
void brisk_huge_atfork_prepare(void);
void brisk_huge_atfork_parent(void);
void brisk_huge_atfork_child(void);

/* heap.c — per-thread heaps: creation, adoption, abandonment. */
heap_t *brisk_heap_get_or_init(void); /* NULL when out of memory */
void brisk_heap_thread_done(void *heap);
heap_t *brisk_heap_list(void);
uint32_t brisk_heap_count(void);
void brisk_heap_process_init(void);
void brisk_heap_atfork_prepare(void);
void brisk_heap_atfork_parent(void);
void brisk_heap_atfork_child(void);

/* alloc.c — the generic (slow) paths behind the exported functions. */
void *brisk_malloc_slow(heap_t *heap, size_t size);
void *brisk_alloc_aligned(size_t size, size_t align);
void brisk_free_slow(void *p);
void brisk_free_in_segment(segment_t *seg, page_t *page, void *p);
void *brisk_realloc_impl(void *p, size_t size);
size_t brisk_usable_impl(const void *p);
void brisk_check_free_size(void *p, size_t size);
void *brisk_calloc_impl(size_t n);
size_t brisk_release_cached(heap_t *heap);

/* options.c — runtime options, read once from environ without allocating. */
typedef struct options_s {
  long purge_delay_ms;     /* BRISK_PURGE_DELAY_MS: free memory kept dirty */
  long dirty_max_kib;      /* BRISK_DIRTY_MAX_KIB: per heap, purge beyond */
  long huge_cache_kib;     /* BRISK_HUGE_CACHE_KIB: huge mappings kept */
  long stats;              /* BRISK_STATS: print statistics at exit */
  long verbose;            /* BRISK_VERBOSE */
} options_t;
extern options_t brisk_options;
void brisk_options_init(void);

/* output.c — formatting without allocation, fatal errors. */
typedef struct outbuf_s {
  char buf[1024];
  size_t len;
  int fd;
} outbuf_t;
void brisk_out_str(outbuf_t *o, const char *s);
void brisk_out_u64(outbuf_t *o, uint64_t v);
void brisk_out_hex(outbuf_t *o, uint64_t v);
void brisk_out_size(outbuf_t *o, uint64_t bytes); /* 1.5 MiB style */
void brisk_out_pad(outbuf_t *o, size_t col);
void brisk_out_flush(outbuf_t *o);
_Noreturn void brisk_fatal(const char *what, const void *p);
_Noreturn void brisk_double_free(const void *p);
void brisk_warn(const char *msg, const char *detail);
#if BRISK_DEBUG
#define brisk_assert(c) ((c) ? (void)0 : brisk_fatal("assertion failed: " #c, NULL))
#else
#define brisk_assert(c) ((void)0)
#endif

/* stats.c */
void brisk_stats_note_peak(void);
void brisk_stats_at_exit(void);
void brisk_stats_orphan_free(size_t bytes);

/* init.c */
void brisk_process_init(void);
extern int brisk_process_ready;

/* ------------------------------------------------------------ segmap inline */

/* One bit per 4 MiB region of the 47-bit address space (4 MiB of .bss,
 * untouched pages cost nothing): set while the region holds a mapped brisk
 * segment.  The free fast path tests it instead of walking the map. */
#define BRISK_REGION_BITS 25
extern _Atomic uint64_t brisk_segment_bits[(1u << BRISK_REGION_BITS) / 64];
void brisk_segbits_set(uintptr_t seg, bool on);

static ALWAYS_INLINE bool segbits_test(uintptr_t addr) {
  uintptr_t region = addr >> BRISK_SEGMENT_SHIFT;
  if (unlikely(region >= ((uintptr_t)1 << BRISK_REGION_BITS))) return false;
  uint64_t word = atomic_load_explicit(&brisk_segment_bits[region >> 6], memory_order_relaxed);
  return (word >> (region & 63)) & 1;
}

#define BRISK_SEGMAP_LEAF_BITS 12
#define BRISK_SEGMAP_TOP_BITS 14
extern _Atomic(uintptr_t *) brisk_segmap_top[1u << BRISK_SEGMAP_TOP_BITS];

static ALWAYS_INLINE uintptr_t segmap_get_inline(uintptr_t addr) {
  uintptr_t *leaf = atomic_load_explicit(
      &brisk_segmap_top[(addr >> (BRISK_SEGMENT_SHIFT + BRISK_SEGMAP_LEAF_BITS)) &
                        ((1u << BRISK_SEGMAP_TOP_BITS) - 1)],
      memory_order_acquire);
  if (leaf == NULL) return 0;
  return __atomic_load_n(&leaf[(addr >> BRISK_SEGMENT_SHIFT) & ((1u << BRISK_SEGMAP_LEAF_BITS) - 1)],
                         __ATOMIC_RELAXED);
}

#endif /* BRISK_INTERNAL_H */
