/* SPDX-License-Identifier: MIT */
/* core/mesh.c — meshing (core/mesh.h has the model and its scope).
 *
 * Owns: the memory file and its page allocator, the per-segment mesh
 * tables (in the segment's first slice, past the header: they cost no
 * memory until a segment meshes), the passes that find OS pages whose
 * live bytes do not collide and merge them, unmeshing idle pages, and the
 * fork handlers that keep a child's memory its own.
 *
 * Invariants:
 *  - host[i] of a segment's table is 0 (its own memory), MESH_ZERO
 *    (purged, no live byte was left) or f + 1: OS page i is mapped onto
 *    file page f, and refs[f] counts the OS pages mapped there;
 *  - the bytes that the OS pages mapped onto one file page use — their
 *    live blocks and the free blocks on their lists — never overlap (at
 *    the same offset within the page): a block on a list there was live
 *    at the mesh, or claimed bytes no other member used (block_keeps);
 *  - every other free block overlapping an OS page with host != 0 is
 *    withheld: its bit set, counted in withheld_count and in the page's
 *    `used`, on no list;
 *  - PAGE_MESHED is set iff the page has an OS page with host != 0 or a
 *    withheld block (a remap the kernel refused leaves only the latter),
 *    and heap->mesh_pages[bin] counts those pages; a retired page has
 *    neither (it is unmeshed first), so a span that is freed, a segment
 *    released or reused never holds a meshed OS page;
 *  - meshed > 0 iff the segment is on the registry the fork child walks.
 */
#include "core/mesh.h"

#include <string.h>

#include "core/block.h"
#include "core/options.h"
#include "core/pageflags.h"
#include "core/segment.h"
#include "core/source.h"
#include "observe/output.h"
#include "os/os.h"

#define OSP BRISK_OS_PAGE
#define SLICE_OSP (BRISK_SLICE_SIZE / OSP)            /* 16 OS pages per slice */
#define SEG_OSP (BRISK_SEGMENT_SIZE / OSP)            /* 1024 per segment */
#define UNITS (OSP / 16)                              /* 16-byte units per OS page */
#define PAGE_BLOCK_WORDS (BRISK_SLICE_SIZE / 16 / 64) /* bitmap words: <= 4096 blocks */
#define MESH_ZERO UINT32_MAX
#define FILE_PAGES_MAX ((uint32_t)1 << 22) /* 16 GiB of memory file */
#define SEGS_MAX 8192                      /* segments with meshed pages (32 GiB) */
#define CANDS_MAX 65536                    /* OS pages one pass considers */
#define PROBES 256                         /* open groups a candidate tries */
#define GROUP_MAX 16                       /* OS pages per file page */
#define PERIOD_MIN_MS 10
#define PERIOD_MAX_MS 1000
#define BURST_BYTES ((uint64_t)1 << 20) /* freed since the last pass: one is due */
#define MAPS_KEPT 8192 /* mappings left to the program below vm.max_map_count */
#define MESH_TABLE_OFFSET 16384
#define SEEN_DONE 0x8000 /* seen_used: a pass took the page's candidates (used < 2^15) */

/* Supported builds: guard pages would fault the copy, zero checks expect
 * a free block to read as zero (withheld blocks are overwritten). */
#define MESH_SUPPORTED (!BRISK_GUARD_PAGES && !BRISK_ZERO_CHECK)

typedef struct mesh_table_s {
  uint32_t host[SEG_OSP];                                      /* see the invariants */
  uint64_t withheld[BRISK_SLICES_PER_SEGMENT][PAGE_BLOCK_WORDS]; /* block bits per slice */
  uint16_t withheld_count[BRISK_SLICES_PER_SEGMENT];
  uint16_t seen_used[BRISK_SLICES_PER_SEGMENT]; /* used + 1 when a pass last looked, | SEEN_DONE */
  uint16_t plan[BRISK_SLICES_PER_SEGMENT];      /* during a pass: OS pages (bit j) to mesh */
  int32_t plan_cand[SEG_OSP];                   /* during a pass: a planned OS page's candidate */
  uint64_t changed;                             /* during a pass: slices with planned OS pages */
  uint32_t meshed;                              /* host entries != 0 */
  uint32_t slot;                                /* index on the registry while meshed > 0 */
} mesh_table_t;
_Static_assert(sizeof(segment_t) <= MESH_TABLE_OFFSET, "the mesh table lies past the segment header");
_Static_assert(MESH_TABLE_OFFSET + sizeof(mesh_table_t) <= BRISK_SLICE_SIZE, "and inside slice 0");

static inline mesh_table_t *table_of(const segment_t *seg) {
  return (mesh_table_t *)((uintptr_t)seg + MESH_TABLE_OFFSET);
}

bool brisk_mesh_enabled;

static struct {
  int fd;      /* the memory file; -1 until the first pass */
  bool off;    /* it (or a table) could not be made: no more passes */
  int lock;    /* spin lock: free_pages, registry */
  uint16_t *refs;        /* per file page: OS pages mapped onto it (relaxed atomics) */
  uint32_t *free_pages;  /* stack of file pages given back */
  uint32_t free_top;
  uint32_t bump;         /* file pages ever used (the high-water mark) */
  segment_t **segs;      /* registry: segments with meshed > 0 */
  uint32_t nsegs;
  long budget;           /* mappings (VMAs) meshing may still add */
  uint64_t passes, meshed_pages, zero_pages, file_pages, reclaimed; /* relaxed atomics */
  uint8_t page_buf[OSP]; /* a page's bytes in transit (one thread, signals blocked) */
} M = {.fd = -1};

