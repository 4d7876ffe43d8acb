/* SPDX-License-Identifier: MIT */
/* core/rng.h — the allocator's cheap random stream (xorshift64): carve
 * order and page choice (core/page.c), quarantine release (core/quarantine.c).
 * Not for secrets: those come from the kernel (os/os.h, brisk_os_random),
 * which also seeds every stream.  State: owner-only, never 0. */
#ifndef BRISK_CORE_RNG_H
#define BRISK_CORE_RNG_H

#include <stdint.h>

#include "os/os.h"

/* The next value of the stream at *state, seeding it on first use. */
static inline uint64_t rng_next(uint64_t *state) {
  uint64_t x = *state;
  if (x == 0) {
    brisk_os_random(&x, sizeof x);
    x |= 1;
  }
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

#endif
