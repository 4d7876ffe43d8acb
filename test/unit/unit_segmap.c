/* SPDX-License-Identifier: MIT */
/* unit_segmap — the address -> segment map.
 *
 * Entries are set and cleared per 4 MiB region over whole ranges, leaves
 * are created on demand, neighbours are untouched, and addresses in
 * different top-level slots are independent.  Uses synthetic addresses:
 * the map never dereferences what it stores.
 */
#include "unit.h"

#define R ((uintptr_t)BRISK_SEGMENT_SIZE)

int main(void) {
  uintptr_t base = (uintptr_t)0x7f1200000000u; /* 4 MiB aligned */
  UCHECK(brisk_segmap_get(base) == 0, "fresh map not empty");
  UCHECK(brisk_segmap_set(base, R, base | 2) == 0, "set failed");
  UCHECK(brisk_segmap_get(base) == (base | 2), "own region");
  UCHECK(brisk_segmap_get(base + R - 1) == (base | 2), "last byte of region");
  UCHECK(brisk_segmap_get(base + R) == 0, "next region untouched");
  UCHECK(brisk_segmap_get(base - 1) == 0, "previous region untouched");
  /* a huge mapping of 2.5 regions starting two regions later */
  uintptr_t h = base + 2 * R;
  UCHECK(brisk_segmap_set(h, 2 * R + R / 2, h | 1) == 0, "set huge");
  for (uintptr_t a = h; a < h + 3 * R; a += R / 4)
    UCHECK(brisk_segmap_get(a) == (h | 1), "huge region at +%#lx", (unsigned long)(a - h));
  UCHECK(brisk_segmap_get(h + 3 * R) == 0, "after the huge mapping");
  brisk_segmap_clear(h, 2 * R + R / 2);
  for (uintptr_t a = h; a < h + 3 * R; a += R / 4) UCHECK(brisk_segmap_get(a) == 0, "cleared");
  UCHECK(brisk_segmap_get(base) == (base | 2), "clear spilled onto a neighbour");
  /* another top-level slot (16 GiB apart) */
  uintptr_t far = base + ((uintptr_t)1 << 34);
  UCHECK(brisk_segmap_get(far) == 0, "far slot not empty");
  UCHECK(brisk_segmap_set(far, R, far | 2) == 0, "set far");
  UCHECK(brisk_segmap_get(far) == (far | 2) && brisk_segmap_get(base) == (base | 2), "slots independent");
  /* the inline lookup agrees */
  UCHECK(segmap_get_inline(far + 12345) == (far | 2), "inline lookup");
  brisk_segmap_clear(base, R);
  brisk_segmap_clear(far, R);
  UCHECK(brisk_segmap_get(base) == 0 && brisk_segmap_get(far) == 0, "final clear");
  puts("segmap ok");
  return 0;
}
