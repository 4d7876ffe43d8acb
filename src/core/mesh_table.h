/* SPDX-License-Identifier: MIT */
/* core/mesh_table.h — what the two halves of meshing share (private to
 * core/mesh.c, which owns the state, the memory file, the registry,
 * unmeshing, reclaim and fork, and core/mesh_pass.c, the pass that
 * meshes): the constants, the per-segment mesh table (its invariants are
 * in core/mesh.c), the process-wide state, and the helpers core/mesh.c
 * defines for the pass.
 * Threading: as core/mesh.h says (the pass and reclaim run only while the
 * process has one thread; the file's free stack and the registry are
 * guarded by a spin lock held for a few stores). */
#ifndef BRISK_CORE_MESH_TABLE_H
#define BRISK_CORE_MESH_TABLE_H

#include "core/segment.h"

#define OSP BRISK_OS_PAGE
#define SLICE_OSP (BRISK_SLICE_SIZE / OSP)            /* 16 OS pages per slice */
#define SEG_OSP (BRISK_SEGMENT_SIZE / OSP)            /* 1024 per segment */
#define PAGE_BLOCK_WORDS (BRISK_SLICE_SIZE / 16 / 64) /* bitmap words: <= 4096 blocks */
#define MESH_ZERO UINT32_MAX
#define SEGS_MAX 8192                      /* segments with meshed pages (32 GiB) */
#define PERIOD_MIN_MS 10                   /* passes' shortest wait; a "many threads" is remembered as long */
#define MESH_TABLE_OFFSET 16384
#define SEEN_DONE 0x8000 /* seen_used: a pass took the page's candidates (used < 2^15) */

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

static inline mesh_table_t *mesh_table_of(const segment_t *seg) {
  return (mesh_table_t *)((uintptr_t)seg + MESH_TABLE_OFFSET);
}

/* The process's meshing state (core/mesh.c). */
typedef struct mesh_state_s {
  int fd;      /* the memory file; -1 until the first pass */
  bool off;    /* it (or a table) could not be made: no more passes */
  spinlock_t lock; /* free_pages, registry */
  uint16_t *refs;        /* per file page: OS pages mapped onto it (relaxed atomics) */
  uint32_t *free_pages;  /* stack of file pages given back */
  uint32_t free_top;
  uint32_t bump;         /* file pages ever used (the high-water mark) */
  segment_t **segs;      /* registry: segments with meshed > 0 */
  uint32_t nsegs;
  long budget;           /* mappings (VMAs) meshing may still add */
  uint64_t passes, meshed_pages, zero_pages, file_pages, reclaimed; /* relaxed atomics */
  uint8_t page_buf[OSP]; /* a page's bytes in transit (one thread, signals blocked) */
} mesh_state_t;
extern mesh_state_t brisk_mesh_state __attribute__((visibility("hidden")));
#define MESH_ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)

static inline bool mesh_bit_get(const uint64_t *w, uint32_t k) { return (w[k >> 6] >> (k & 63)) & 1; }
static inline void mesh_bit_set(uint64_t *w, uint32_t k) { w[k >> 6] |= (uint64_t)1 << (k & 63); }

/* Defined in core/mesh.c, for the pass. */
/* The memory file and its tables exist (made at the first call); false
 * when they cannot be made (meshing stays off). */
bool brisk_mesh_file_ready(void);
/* A file page to fill, or UINT32_MAX when the file is used up. */
uint32_t brisk_mesh_file_page_get(void);
/* File page f is mapped nowhere: its memory and its slot go back. */
void brisk_mesh_file_page_put(uint32_t f);
/* Mappings that mapping OS page os of t's segment onto the file adds. */
long brisk_mesh_maps_cost(const mesh_table_t *t, uint32_t os);
/* n more OS pages of seg (table t) are meshed: onto the registry with the first. */
void brisk_mesh_table_add(segment_t *seg, mesh_table_t *t, uint32_t n);
/* Whether the process has one thread now (a "no" is remembered 10 ms). */
bool brisk_mesh_single_thread(void);

#endif
