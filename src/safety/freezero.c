/* SPDX-License-Identifier: MIT */
/* safety/freezero.c — the zero check of free blocks (safety/freezero.h
 * has the contract). */
#include <stdint.h>
#include <string.h>

#include "safety/freezero.h"
#include "observe/output.h"

/* Zeros to compare free blocks with (memcmp is the vectorised loop). */
static const uint8_t zeros[4096];

void brisk_freezero_check(const void *p, size_t u) {
  if (!BRISK_ZERO_CHECK) return;
  const uint8_t *c = (const uint8_t *)p + 16;
  for (size_t left = u - 16; left > 0;) {
    size_t k = left < sizeof zeros ? left : sizeof zeros;
    if (memcmp(c, zeros, k) != 0)
      brisk_output_fatal_block("write after free: ", u, "-byte block modified while free", p);
    c += k;
    left -= k;
  }
}