/* The prepare handler's copy of the file's first fork_len bytes, for the
 * parent's and the child's handlers of the same fork: the forking
 * thread's (several threads may fork at once). */
static __thread void *fork_copy __attribute__((tls_model("initial-exec")));
static __thread size_t fork_len __attribute__((tls_model("initial-exec")));

static void lock(void) {
  while (__atomic_exchange_n(&M.lock, 1, __ATOMIC_ACQUIRE)) cpu_relax();
}
static void unlock(void) { __atomic_store_n(&M.lock, 0, __ATOMIC_RELEASE); }
#define ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)

void brisk_mesh_init(void) { brisk_mesh_enabled = MESH_SUPPORTED && brisk_options.mesh != 0; }

/* ------------------------------------------------------------ the file */

static bool file_ready(void) {
  if (M.fd >= 0) return true;
  if (M.off) return false;
  M.refs = brisk_os_map_untracked((size_t)FILE_PAGES_MAX * sizeof *M.refs);
  M.free_pages = brisk_os_map_untracked((size_t)FILE_PAGES_MAX * sizeof *M.free_pages);
  M.segs = brisk_os_map_untracked(SEGS_MAX * sizeof *M.segs);
  int fd = M.refs && M.free_pages && M.segs ? brisk_os_memfd((size_t)FILE_PAGES_MAX * OSP) : -1;
  if (fd < 0) {
    M.off = true; /* (the tables stay mapped, unused: nothing committed) */
    return false;
  }
  long maps = brisk_os_map_count_max();
  M.budget = maps > 2 * MAPS_KEPT ? maps - MAPS_KEPT : maps / 2;
  __atomic_store_n(&M.fd, fd, __ATOMIC_RELAXED);
  return true;
}

/* A file page to fill, or UINT32_MAX when the file is used up. */
static uint32_t file_page_get(void) {
  lock();
  uint32_t f = M.free_top > 0 ? M.free_pages[--M.free_top] : M.bump < FILE_PAGES_MAX ? M.bump++ : UINT32_MAX;
  unlock();
  if (f != UINT32_MAX) ADD(M.file_pages, 1);
  return f;
}

/* File page f is mapped nowhere: its memory goes back (the hole reads as
 * zero), the page to the free stack. */
static void file_page_put(uint32_t f) {
  brisk_os_file_punch(M.fd, (uint64_t)f * OSP, OSP);
  lock();
  M.free_pages[M.free_top++] = f;
  unlock();
  ADD(M.file_pages, (uint64_t)-1);
}

/* Mappings that mapping OS page os of t's segment onto the file adds (and
 * that giving it its own memory again removes): in the middle of the
 * segment's anonymous memory it splits a mapping in three, beside a
 * neighbour mapped onto the file one more, between two none.  (Two
 * neighbours on consecutive file pages may merge: then it costs less.) */
static long maps_cost(const mesh_table_t *t, uint32_t os) {
  long cost = 2;
  if (os > 0 && t->host[os - 1] != 0 && t->host[os - 1] != MESH_ZERO) cost--;
  if (os + 1 < SEG_OSP && t->host[os + 1] != 0 && t->host[os + 1] != MESH_ZERO) cost--;
  return cost;
}

/* ------------------------------------------------------------ registry */

static void table_add(segment_t *seg, mesh_table_t *t, uint32_t n) {
  if (t->meshed == 0) {
    lock();
    t->slot = M.nsegs;
    M.segs[M.nsegs++] = seg;
    unlock();
  }
  t->meshed += n;
}

static void table_sub(mesh_table_t *t, uint32_t n) {
  t->meshed -= n;
  if (t->meshed != 0) return;
  lock();
  segment_t *last = M.segs[--M.nsegs];
  M.segs[t->slot] = last;
  table_of(last)->slot = t->slot;
  unlock();
}

/* ------------------------------------------------------------ queries */

static inline unsigned slice_of(const page_t *page) {
  return (unsigned)(page - segment_of_page(page)->pages);
}

static inline bool bit_get(const uint64_t *w, uint32_t k) { return (w[k >> 6] >> (k & 63)) & 1; }
static inline void bit_set(uint64_t *w, uint32_t k) { w[k >> 6] |= (uint64_t)1 << (k & 63); }

bool brisk_mesh_withheld(const page_t *page, const void *p) {
  const mesh_table_t *t = table_of(segment_of_page(page));
  uint32_t k = (uint32_t)((const uint8_t *)p - page_area(page)) / page->block_size;
  return (__atomic_load_n(&t->withheld[slice_of(page)][k >> 6], __ATOMIC_RELAXED) >> (k & 63)) & 1;
}

uint32_t brisk_mesh_withheld_count(const page_t *page) {
  return table_of(segment_of_page(page))->withheld_count[slice_of(page)];
}

