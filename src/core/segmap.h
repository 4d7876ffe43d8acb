/* SPDX-License-Identifier: MIT */
/* core/segmap.h — address -> owning segment or huge mapping, lock-free.
 *
 * Two structures (core/segmap.c): a byte map with one byte per 4 MiB
 * region (1 while the region holds a mapped brisk segment; the free fast
 * path tests it: 32 MiB of .bss, of which only the pages covering mapped
 * regions are ever touched — one 4 KiB page per 16 GiB of address space),
 * and a two-level map whose entries hold segment_t* | 2 or
 * huge_t* | 1 (0: not brisk's).  Both cover addresses below
 * 2^BRISK_ADDRESS_BITS; the OS seam never returns a mapping above that.
 * Invariant: every region of every live brisk mapping has its entry set,
 * and no two live mappings share a region.
 */
#ifndef BRISK_CORE_SEGMAP_H
#define BRISK_CORE_SEGMAP_H

#include "core/types.h"

#define BRISK_REGION_BITS (BRISK_ADDRESS_BITS - BRISK_SEGMENT_SHIFT)
#define BRISK_SEGMAP_LEAF_BITS 12
#define BRISK_SEGMAP_TOP_BITS (BRISK_REGION_BITS - BRISK_SEGMAP_LEAF_BITS)
_Static_assert(BRISK_REGION_BITS == 25, "the byte map is 32 MiB of .bss");

#define SEGMAP_HUGE 1u    /* entry tag: huge_t header */
#define SEGMAP_SEGMENT 2u /* entry tag: segment_t */
#define SEGMAP_PTR(e) ((e) & ~(uintptr_t)3)

extern _Atomic uint8_t brisk_segmap_bytes[1u << BRISK_REGION_BITS] __attribute__((visibility("hidden")));
extern _Atomic(uintptr_t *) brisk_segmap_top[1u << BRISK_SEGMAP_TOP_BITS];

/* Whether addr lies in a mapped brisk segment (one byte test).  A relaxed
 * load; outside TSan a plain one, which the compiler folds into a compare
 * with memory (one instruction less on every free). */
static ALWAYS_INLINE bool segbits_test(uintptr_t addr) {
  uintptr_t region = addr >> BRISK_SEGMENT_SHIFT;
  if (unlikely(region >= ((uintptr_t)1 << BRISK_REGION_BITS))) return false;
#if defined(__SANITIZE_THREAD__)
  return atomic_load_explicit(&brisk_segmap_bytes[region], memory_order_relaxed) != 0;
#else
  return ((const uint8_t *)brisk_segmap_bytes)[region] != 0;
#endif
}

/* The map entry of addr's region (0 for addresses outside the map). */
static ALWAYS_INLINE uintptr_t segmap_get_inline(uintptr_t addr) {
  if (unlikely((addr >> BRISK_ADDRESS_BITS) != 0)) return 0;
  uintptr_t *leaf = atomic_load_explicit(
      &brisk_segmap_top[addr >> (BRISK_SEGMENT_SHIFT + BRISK_SEGMAP_LEAF_BITS)],
      memory_order_acquire);
  if (leaf == NULL) return 0;
  return __atomic_load_n(&leaf[(addr >> BRISK_SEGMENT_SHIFT) & ((1u << BRISK_SEGMAP_LEAF_BITS) - 1)],
                         __ATOMIC_RELAXED);
}

uintptr_t brisk_segmap_get(uintptr_t addr);
/* Set every region of [start, start+size) to value: 0, or ENOMEM when a
 * leaf could not be mapped (nothing set then). */
int brisk_segmap_set(uintptr_t start, size_t size, uintptr_t value);
void brisk_segmap_clear(uintptr_t start, size_t size);
/* Set (after the map entry) or clear (before it) seg's byte-map byte. */
void brisk_segmap_bits_set(uintptr_t seg, bool on);

#endif
