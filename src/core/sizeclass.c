/* SPDX-License-Identifier: MIT */
/* core/sizeclass.c — the size-class table ("bins") and the size -> bin maps.
 *
 * Classes: 16..128 in steps of 16, then four classes per power of two up to
 * BRISK_CLASS_MAX (128 KiB), so rounding wastes at most 25% (12.5% on
 * average) above 128 bytes.  Every class is a multiple of 16, which keeps
 * every block 16-byte aligned.  Immutable tables: no initialisation, safe
 * from the dynamic loader's first malloc on.  The tables are generated
 * by tools/gen_sizeclass.py and checked by test/unit/unit_sizeclass.c.
 */
#include "core/sizeclass.h"

/* brisk_sizeclass_size[bin] = block size of the class; bin 0 is unused. */
const uint32_t brisk_sizeclass_size[BRISK_BIN_COUNT] = {
    0, 16, 32, 48, 64, 80, 96, 112,
    128, 160, 192, 224, 256, 320, 384, 448,
    512, 640, 768, 896, 1024, 1280, 1536, 1792,
    2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168,
    8192, 10240, 12288, 14336, 16384, 20480, 24576, 28672,
    32768, 40960, 49152, 57344, 65536, 81920, 98304, 114688,
    131072,
};

/* brisk_sizeclass_magic[bin] = ceil(2^64 / size): for any 32-bit offset n,
 * n / size = (n * magic) >> 64 and n % size == 0 iff n * magic mod 2^64 <
 * magic (Lemire, Kaser, Kurz: "Faster remainder by direct computation"),
 * so the slow paths find block starts without a division. */
const uint64_t brisk_sizeclass_magic[BRISK_BIN_COUNT] = {
    0x0000000000000000u, 0x1000000000000000u, 0x0800000000000000u,
    0x0555555555555556u, 0x0400000000000000u, 0x0333333333333334u,
    0x02aaaaaaaaaaaaabu, 0x024924924924924au, 0x0200000000000000u,
    0x019999999999999au, 0x0155555555555556u, 0x0124924924924925u,
    0x0100000000000000u, 0x00cccccccccccccdu, 0x00aaaaaaaaaaaaabu,
    0x0092492492492493u, 0x0080000000000000u, 0x0066666666666667u,
    0x0055555555555556u, 0x004924924924924au, 0x0040000000000000u,
    0x0033333333333334u, 0x002aaaaaaaaaaaabu, 0x0024924924924925u,
    0x0020000000000000u, 0x001999999999999au, 0x0015555555555556u,
    0x0012492492492493u, 0x0010000000000000u, 0x000ccccccccccccdu,
    0x000aaaaaaaaaaaabu, 0x000924924924924au, 0x0008000000000000u,
    0x0006666666666667u, 0x0005555555555556u, 0x0004924924924925u,
    0x0004000000000000u, 0x0003333333333334u, 0x0002aaaaaaaaaaabu,
    0x0002492492492493u, 0x0002000000000000u, 0x000199999999999au,
    0x0001555555555556u, 0x000124924924924au, 0x0001000000000000u,
    0x0000cccccccccccdu, 0x0000aaaaaaaaaaabu, 0x0000924924924925u,
    0x0000800000000000u,
};

/* brisk_sizeclass_direct[(size + 15) >> 4] = bin of size, for size <= 1024. */
const uint8_t brisk_sizeclass_direct[BRISK_DIRECT_SLOTS] = {
    1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 10, 11, 11, 12,
    12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16,
    16, 17, 17, 17, 17, 17, 17, 17, 17, 18, 18, 18, 18, 18, 18, 18,
    18, 19, 19, 19, 19, 19, 19, 19, 19, 20, 20, 20, 20, 20, 20, 20,
    20,
};

/* Bin of a request of `size` bytes (0 < size <= BRISK_CLASS_MAX; 0 maps to
 * bin 1).  Above 128 bytes: e = floor(log2(size - 1)); the class is
 * 2^e + k * 2^(e-2) for the smallest k in 1..4 that fits. */
unsigned brisk_sizeclass_bin(size_t size) { return sizeclass_bin(size); }

/* Slices per page of a bin: one 64 KiB slice up to 8 KiB blocks (8 or more
 * blocks per page); above that, room for about four blocks. */
unsigned brisk_sizeclass_slices(unsigned bin) {
  size_t bs = brisk_sizeclass_size[bin];
  if (bs <= 8192) return 1;
  return (unsigned)((4 * bs + BRISK_SLICE_SIZE - 1) / BRISK_SLICE_SIZE);
}