void brisk_mesh_stats(mesh_stats_t *out) {
  out->passes = __atomic_load_n(&M.passes, __ATOMIC_RELAXED);
  out->meshed_pages = __atomic_load_n(&M.meshed_pages, __ATOMIC_RELAXED);
  out->zero_pages = __atomic_load_n(&M.zero_pages, __ATOMIC_RELAXED);
  out->file_pages = __atomic_load_n(&M.file_pages, __ATOMIC_RELAXED);
  out->reclaimed = __atomic_load_n(&M.reclaimed, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ the pass */

/* One OS page a pass may mesh: its live units (16-byte granules) and its
 * group.  A group is a list of candidates (from its host, the first)
 * whose masks do not overlap; the host's `uni` is their union. */
typedef struct cand_s {
  uint64_t mask[UNITS / 64];   /* its own live units */
  uint64_t claim[UNITS / 64];  /* its free blocks' units that stay on its list */
  uint64_t uni[UNITS / 64];    /* host: the group's live units, */
  uint64_t uclaim[UNITS / 64]; /* and those its members claimed */
  int32_t host;                /* the candidate heading its group */
  segment_t *seg;
  uint16_t os;      /* OS page index in the segment */
  uint16_t live;    /* set units */
  uint16_t members; /* host: candidates in the group */
  int32_t next;     /* next member of the group, -1 at the end */
} cand_t;

typedef struct pass_s {
  heap_t *heap;
  cand_t *c;
  uint32_t n;
  int32_t *open; /* hosts that may take more members */
  uint32_t nopen;
  uint8_t *buf;  /* OSP bytes: a file page being composed */
  uint64_t rng;
} pass_t;

static uint64_t rng_step(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13, x ^= x >> 7, x ^= x << 17;
  return *s = x;
}

/* The blocks of `page` on its free list, plus those withheld, in fb.
 * false when the list is longer than the page could hold (it is then
 * left alone; block_next aborts on a damaged link). */
static bool free_map(const page_t *page, const mesh_table_t *t, unsigned slice, uint64_t *fb, bool with_withheld) {
  if (with_withheld) memcpy(fb, t->withheld[slice], sizeof t->withheld[slice]);
  else memset(fb, 0, sizeof t->withheld[slice]);
  const uint8_t *area = page_area(page);
  uint32_t n = 0;
  for (const block_t *b = page->free; b != NULL; b = block_next(b)) {
    if (++n > page->capacity) return false;
    bit_set(fb, (uint32_t)((const uint8_t *)b - area) / page->block_size);
  }
  return true;
}

/* Live units of OS page j of `page` (fully carved) into mask; their count. */
static unsigned live_mask(const page_t *page, const uint64_t *fb, unsigned j, uint64_t *mask) {
  uint32_t bs = page->block_size, lo = j * OSP, hi = lo + OSP;
  memset(mask, 0, UNITS / 8);
  if (page->capacity == 0 || lo >= (uint32_t)page->capacity * bs) return 0;
  uint32_t k1 = (hi - 1) / bs;
  if (k1 >= page->capacity) k1 = page->capacity - 1u;
  unsigned live = 0;
  for (uint32_t k = lo / bs; k <= k1; k++) {
    if (bit_get(fb, k)) continue;
    uint32_t s = k * bs < lo ? 0 : k * bs - lo;
    uint32_t e = (k + 1) * bs > hi ? OSP : (k + 1) * bs - lo;
    for (uint32_t u = s / 16; u < e / 16; u++) bit_set(mask, u);
    live += (e - s) / 16;
  }
  return live;
}

/* Whether a pass looks at `page` now: a one-slice page of small blocks,
 * not full, with live blocks but at most half of it live, no remote
 * frees waiting, and settled: unchanged since the pass before looked at
 * it, and not taken since.  (A page without a live block is the one its
 * class keeps, or about to be retired: a pass would only make it idle
 * with nobody to notice.  One still changing would be meshed only to be
 * taken back: gcc +12 % when every sparse page was meshed at once.) */
static bool page_wanted(const page_t *page, mesh_table_t *t, unsigned slice, bool *pending) {
  if (page->kind != SPAN_PAGE || page->slice_count != 1 || (page->flags & (PAGE_IN_FULL | PAGE_MULTI)))
    return false;
  uint32_t live = page->used - t->withheld_count[slice];
  /* (at most a quarter: bench/frag's survivors of three cycles, 30 % of
   * their pages, were never meshed: peak 319 MB against 265 at a half) */
  if (live == 0 || live * 2 > page->capacity) return false;
  if ((__atomic_load_n(&page->xfree, __ATOMIC_RELAXED) & ~(uintptr_t)3) != 0) return false;
  uint16_t seen = (uint16_t)(page->used + 1);
  if (t->seen_used[slice] == (seen | SEEN_DONE)) return false; /* taken, unchanged since */
  if (t->seen_used[slice] != seen) { /* first look, or it changed: look again next pass */
    t->seen_used[slice] = seen;
    *pending = true;
    return false;
  }
  t->seen_used[slice] = seen | SEEN_DONE;
  return true;
}

/* The candidates of one page into the pass; false when the pass is full. */
static bool collect_page(pass_t *ps, segment_t *seg, mesh_table_t *t, unsigned slice) {
  page_t *page = &seg->pages[slice];
  uint64_t fb[PAGE_BLOCK_WORDS];
  if (!free_map(page, t, slice, fb, true)) return true;
  uint32_t carved = (uint32_t)page->capacity * page->block_size;
  for (unsigned j = 0; j < SLICE_OSP; j++) {
    unsigned os = slice * SLICE_OSP + j;
    if (t->host[os] != 0) continue;
    if ((j + 1) * OSP > carved && page->capacity < page->reserved) break; /* carving goes on here */
    cand_t *c = &ps->c[ps->n];
    unsigned live = live_mask(page, fb, j, c->mask);
    if (live > UNITS / 2) continue;
    memcpy(c->uni, c->mask, sizeof c->uni);
    memset(c->claim, 0, sizeof c->claim);
    memset(c->uclaim, 0, sizeof c->uclaim);
    c->host = (int32_t)ps->n;
    c->seg = seg, c->os = (uint16_t)os, c->live = (uint16_t)live, c->members = 1, c->next = -1;
    if (++ps->n == CANDS_MAX) return false;
  }
  return true;
}

static inline uint8_t *os_addr(const cand_t *c) { return (uint8_t *)c->seg + (size_t)c->os * OSP; }

static bool masks_collide(const uint64_t *a, const uint64_t *b) {
  uint64_t x = 0;
  for (unsigned w = 0; w < UNITS / 64; w++) x |= a[w] & b[w];
  return x != 0;
}

/* Group the candidates: the densest first, each into the first of up to
 * PROBES open groups (from a random start) it does not collide with, or
 * a new group of its own (first fit decreasing, probed).  A host has
 * members >= 1 and heads its list; `order` is scratch for CANDS_MAX. */
static void group_candidates(pass_t *ps, int32_t *order) {
  /* counting sort by live units, densest first */
  uint32_t count[UNITS / 2 + 2] = {0};
  for (uint32_t i = 0; i < ps->n; i++) count[ps->c[i].live]++;
  uint32_t at = 0;
  for (int l = UNITS / 2; l >= 0; l--) {
    uint32_t k = count[l];
    count[l] = at;
    at += k;
  }
  for (uint32_t i = 0; i < ps->n; i++) order[count[ps->c[i].live]++] = (int32_t)i;
  ps->nopen = 0;
  for (uint32_t i = 0; i < ps->n; i++) {
    cand_t *c = &ps->c[order[i]];
    if (c->live == 0) continue; /* purged alone */
    int32_t host = -1;
    uint32_t probes = ps->nopen < PROBES ? ps->nopen : PROBES;
    uint32_t start = ps->nopen ? (uint32_t)(rng_step(&ps->rng) % ps->nopen) : 0;
    for (uint32_t k = 0; k < probes; k++) {
      uint32_t slot = (start + k) % ps->nopen;
      cand_t *h = &ps->c[ps->open[slot]];
      if (h->live + c->live > UNITS || masks_collide(h->uni, c->mask)) continue;
      host = ps->open[slot];
      c->host = host;
      for (unsigned w = 0; w < UNITS / 64; w++) h->uni[w] |= c->mask[w];
      h->live = (uint16_t)(h->live + c->live);
      c->next = h->next;
      h->next = order[i];
      if (++h->members == GROUP_MAX || h->live > UNITS - 8) ps->open[slot] = ps->open[--ps->nopen];
      break;
    }
    if (host < 0) ps->open[ps->nopen++] = order[i];
  }
}

/* Copy the units of src set in mask or claim into the same offsets of buf. */
static void compose(uint8_t *buf, const uint8_t *src, const uint64_t *mask, const uint64_t *claim) {
  for (unsigned w = 0; w < UNITS / 64; w++)
    for (uint64_t m = mask[w] | claim[w]; m != 0; m &= m - 1) {
      unsigned u = w * 64 + (unsigned)__builtin_ctzll(m);
      memcpy(buf + u * 16, src + u * 16, 16);
    }
}

/* Mesh one group (host index h, members >= 2) onto a new file page: the
 * live and claimed units of each member composed into one page, written to the file,
 * and each member mapped onto it (a member the kernel refuses keeps its
 * own page, and so do those after it).  Returns the OS pages mapped. */
static uint32_t mesh_group(pass_t *ps, int32_t h) {
  uint32_t f = file_page_get();
  if (f == UINT32_MAX) return 0;
  memset(ps->buf, 0, OSP);
  for (int32_t m = h; m >= 0; m = ps->c[m].next) compose(ps->buf, os_addr(&ps->c[m]), ps->c[m].mask, ps->c[m].claim);
  uint32_t mapped = 0;
  if (brisk_os_file_write(M.fd, ps->buf, OSP, (uint64_t)f * OSP)) {
    for (int32_t m = h; m >= 0; m = ps->c[m].next) {
      cand_t *c = &ps->c[m];
      mesh_table_t *t = table_of(c->seg);
      long cost = maps_cost(t, c->os);
      if (__atomic_load_n(&M.budget, __ATOMIC_RELAXED) < cost) break; /* the rest keep their pages */
      if (!brisk_os_map_file_at(os_addr(c), OSP, M.fd, (uint64_t)f * OSP)) break;
      __atomic_fetch_sub(&M.budget, cost, __ATOMIC_RELAXED);
      t->host[c->os] = f + 1;
      table_add(c->seg, t, 1);
      mapped++;
    }
  }
  if (mapped == 0) {
    file_page_put(f);
    return 0;
  }
  __atomic_store_n(&M.refs[f], (uint16_t)mapped, __ATOMIC_RELAXED);
  ADD(M.meshed_pages, mapped);
  return mapped;
}

/* An OS page without a live byte: purge it (it reads as zero after). */
static bool mesh_zero(cand_t *c) {
  mesh_table_t *t = table_of(c->seg);
  if (brisk_os_purge(os_addr(c), OSP) != OSP) return false;
  t->host[c->os] = MESH_ZERO;
  table_add(c->seg, t, 1);
  ADD(M.meshed_pages, 1);
  ADD(M.zero_pages, 1);
  return true;
}

/* Units of OS page j (of its slice) that [off, off + size) covers, in m. */
static void block_units(uint32_t off, uint32_t size, uint32_t j, uint64_t *m) {
  uint32_t lo = j * OSP, s = off > lo ? off - lo : 0, e = off + size - lo < OSP ? off + size - lo : OSP;
  memset(m, 0, UNITS / 8);
  for (uint32_t u = s / 16; u < e / 16; u++) bit_set(m, u);
}

/* Whether free block [off, off + size) of slice `slice` stays on its list
 * in this pass: it overlaps no OS page meshed before or purged, and at
 * most one planned OS page, whose group has neither live nor claimed
 * units under it — then it claims them (the first member to ask gets a
 * free stretch of the shared page: it keeps serving allocations there). */
static bool block_keeps(pass_t *ps, const mesh_table_t *t, unsigned slice, uint32_t off, uint32_t size) {
  int32_t in = -1;
  uint32_t jin = 0;
  for (uint32_t j = off / OSP; j <= (off + size - 1) / OSP && j < SLICE_OSP; j++) {
    uint32_t os = slice * SLICE_OSP + j;
    if (t->host[os] != 0) return false;
    if (!((t->plan[slice] >> j) & 1)) continue;
    if (in >= 0) return false;
    in = t->plan_cand[os], jin = j;
  }
  if (in < 0) return true;
  cand_t *c = &ps->c[in], *h = &ps->c[c->host];
  if (c->live == 0 || h->members < 2) return false; /* purged, or alone (not meshed) */
  uint64_t m[UNITS / 64];
  block_units(off, size, jin, m);
  if (masks_collide(m, h->uni) || masks_collide(m, h->uclaim)) return false;
  for (unsigned w = 0; w < UNITS / 64; w++) h->uclaim[w] |= m[w], c->claim[w] |= m[w];
  return true;
}

/* Before a pass meshes OS pages of `page` (the plan), while the links of
 * its free blocks are intact: withhold the free blocks that lie in them
 * (unless block_keeps lets them claim their bytes of the shared page),
 * relink the others in address order.  An OS page the kernel then
 * refuses to mesh keeps its own memory; its withheld blocks only wait for
 * the unmesh. */
static void page_withhold(pass_t *ps, page_t *page, mesh_table_t *t, unsigned slice) {
  uint64_t fb[PAGE_BLOCK_WORDS];
  if (!free_map(page, t, slice, fb, false)) brisk_page_list_damaged(page->free);
  uint8_t *area = page_area(page);
  uint32_t bs = page->block_size, added = 0;
  page->free = NULL;
  for (uint32_t k = page->capacity; k-- > 0;) {
    if (!bit_get(fb, k)) continue;
    if (!block_keeps(ps, t, slice, k * bs, bs)) {
      bit_set(t->withheld[slice], k);
      added++;
    } else {
      block_push(&page->free, (block_t *)(area + (size_t)k * bs));
    }
  }
  page->used += added;
  t->withheld_count[slice] = (uint16_t)(t->withheld_count[slice] + added);
  t->seen_used[slice] = (uint16_t)((page->used + 1) | SEEN_DONE);
  if (!(page->flags & PAGE_MESHED)) ps->heap->mesh_pages[page->bin]++;
  page_set_flags(page, page->flags | PAGE_MESHED);
}

/* Debug-full: a block of the page's list in an OS page this pass planned
 * lies in the units it claimed there. */
static void plan_check(const pass_t *ps, const page_t *page, const mesh_table_t *t, unsigned slice) {
  for (const block_t *b = page->free; b != NULL; b = block_next(b)) {
    uint32_t off = (uint32_t)((const uint8_t *)b - page_area(page));
    for (uint32_t j = off / OSP; j <= (off + page->block_size - 1) / OSP; j++) {
      if (!((t->plan[slice] >> j) & 1)) continue;
      uint64_t m[UNITS / 64];
      block_units(off, page->block_size, j, m);
      const cand_t *c = &ps->c[t->plan_cand[slice * SLICE_OSP + j]];
      for (unsigned w = 0; w < UNITS / 64; w++)
        if ((m[w] & c->claim[w]) != m[w]) brisk_output_fatal("mesh: a listed block in an OS page just meshed", b);
    }
  }
}

/* One pass over heap's pages; returns the OS pages meshed or purged.
 * *pending: some page was seen sparse for the first time (the next pass
 * should come soon). */
static uint32_t mesh_pass(heap_t *heap, bool *pending) {
  size_t cand_bytes = (size_t)CANDS_MAX * sizeof(cand_t);
  size_t bytes = cand_bytes + (size_t)CANDS_MAX * 2 * sizeof(int32_t) + OSP;
  uint8_t *scratch = brisk_os_map_untracked(bytes);
  if (scratch == NULL) return 0;
  pass_t ps = {.heap = heap,
               .c = (cand_t *)scratch,
               .open = (int32_t *)(scratch + cand_bytes),
               .buf = scratch + cand_bytes + (size_t)CANDS_MAX * 2 * sizeof(int32_t),
               .rng = brisk_os_now_ns() | 1};
  int32_t *order = ps.open + CANDS_MAX;
  ADD(M.passes, 1);
  bool room = true;
  uint32_t new_segs = 0; /* segments this pass may add to the registry */
  for (segment_t *seg = heap->segments; seg != NULL && room; seg = seg->next) {
    mesh_table_t *t = table_of(seg);
    if (t->meshed == 0 && M.nsegs + new_segs++ >= SEGS_MAX) continue;
    for (unsigned i = 1; i < BRISK_SLICES_PER_SEGMENT && room; i += seg->pages[i].slice_count)
      if (page_wanted(&seg->pages[i], t, i, pending)) room = collect_page(&ps, seg, t, i);
  }
  group_candidates(&ps, order);
  /* the plan: purged pages, and groups while the mapping budget lasts
   * (about one mapping each where most OS pages mesh; mesh_group counts
   * what they cost and stops at the limit: an OS page planned but not
   * meshed then only withholds its free blocks until its page idles) */
  long budget = __atomic_load_n(&M.budget, __ATOMIC_RELAXED);
  for (uint32_t i = 0; i < ps.n; i++) {
    cand_t *c = &ps.c[i];
    if (c->live != 0 && c->members < 2) continue; /* a member of another group, or alone */
    if (c->live != 0 && (budget -= (long)c->members) < 0) {
      c->members = 1; /* not this time */
      continue;
    }
    for (int32_t m = (int32_t)i; m >= 0; m = ps.c[m].next) {
      cand_t *x = &ps.c[m];
      mesh_table_t *t = table_of(x->seg);
      t->plan[x->os / SLICE_OSP] |= (uint16_t)(1u << (x->os % SLICE_OSP));
      t->plan_cand[x->os] = m;
      t->changed |= (uint64_t)1 << (x->os / SLICE_OSP);
    }
  }
  for (segment_t *seg = heap->segments; seg != NULL; seg = seg->next) {
    mesh_table_t *t = table_of(seg);
    for (uint64_t m = t->changed; m != 0; m &= m - 1) {
      unsigned slice = (unsigned)__builtin_ctzll(m);
      page_withhold(&ps, &seg->pages[slice], t, slice);
    }
  }
  uint32_t done = 0;
  for (uint32_t i = 0; i < ps.n; i++) {
    cand_t *c = &ps.c[i];
    if (c->live == 0) done += mesh_zero(c);
    else if (c->members >= 2) done += mesh_group(&ps, (int32_t)i);
  }
  for (segment_t *seg = heap->segments; seg != NULL; seg = seg->next) {
    mesh_table_t *t = table_of(seg);
    for (uint64_t m = t->changed; m != 0; m &= m - 1) {
      unsigned slice = (unsigned)__builtin_ctzll(m);
      if (BRISK_DEBUG_FULL) plan_check(&ps, &seg->pages[slice], t, slice);
      t->plan[slice] = 0;
    }
    t->changed = 0;
  }
  brisk_os_unmap_untracked(scratch, bytes);
  return done;
}

/* Whether the process has one thread now.  A "no" is remembered for
 * 10 ms (asking costs a read of /proc); a "yes" never is: a thread may
 * start the next moment. */
static bool single_thread(void) {
  static uint64_t many_until_ms;
  uint64_t now = brisk_os_now_ms();
  if (now < __atomic_load_n(&many_until_ms, __ATOMIC_RELAXED)) return false;
  if (brisk_os_thread_count() == 1) return true;
  __atomic_store_n(&many_until_ms, now + PERIOD_MIN_MS, __ATOMIC_RELAXED);
  return false;
}

void brisk_mesh_tick(heap_t *heap) {
  if (heap->kind != HEAP_THREAD || heap->source != &brisk_source_os) return;
  uint64_t now = brisk_os_now_ms();
  uint64_t since = now - heap->mesh_last_ms;
  /* a burst of frees (counted where the build counts every free) is worth
   * a pass after the shortest wait, whatever the backoff says */
  bool burst = heap->stats.freed_bytes - heap->mesh_freed >= BURST_BYTES;
  if (since < (burst ? PERIOD_MIN_MS : heap->mesh_period_ms)) return;
  uint32_t done = 0;
  bool pending = false;
  /* a write by another thread between the copy and the remap would be
   * lost: one thread only, and no signal handler in between */
  if (single_thread() && file_ready()) {
    uint64_t mask = brisk_os_signals_block();
    done = mesh_pass(heap, &pending);
    brisk_os_signals_restore(mask);
  }
  uint32_t period = heap->mesh_period_ms * 2;
  heap->mesh_period_ms = done > 0 || pending || period < PERIOD_MIN_MS ? PERIOD_MIN_MS
                         : period > PERIOD_MAX_MS                     ? PERIOD_MAX_MS
                                                                      : period;
  heap->mesh_last_ms = now;
  heap->mesh_freed = heap->stats.freed_bytes;
}

/* ------------------------------------------------------------ unmeshing */

/* OS page os of t's segment maps the file no more (or was purged): its
 * entry goes, the mapping budget gets back what it cost, its file page
 * loses a reference (and goes back with the last). */
static void entry_drop(mesh_table_t *t, uint32_t os) {
  uint32_t e = t->host[os];
  t->host[os] = 0;
  ADD(M.meshed_pages, (uint64_t)-1);
  if (e == MESH_ZERO) {
    ADD(M.zero_pages, (uint64_t)-1);
    return;
  }
  __atomic_fetch_add(&M.budget, maps_cost(t, os), __ATOMIC_RELAXED);
  if (__atomic_sub_fetch(&M.refs[e - 1], 1, __ATOMIC_RELAXED) == 0) file_page_put(e - 1);
}

/* The page's OS pages are all its own again: forget its withheld blocks
 * (used drops by their count) and what the passes saw of it. */
static void page_unwithhold(page_t *page, mesh_table_t *t, unsigned slice, uint32_t dropped) {
  if (dropped != 0) table_sub(t, dropped);
  memset(t->withheld[slice], 0, sizeof t->withheld[slice]);
  page->used -= t->withheld_count[slice];
  t->withheld_count[slice] = 0;
  t->seen_used[slice] = 0;
}

void brisk_mesh_unmesh_page(page_t *page, bool relink) {
  segment_t *seg = segment_of_page(page);
  mesh_table_t *t = table_of(seg);
  unsigned slice = slice_of(page);
  uint8_t *area = page_area(page);
  /* The page holds no live block: its meshed bytes are other pages'.  One
   * that is retired gets fresh memory for the whole slice in one call;
   * one that is kept, for its meshed OS pages (the free blocks of the
   * others are on its list). */
  if (!relink && !brisk_os_map_anon_at(area, BRISK_SLICE_SIZE))
    brisk_output_fatal("brisk: mesh: the kernel refused to unmap a meshed page", area);
  uint32_t n = 0;
  for (unsigned j = 0; j < SLICE_OSP; j++) {
    uint32_t os = slice * SLICE_OSP + j;
    if (t->host[os] == 0) continue;
    if (relink && t->host[os] != MESH_ZERO && !brisk_os_map_anon_at(area + (size_t)j * OSP, OSP))
      brisk_output_fatal("brisk: mesh: the kernel refused to unmap a meshed page", area + (size_t)j * OSP);
    entry_drop(t, os);
    n++;
  }
  if (relink) {
    /* Every block is free; those freed since the mesh that lie in an OS
     * page just replaced lost their link: the whole list anew. */
    uint32_t bs = page->block_size;
    page->free = NULL;
    for (uint32_t k = page->capacity; k-- > 0;) {
      block_t *b = (block_t *)(area + (size_t)k * bs);
      block_mark_free(b);
      block_push(&page->free, b);
    }
  }
  page_unwithhold(page, t, slice, n);
}

/* ------------------------------------------------------------ reclaim */


/* A meshed page of `bin` worth taking back: the one with most withheld
 * blocks, if they are at least a quarter of it. */
static page_t *reclaim_choice(heap_t *heap, unsigned bin) {
  page_t *best = NULL;
  uint32_t most = 0;
  for (segment_t *seg = heap->segments; seg != NULL; seg = seg->next) {
    const mesh_table_t *t = table_of(seg);
    if (t->meshed == 0) continue;
    for (unsigned i = 1; i < BRISK_SLICES_PER_SEGMENT; i += seg->pages[i].slice_count) {
      page_t *page = &seg->pages[i];
      if (page->kind != SPAN_PAGE || page->bin != bin || !(page->flags & PAGE_MESHED)) continue;
      if (t->withheld_count[i] > most) most = t->withheld_count[i], best = page;
    }
  }
  return best != NULL && most * 4 >= best->capacity ? best : NULL;
}

page_t *brisk_mesh_reclaim(heap_t *heap, unsigned bin) {
  page_t *page = reclaim_choice(heap, bin);
  if (page == NULL || !single_thread()) return NULL; /* the copy would race with writes */
  segment_t *seg = segment_of_page(page);
  mesh_table_t *t = table_of(seg);
  unsigned slice = slice_of(page);
  uint8_t *area = page_area(page);
  uint64_t mask = brisk_os_signals_block();
  uint8_t *buf = M.page_buf; /* one thread, no signal: it is ours */
  uint32_t n = 0;
  bool whole = true;
  for (unsigned j = 0; j < SLICE_OSP; j++) {
    uint32_t os = slice * SLICE_OSP + j;
    if (t->host[os] == 0) continue;
    if (t->host[os] != MESH_ZERO) {
      /* its bytes, the page's live blocks among them, into memory of its own */
      uint8_t *v = area + (size_t)j * OSP;
      memcpy(buf, v, OSP);
      if (!brisk_os_map_anon_at(v, OSP)) { /* it stays meshed */
        whole = false;
        continue;
      }
      memcpy(v, buf, OSP);
    }
    entry_drop(t, os);
    n++;
  }
  brisk_os_signals_restore(mask);
  if (!whole) { /* a remap was refused: the page stays meshed, with what it has */
    if (n != 0) table_sub(t, n);
    return NULL;
  }
  /* every OS page is its own again: the withheld blocks serve again */
  const uint64_t *w = t->withheld[slice];
  uint32_t bs = page->block_size;
  for (uint32_t i = 0; i < PAGE_BLOCK_WORDS; i++)
    for (uint64_t m = w[i]; m != 0; m &= m - 1) {
      block_t *b = (block_t *)(area + (size_t)(i * 64 + (uint32_t)__builtin_ctzll(m)) * bs);
      block_mark_free(b);
      block_push(&page->free, b);
    }
  page_unwithhold(page, t, slice, n);
  heap->mesh_pages[bin]--;
  page_set_flags(page, page->flags & (uint8_t)~PAGE_MESHED);
  ADD(M.reclaimed, 1);
  return page;
}

/* ------------------------------------------------------------ checks */

bool brisk_mesh_page_ok(const page_t *page, const char **why) {
  const segment_t *seg = segment_of_page(page);
  const mesh_table_t *t = table_of(seg);
  unsigned slice = slice_of(page);
  uint32_t meshed = 0, held = 0;
  for (unsigned j = 0; j < SLICE_OSP; j++) meshed += t->host[slice * SLICE_OSP + j] != 0;
  for (unsigned i = 0; i < PAGE_BLOCK_WORDS; i++) held += (uint32_t)__builtin_popcountll(t->withheld[slice][i]);
  *why = NULL;
  if (held != t->withheld_count[slice]) *why = "withheld blocks counted";
  else if (!(page->flags & PAGE_MESHED) && (meshed != 0 || held != 0)) *why = "PAGE_MESHED iff meshed or withheld";
  else if (held > page->used) *why = "withheld blocks are counted used";
  for (const block_t *b = page->free; *why == NULL && b != NULL; b = block_next(b)) {
    uint32_t off = (uint32_t)((const uint8_t *)b - page_area(page));
    if (bit_get(t->withheld[slice], off / page->block_size)) *why = "no withheld block on the free list";
  }
  return *why == NULL;
}

/* ------------------------------------------------------------ fork */

void brisk_mesh_atfork_prepare(void) {
  fork_copy = NULL;
  if (__atomic_load_n(&M.fd, __ATOMIC_RELAXED) < 0) return;
  size_t len = (size_t)__atomic_load_n(&M.bump, __ATOMIC_RELAXED) * OSP;
  if (len == 0) return;
  void *copy = brisk_os_map_untracked(len);
  if (copy == NULL) return;
  if (!brisk_os_file_read(M.fd, copy, len, 0)) {
    brisk_os_unmap_untracked(copy, len);
    return;
  }
  fork_copy = copy;
  fork_len = len;
}

void brisk_mesh_atfork_parent(void) {
  if (fork_copy != NULL) brisk_os_unmap_untracked(fork_copy, fork_len);
  fork_copy = NULL;
}

/* The child shares the parent's memory file: until it has a file of its
 * own, a write to a meshed block would show in the parent.  Its file gets
 * the prepare handler's copy (or, when that failed, what the parent's
 * file holds now); every meshed OS page of the registry is mapped onto it.
 * The lock may have been held by a thread that no longer exists. */
void brisk_mesh_atfork_child(void) {
  M.lock = 0;
  if (M.fd < 0) return;
  int fd = brisk_os_memfd((size_t)FILE_PAGES_MAX * OSP);
  if (fd < 0) brisk_output_fatal("brisk: mesh: no memory file for the fork child", NULL);
  uint32_t bump = M.bump;
  uint8_t *page = M.page_buf; /* the child has one thread */
  for (uint32_t f = 0; f < bump; f++) {
    if (__atomic_load_n(&M.refs[f], __ATOMIC_RELAXED) == 0) continue;
    const uint8_t *src = page;
    if (fork_copy != NULL && (size_t)(f + 1) * OSP <= fork_len)
      src = (const uint8_t *)fork_copy + (size_t)f * OSP;
    else if (!brisk_os_file_read(M.fd, page, OSP, (uint64_t)f * OSP))
      brisk_output_fatal("brisk: mesh: the fork child could not read a meshed page", NULL);
    if (!brisk_os_file_write(fd, src, OSP, (uint64_t)f * OSP))
      brisk_output_fatal("brisk: mesh: the fork child could not copy a meshed page", NULL);
  }
  for (uint32_t s = 0; s < M.nsegs; s++) {
    segment_t *seg = M.segs[s];
    const mesh_table_t *t = table_of(seg);
    for (uint32_t os = 0; os < SEG_OSP; os++) {
      uint32_t e = t->host[os];
      if (e == 0 || e == MESH_ZERO) continue;
      if (!brisk_os_map_file_at((uint8_t *)seg + (size_t)os * OSP, OSP, fd, (uint64_t)(e - 1) * OSP))
        brisk_output_fatal("brisk: mesh: the fork child could not map a meshed page", (uint8_t *)seg + (size_t)os * OSP);
    }
  }
  brisk_os_close(M.fd);
  M.fd = fd;
  if (fork_copy != NULL) brisk_os_unmap_untracked(fork_copy, fork_len);
  fork_copy = NULL;
  /* pages given back are found again from the counts */
  M.free_top = 0;
  for (uint32_t f = bump; f-- > 0;)
    if (__atomic_load_n(&M.refs[f], __ATOMIC_RELAXED) == 0) M.free_pages[M.free_top++] = f;
}
