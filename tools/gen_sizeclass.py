#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate the tables of src/core/sizeclass.c (run from the repository root).

Classes: 16..128 by 16, then four per power of two up to 128 KiB.  Prints
the C initialisers and checks every size.  (Eight classes per doubling
above 1 KiB were tried: sqlite3's RSS fell 7%, python's and the churn
benchmark's rose 6-7% from more partly used pages; not adopted.)
"""
import sys

def classes():
    sizes = [0] + [16 * b for b in range(1, 9)]
    for e in range(7, 17):          # 128 < s <= 128 KiB: 4 per doubling
        sizes += [2**e + k * 2**(e - 2) for k in range(1, 5)]
    return sizes

def bin_of(s):
    if s <= 128:
        return max(1, (s + 15) >> 4)
    e = (s - 1).bit_length() - 1
    return 8 + (e - 7) * 4 + ((s - 1 - 2**e) >> (e - 2)) + 1

def main():
    sizes = classes()
    for s in range(1, sizes[-1] + 1):
        b = bin_of(s)
        assert sizes[b] >= s and (b == 1 or sizes[b - 1] < s), s
    magic = [0] + [(2**64 - 1) // d + 1 for d in sizes[1:]]
    direct = [bin_of(max(1, w * 16)) for w in range(65)]
    def fmt(vals, per, f=str):
        return "\n".join("    " + ", ".join(f(v) for v in vals[i:i + per]) + ","
                         for i in range(0, len(vals), per))
    print("#define BRISK_BIN_COUNT %d" % len(sizes))
    print("brisk_sizeclass_size:\n" + fmt(sizes, 8))
    print("brisk_sizeclass_magic:\n" + fmt(magic, 3, lambda m: "0x%016xu" % m))
    print("brisk_sizeclass_direct:\n" + fmt(direct, 16))

if __name__ == "__main__":
    sys.exit(main())
