/* SPDX-License-Identifier: MIT */
/* core/mesh_pass.c — the meshing pass (core/mesh.h has the model, core/mesh.c
 * the invariants of the tables it fills): on the owner's housekeeping
 * tick, while the process has one thread, it finds the settled, sparsely
 * used OS pages of the heap's pages, groups those whose live bytes do not
 * collide (first fit, densest first), writes each group's live bytes to
 * one page of the memory file and maps every member onto it, withholding
 * the free blocks whose bytes another member uses; OS pages without a
 * live byte are purged.
 */
#include "core/mesh_pass.h"

#include "core/mesh_table.h"

#include <string.h>

#include "core/block.h"
#include "core/pageflags.h"
#include "core/source.h"
#include "observe/event.h"
#include "observe/output.h"
#include "os/os.h"

#define M brisk_mesh_state /* the process's meshing state (core/mesh_table.h) */

#define UNITS (OSP / 16)                /* 16-byte units per OS page */
#define CANDS_MAX 65536                 /* OS pages one pass considers */
#define PROBES 256                      /* open groups a candidate tries */
#define GROUP_MAX 16                    /* OS pages per file page */
#define PERIOD_MAX_MS 1000              /* the longest wait between passes */
#define BURST_BYTES ((uint64_t)1 << 20) /* freed since the last pass: one is due */

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
    mesh_bit_set(fb, (uint32_t)((const uint8_t *)b - area) / page->block_size);
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
    if (mesh_bit_get(fb, k)) continue;
    uint32_t s = k * bs < lo ? 0 : k * bs - lo;
    uint32_t e = (k + 1) * bs > hi ? OSP : (k + 1) * bs - lo;
    for (uint32_t u = s / 16; u < e / 16; u++) mesh_bit_set(mask, u);
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
  if ((atomic_load_explicit(&page->xfree, memory_order_relaxed) & ~(uintptr_t)3) != 0) return false;
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
  uint32_t f = brisk_mesh_file_page_get();
  if (f == UINT32_MAX) return 0;
  memset(ps->buf, 0, OSP);
  for (int32_t m = h; m >= 0; m = ps->c[m].next) compose(ps->buf, os_addr(&ps->c[m]), ps->c[m].mask, ps->c[m].claim);
  uint32_t mapped = 0;
  if (brisk_os_file_write(M.fd, ps->buf, OSP, (uint64_t)f * OSP)) {
    for (int32_t m = h; m >= 0; m = ps->c[m].next) {
      cand_t *c = &ps->c[m];
      mesh_table_t *t = mesh_table_of(c->seg);
      long cost = brisk_mesh_maps_cost(t, c->os);
      if (__atomic_load_n(&M.budget, __ATOMIC_RELAXED) < cost) break; /* the rest keep their pages */
      if (!brisk_os_map_file_at(os_addr(c), OSP, M.fd, (uint64_t)f * OSP)) break;
      __atomic_fetch_sub(&M.budget, cost, __ATOMIC_RELAXED);
      t->host[c->os] = f + 1;
      brisk_mesh_table_add(c->seg, t, 1);
      mapped++;
    }
  }
  if (mapped == 0) {
    brisk_mesh_file_page_put(f);
    return 0;
  }
  __atomic_store_n(&M.refs[f], (uint16_t)mapped, __ATOMIC_RELAXED);
  MESH_ADD(M.meshed_pages, mapped);
  return mapped;
}

/* An OS page without a live byte: purge it (it reads as zero after). */
static bool mesh_zero(cand_t *c) {
  mesh_table_t *t = mesh_table_of(c->seg);
  if (brisk_os_purge(os_addr(c), OSP) != OSP) return false;
  t->host[c->os] = MESH_ZERO;
  brisk_mesh_table_add(c->seg, t, 1);
  MESH_ADD(M.meshed_pages, 1);
  MESH_ADD(M.zero_pages, 1);
  return true;
}

/* Units of OS page j (of its slice) that [off, off + size) covers, in m. */
static void block_units(uint32_t off, uint32_t size, uint32_t j, uint64_t *m) {
  uint32_t lo = j * OSP, s = off > lo ? off - lo : 0, e = off + size - lo < OSP ? off + size - lo : OSP;
  memset(m, 0, UNITS / 8);
  for (uint32_t u = s / 16; u < e / 16; u++) mesh_bit_set(m, u);
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
    if (!mesh_bit_get(fb, k)) continue;
    if (!block_keeps(ps, t, slice, k * bs, bs)) {
      mesh_bit_set(t->withheld[slice], k);
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
  MESH_ADD(M.passes, 1);
  bool room = true;
  uint32_t new_segs = 0; /* segments this pass may add to the registry */
  for (segment_t *seg = heap->segments; seg != NULL && room; seg = seg->next) {
    mesh_table_t *t = mesh_table_of(seg);
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
      mesh_table_t *t = mesh_table_of(x->seg);
      t->plan[x->os / SLICE_OSP] |= (uint16_t)(1u << (x->os % SLICE_OSP));
      t->plan_cand[x->os] = m;
      t->changed |= (uint64_t)1 << (x->os / SLICE_OSP);
    }
  }
  for (segment_t *seg = heap->segments; seg != NULL; seg = seg->next) {
    mesh_table_t *t = mesh_table_of(seg);
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
    mesh_table_t *t = mesh_table_of(seg);
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

void brisk_mesh_pass_tick(heap_t *heap) {
  if (heap->kind != HEAP_THREAD || heap->source != &brisk_source_os) return;
  uint64_t now = brisk_os_now_ms();
  uint64_t since = now - heap->mesh_last_ms;
  /* a burst of frees (counted where the build counts every free) is worth
   * a pass after the shortest wait, whatever the backoff says */
  bool burst = event_freed_bytes(heap) - heap->mesh_freed >= BURST_BYTES;
  if (since < (burst ? PERIOD_MIN_MS : heap->mesh_period_ms)) return;
  uint32_t done = 0;
  bool pending = false;
  /* a write by another thread between the copy and the remap would be
   * lost: one thread only, and no signal handler in between */
  if (brisk_mesh_single_thread() && brisk_mesh_file_ready()) {
    uint64_t mask = brisk_os_signals_block();
    done = mesh_pass(heap, &pending);
    brisk_os_signals_restore(mask);
  }
  uint32_t period = heap->mesh_period_ms * 2;
  heap->mesh_period_ms = done > 0 || pending || period < PERIOD_MIN_MS ? PERIOD_MIN_MS
                         : period > PERIOD_MAX_MS                     ? PERIOD_MAX_MS
                                                                      : period;
  heap->mesh_last_ms = now;
  heap->mesh_freed = event_freed_bytes(heap);
}
