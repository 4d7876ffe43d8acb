/* SPDX-License-Identifier: MIT */
/* core/segmap.c — the map from an address to the segment or huge block that
 * owns its 4 MiB region.
 *
 * Two levels: a static top table indexed by address bits 34..46 and leaves
 * of 4096 entries (32 KiB, mapped on first use, never freed) indexed by
 * bits 22..33 (core/segmap.h has the entry format and the invariant).
 * All brisk mappings start on a 4 MiB boundary and end below
 * 2^BRISK_ADDRESS_BITS (os/os_linux.c refuses any other); readers still
 * check that a segment entry equals (addr & ~mask) | SEGMAP_SEGMENT.
 *
 * Thread-safety: lock-free.  Leaves are published with a CAS; entries are
 * written only by the thread that maps/unmaps the region.
 */
#include <errno.h>

#include "core/segmap.h"
#include "os/os.h"

_Atomic(uintptr_t *) brisk_segmap_top[1u << BRISK_SEGMAP_TOP_BITS];
_Atomic uint8_t brisk_segmap_bytes[1u << BRISK_REGION_BITS];

/* Mark (or unmark) the region of segment `seg` in the fast-path byte map.
 * Set after the segmap entry, cleared before it, so a set byte always
 * means a mapped segment.  Each byte has one writer at a time (the thread
 * mapping or unmapping the region): plain release stores. */
void brisk_segmap_bits_set(uintptr_t seg, bool on) {
  uintptr_t region = seg >> BRISK_SEGMENT_SHIFT;
  if (region >= ((uintptr_t)1 << BRISK_REGION_BITS)) return;
  atomic_store_explicit(&brisk_segmap_bytes[region], on ? 1 : 0, memory_order_release);
}

#define LEAF_ENTRIES (1u << BRISK_SEGMAP_LEAF_BITS)
#define TOP_SHIFT (BRISK_SEGMENT_SHIFT + BRISK_SEGMAP_LEAF_BITS)

uintptr_t brisk_segmap_get(uintptr_t addr) { return segmap_get_inline(addr); }

/* Leaf covering addr, mapped if absent.  NULL when out of memory. */
static uintptr_t *leaf_for(uintptr_t addr) {
  _Atomic(uintptr_t *) *slot = &brisk_segmap_top[addr >> TOP_SHIFT];
  uintptr_t *leaf = atomic_load_explicit(slot, memory_order_acquire);
  if (leaf != NULL) return leaf;
  size_t bytes = LEAF_ENTRIES * sizeof(uintptr_t);
  uintptr_t *fresh = brisk_os_map_aligned(bytes, BRISK_OS_PAGE);
  if (fresh == NULL) return NULL;
  uintptr_t *expected = NULL;
  if (atomic_compare_exchange_strong_explicit(slot, &expected, fresh, memory_order_acq_rel,
                                              memory_order_acquire))
    return fresh;
  brisk_os_unmap(fresh, bytes); /* another thread won the race */
  return expected;
}

/* Set the entries of every region of [start, start+size) to value.
 * Returns 0, or ENOMEM if a leaf could not be mapped (entries set so far
 * are cleared again). */
int brisk_segmap_set(uintptr_t start, size_t size, uintptr_t value) {
  uintptr_t end = start + size;
  brisk_assert((end >> BRISK_ADDRESS_BITS) == 0);
  for (uintptr_t a = start & ~(uintptr_t)BRISK_SEGMENT_MASK; a < end; a += BRISK_SEGMENT_SIZE) {
    uintptr_t *leaf = leaf_for(a);
    if (leaf == NULL) {
      if (a > start) brisk_segmap_clear(start, a - start);
      return ENOMEM;
    }
    __atomic_store_n(&leaf[(a >> BRISK_SEGMENT_SHIFT) & (LEAF_ENTRIES - 1)], value,
                     __ATOMIC_RELEASE);
  }
  return 0;
}

/* Clear the entries of every region of [start, start+size). */
void brisk_segmap_clear(uintptr_t start, size_t size) {
  uintptr_t end = start + size;
  for (uintptr_t a = start & ~(uintptr_t)BRISK_SEGMENT_MASK; a < end; a += BRISK_SEGMENT_SIZE) {
    uintptr_t *leaf = atomic_load_explicit(&brisk_segmap_top[a >> TOP_SHIFT],
                                           memory_order_acquire);
    if (leaf != NULL)
      __atomic_store_n(&leaf[(a >> BRISK_SEGMENT_SHIFT) & (LEAF_ENTRIES - 1)], 0,
                       __ATOMIC_RELEASE);
  }
}
