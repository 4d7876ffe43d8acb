/* SPDX-License-Identifier: MIT */
/* core/sizeclass.h — size classes ("bins") and the size -> bin maps.
 * Immutable tables (core/sizeclass.c), safe from the loader's first malloc. */
#ifndef BRISK_CORE_SIZECLASS_H
#define BRISK_CORE_SIZECLASS_H

#include "core/types.h"

extern const uint8_t brisk_sizeclass_direct[BRISK_DIRECT_SLOTS];
extern const uint32_t brisk_sizeclass_size[BRISK_BIN_COUNT];
extern const uint64_t brisk_sizeclass_magic[BRISK_BIN_COUNT];

/* Index of the block containing byte offset `off` of a page of `bin`. */
static inline uint32_t bin_block_index(unsigned bin, uint32_t off) {
  return (uint32_t)(((unsigned __int128)brisk_sizeclass_magic[bin] * off) >> 64);
}
/* Whether offset `off` is the start of a block of `bin`. */
static inline bool bin_is_block_start(unsigned bin, uint32_t off) {
  return (uint64_t)(brisk_sizeclass_magic[bin] * (uint64_t)off) < brisk_sizeclass_magic[bin];
}
/* Bin of a request of `size` bytes, BRISK_SMALL_MAX < size <=
 * BRISK_CLASS_MAX: four classes per power of two (the malloc fast path
 * of medium sizes inlines it). */
static inline unsigned sizeclass_bin_medium(size_t size) {
  unsigned e = 63u - (unsigned)__builtin_clzll((unsigned long long)(size - 1));
  unsigned k = (unsigned)(((size - 1) - ((size_t)1 << e)) >> (e - 2)) + 1;
  return 8 + (e - 7) * 4 + k;
}
/* Bin of a request of `size` bytes, 0 < size <= BRISK_CLASS_MAX (0 maps
 * to bin 1; in line for the slow paths that run often). */
static inline unsigned sizeclass_bin(size_t size) {
  if (size <= 128) return size <= 16 ? 1 : (unsigned)((size + 15) >> 4);
  return sizeclass_bin_medium(size); /* (its formula holds from 129 bytes) */
}
/* sizeclass_bin, as a call. */
unsigned brisk_sizeclass_bin(size_t size);
/* Slices (64 KiB) per page of `bin`. */
unsigned brisk_sizeclass_slices(unsigned bin);

#endif
