/* SPDX-License-Identifier: MIT */
/* core/mesh.c — meshing (core/mesh.h has the model and its scope).
 *
 * Owns: the process's meshing state, the memory file and its page
 * allocator, the registry of meshed segments, the queries of the
 * per-segment mesh tables (in the segment's first slice, past the header:
 * they cost no memory until a segment meshes; core/mesh_table.h), the
 * unmeshing of idle pages, reclaim, and the fork handlers that keep a
 * child's memory its own.  The pass that fills the tables — finds OS
 * pages whose live bytes do not collide and merges them — is
 * core/mesh_pass.c.
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

#include "core/mesh_table.h"

#include <string.h>

#include "core/block.h"
#include "core/options.h"
#include "core/pageflags.h"
#include "core/segment.h"
#include "core/source.h"
#include "observe/output.h"
#include "os/os.h"

#define M brisk_mesh_state /* the process's meshing state (core/mesh_table.h) */

#define FILE_PAGES_MAX ((uint32_t)1 << 22) /* 16 GiB of memory file */
#define MAPS_KEPT 8192 /* mappings left to the program below vm.max_map_count */

/* Supported builds: guard pages would fault the copy, zero checks expect
 * a free block to read as zero (withheld blocks are overwritten). */
#define MESH_SUPPORTED (!BRISK_GUARD_PAGES && !BRISK_ZERO_CHECK)

static inline unsigned mesh_slice_of(const page_t *page) {
  return (unsigned)(page - segment_of_page(page)->pages);
}

bool brisk_mesh_enabled;

mesh_state_t brisk_mesh_state = {.fd = -1};

/* The prepare handler's copy of the file's first fork_len bytes, for the
 * parent's and the child's handlers of the same fork: the forking
 * thread's (several threads may fork at once). */
static __thread void *fork_copy __attribute__((tls_model("initial-exec")));
static __thread size_t fork_len __attribute__((tls_model("initial-exec")));

static void lock(void) { spin_lock(&M.lock); }
static void unlock(void) { spin_unlock(&M.lock); }

void brisk_mesh_init(void) { brisk_mesh_enabled = MESH_SUPPORTED && brisk_options.mesh != 0; }

/* ------------------------------------------------------------ the file */

