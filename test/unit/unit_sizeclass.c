/* SPDX-License-Identifier: MIT */
/* unit_sizeclass — the size-class table and every map onto it.
 *
 * For every size up to BRISK_CLASS_MAX: brisk_sizeclass_bin() gives the smallest
 * class that fits; the direct table agrees for sizes <= BRISK_SMALL_MAX;
 * rounding waste stays <= 25% above 128 bytes; classes are multiples of 16.
 * The division-free block index and block-start test agree with / and %
 * for every offset of every page geometry.  Page geometry: at least 4
 * blocks per page, at most 4096 (page_t.reserved is 16 bits).
 */
#include "unit.h"

int main(void) {
  for (unsigned b = 1; b < BRISK_BIN_COUNT; b++) {
    UCHECK(brisk_sizeclass_size[b] % 16 == 0, "bin %u size %u", b, brisk_sizeclass_size[b]);
    UCHECK(b == 1 || brisk_sizeclass_size[b] > brisk_sizeclass_size[b - 1], "bin %u not increasing", b);
  }
  UCHECK(brisk_sizeclass_size[BRISK_BIN_COUNT - 1] == BRISK_CLASS_MAX, "last class %u",
         brisk_sizeclass_size[BRISK_BIN_COUNT - 1]);
  for (size_t s = 0; s <= BRISK_CLASS_MAX; s++) {
    unsigned b = brisk_sizeclass_bin(s);
    UCHECK(b >= 1 && b < BRISK_BIN_COUNT, "size %zu -> bin %u", s, b);
    UCHECK(brisk_sizeclass_size[b] >= s, "size %zu -> bin %u of %u bytes", s, b, brisk_sizeclass_size[b]);
    UCHECK(b == 1 || brisk_sizeclass_size[b - 1] < s, "size %zu: bin %u is not the smallest", s, b);
    if (s > 128)
      UCHECK(brisk_sizeclass_size[b] - s <= s / 4 + 1, "size %zu wastes %zu", s, brisk_sizeclass_size[b] - s);
    if (s <= BRISK_SMALL_MAX)
      UCHECK(brisk_sizeclass_direct[(s + 15) >> 4] == b, "direct table: size %zu -> %u, want %u", s,
             brisk_sizeclass_direct[(s + 15) >> 4], b);
  }
  for (unsigned b = 1; b < BRISK_BIN_COUNT; b++) {
    uint32_t bs = brisk_sizeclass_size[b];
    unsigned slices = brisk_sizeclass_slices(b);
    size_t area = (size_t)slices << BRISK_SLICE_SHIFT;
    UCHECK(slices >= 1 && slices <= BRISK_USABLE_SLICES, "bin %u: %u slices", b, slices);
    UCHECK(area / bs >= 4 && area / bs <= 4096, "bin %u: %zu blocks per page", b, area / bs);
    for (uint32_t off = 0; off < area; off += (off < 70000 ? 1 : 13)) {
      UCHECK(bin_block_index(b, off) == off / bs, "bin %u off %u: index %u", b, off,
             bin_block_index(b, off));
      UCHECK(bin_is_block_start(b, off) == (off % bs == 0), "bin %u off %u: start test", b, off);
    }
  }
  puts("sizeclass ok");
  return 0;
}