bool brisk_mesh_file_ready(void) {
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
uint32_t brisk_mesh_file_page_get(void) {
  lock();
  uint32_t f = M.free_top > 0 ? M.free_pages[--M.free_top] : M.bump < FILE_PAGES_MAX ? M.bump++ : UINT32_MAX;
  unlock();
  if (f != UINT32_MAX) MESH_ADD(M.file_pages, 1);
  return f;
}

/* File page f is mapped nowhere: its memory goes back (the hole reads as
 * zero), the page to the free stack. */
void brisk_mesh_file_page_put(uint32_t f) {
  brisk_os_file_punch(M.fd, (uint64_t)f * OSP, OSP);
  lock();
  M.free_pages[M.free_top++] = f;
  unlock();
  MESH_ADD(M.file_pages, (uint64_t)-1);
}

/* Mappings that mapping OS page os of t's segment onto the file adds (and
 * that giving it its own memory again removes): in the middle of the
 * segment's anonymous memory it splits a mapping in three, beside a
 * neighbour mapped onto the file one more, between two none.  (Two
 * neighbours on consecutive file pages may merge: then it costs less.) */
long brisk_mesh_maps_cost(const mesh_table_t *t, uint32_t os) {
  long cost = 2;
  if (os > 0 && t->host[os - 1] != 0 && t->host[os - 1] != MESH_ZERO) cost--;
  if (os + 1 < SEG_OSP && t->host[os + 1] != 0 && t->host[os + 1] != MESH_ZERO) cost--;
  return cost;
}

/* ------------------------------------------------------------ registry */

void brisk_mesh_table_add(segment_t *seg, mesh_table_t *t, uint32_t n) {
  if (t->meshed == 0) {
    lock();
    t->slot = M.nsegs;
    M.segs[M.nsegs++] = seg;
    unlock();
  }
  t->meshed += n;
}

static void mesh_table_sub(mesh_table_t *t, uint32_t n) {
  t->meshed -= n;
  if (t->meshed != 0) return;
  lock();
  segment_t *last = M.segs[--M.nsegs];
  M.segs[t->slot] = last;
  mesh_table_of(last)->slot = t->slot;
  unlock();
}

/* ------------------------------------------------------------ queries */

bool brisk_mesh_withheld(const page_t *page, const void *p) {
  const mesh_table_t *t = mesh_table_of(segment_of_page(page));
  uint32_t k = (uint32_t)((const uint8_t *)p - page_area(page)) / page->block_size;
  return (__atomic_load_n(&t->withheld[mesh_slice_of(page)][k >> 6], __ATOMIC_RELAXED) >> (k & 63)) & 1;
}

uint32_t brisk_mesh_withheld_count(const page_t *page) {
  return mesh_table_of(segment_of_page(page))->withheld_count[mesh_slice_of(page)];
}

void brisk_mesh_stats(mesh_stats_t *out) {
  out->passes = __atomic_load_n(&M.passes, __ATOMIC_RELAXED);
  out->meshed_pages = __atomic_load_n(&M.meshed_pages, __ATOMIC_RELAXED);
  out->zero_pages = __atomic_load_n(&M.zero_pages, __ATOMIC_RELAXED);
  out->file_pages = __atomic_load_n(&M.file_pages, __ATOMIC_RELAXED);
  out->reclaimed = __atomic_load_n(&M.reclaimed, __ATOMIC_RELAXED);
}

/* Whether the process has one thread now.  A "no" is remembered for
 * 10 ms (asking costs a read of /proc); a "yes" never is: a thread may
 * start the next moment. */
bool brisk_mesh_single_thread(void) {
  static uint64_t many_until_ms;
  uint64_t now = brisk_os_now_ms();
  if (now < __atomic_load_n(&many_until_ms, __ATOMIC_RELAXED)) return false;
  if (brisk_os_thread_count() == 1) return true;
  __atomic_store_n(&many_until_ms, now + PERIOD_MIN_MS, __ATOMIC_RELAXED);
  return false;
}

/* ------------------------------------------------------------ unmeshing */

/* OS page os of t's segment maps the file no more (or was purged): its
 * entry goes, the mapping budget gets back what it cost, its file page
 * loses a reference (and goes back with the last). */
static void entry_drop(mesh_table_t *t, uint32_t os) {
  uint32_t e = t->host[os];
  t->host[os] = 0;
  MESH_ADD(M.meshed_pages, (uint64_t)-1);
  if (e == MESH_ZERO) {
    MESH_ADD(M.zero_pages, (uint64_t)-1);
    return;
  }
  __atomic_fetch_add(&M.budget, brisk_mesh_maps_cost(t, os), __ATOMIC_RELAXED);
  if (__atomic_sub_fetch(&M.refs[e - 1], 1, __ATOMIC_RELAXED) == 0) brisk_mesh_file_page_put(e - 1);
}

/* The page's OS pages are all its own again: forget its withheld blocks
 * (used drops by their count) and what the passes saw of it. */
static void page_unwithhold(page_t *page, mesh_table_t *t, unsigned slice, uint32_t dropped) {
  if (dropped != 0) mesh_table_sub(t, dropped);
  memset(t->withheld[slice], 0, sizeof t->withheld[slice]);
  page->used -= t->withheld_count[slice];
  t->withheld_count[slice] = 0;
  t->seen_used[slice] = 0;
}

void brisk_mesh_unmesh_page(page_t *page, bool relink) {
  segment_t *seg = segment_of_page(page);
  mesh_table_t *t = mesh_table_of(seg);
  unsigned slice = mesh_slice_of(page);
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
    const mesh_table_t *t = mesh_table_of(seg);
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
  if (page == NULL || !brisk_mesh_single_thread()) return NULL; /* the copy would race with writes */
  segment_t *seg = segment_of_page(page);
  mesh_table_t *t = mesh_table_of(seg);
  unsigned slice = mesh_slice_of(page);
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
    if (n != 0) mesh_table_sub(t, n);
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
  MESH_ADD(M.reclaimed, 1);
  return page;
}

/* ------------------------------------------------------------ checks */

bool brisk_mesh_page_ok(const page_t *page, const char **why) {
  const segment_t *seg = segment_of_page(page);
  const mesh_table_t *t = mesh_table_of(seg);
  unsigned slice = mesh_slice_of(page);
  uint32_t meshed = 0, held = 0;
  for (unsigned j = 0; j < SLICE_OSP; j++) meshed += t->host[slice * SLICE_OSP + j] != 0;
  for (unsigned i = 0; i < PAGE_BLOCK_WORDS; i++) held += (uint32_t)__builtin_popcountll(t->withheld[slice][i]);
  *why = NULL;
  if (held != t->withheld_count[slice]) *why = "withheld blocks counted";
  else if (!(page->flags & PAGE_MESHED) && (meshed != 0 || held != 0)) *why = "PAGE_MESHED iff meshed or withheld";
  else if (held > page->used) *why = "withheld blocks are counted used";
  for (const block_t *b = page->free; *why == NULL && b != NULL; b = block_next(b)) {
    uint32_t off = (uint32_t)((const uint8_t *)b - page_area(page));
    if (mesh_bit_get(t->withheld[slice], off / page->block_size)) *why = "no withheld block on the free list";
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
  spin_init(&M.lock);
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
    const mesh_table_t *t = mesh_table_of(seg);
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
