/* SPDX-License-Identifier: MIT */
/* safety/zero.c — BRISK_ZERO_FAULT: malloc(0) pointers into a reserved
 * PROT_NONE region (safety/zero.h has the contract).
 *
 * Owns: the region (reserved once, never made accessible, never
 * unmapped) and the bitmap of live slots (`live`, out of line, in .bss).
 * Invariants:
 *  - brisk_zero_base is 0 or the base of the reserved region, and never
 *    changes once set (installed with one CAS; a thread that lost the race
 *    unmaps its own reservation);
 *  - bit s of live[] is set exactly while slot s (brisk_zero_base + 16 s)
 *    is handed out: set by the CAS that hands it out, cleared by the free;
 *  - `hint` is only a place to start looking (any value is safe).
 * Reuse: a slot freed in the word in use is handed out again first, so a
 * malloc(0)/free loop touches one word; the search moves on to the next
 * word when one is full, wrapping at the end.
 * Threading: lock-free (CAS / atomic AND on bitmap words); any thread.
 */
#include "safety/zero.h"
#include "observe/output.h"
#include "os/os.h"

#define ZERO_SLOTS (BRISK_ZERO_REGION / BRISK_ZERO_SLOT)
#define ZERO_WORDS (BRISK_ZERO_FAULT ? ZERO_SLOTS / 64 : 1)

uintptr_t brisk_zero_base;
static uint64_t live[ZERO_WORDS];
static uint32_t hint;

/* The region's base, reserving it on first use; 0 when the kernel refuses. */
static uintptr_t region(void) {
  uintptr_t base = __atomic_load_n(&brisk_zero_base, __ATOMIC_ACQUIRE);
  if (base != 0) return base;
  void *r = brisk_os_reserve(BRISK_ZERO_REGION); /* no lock held */
  if (r == NULL) return 0;
  uintptr_t expect = 0;
  if (__atomic_compare_exchange_n(&brisk_zero_base, &expect, (uintptr_t)r, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE))
    return (uintptr_t)r;
  brisk_os_unreserve(r, BRISK_ZERO_REGION); /* another thread won */
  return expect;
}

void *brisk_zero_alloc(void) {
  if (!BRISK_ZERO_FAULT) return NULL;
  uintptr_t base = region();
  if (base == 0) return NULL;
  uint32_t w = __atomic_load_n(&hint, __ATOMIC_RELAXED) % ZERO_WORDS;
  for (uint32_t k = 0; k < ZERO_WORDS; k++, w = (w + 1) % ZERO_WORDS) {
    uint64_t cur = __atomic_load_n(&live[w], __ATOMIC_RELAXED);
    while (cur != ~(uint64_t)0) {
      unsigned b = (unsigned)__builtin_ctzll(~cur);
      if (__atomic_compare_exchange_n(&live[w], &cur, cur | (uint64_t)1 << b, true, __ATOMIC_ACQ_REL,
                                      __ATOMIC_RELAXED)) {
        if (k != 0) __atomic_store_n(&hint, w, __ATOMIC_RELAXED);
        return (void *)(base + ((size_t)w * 64 + b) * BRISK_ZERO_SLOT);
      }
    }
  }
  return NULL; /* every slot live */
}

/* Slot index of p (zero_owns); aborts naming fn when p is not a slot start. */
static size_t slot_of(const void *p, const char *fn) {
  size_t off = (uintptr_t)p - __atomic_load_n(&brisk_zero_base, __ATOMIC_RELAXED);
  if (off % BRISK_ZERO_SLOT != 0) brisk_output_fatal(fn, p);
  return off / BRISK_ZERO_SLOT;
}

void brisk_zero_check(const void *p, const char *fn) {
  size_t s = slot_of(p, fn);
  if (!(__atomic_load_n(&live[s / 64 % ZERO_WORDS], __ATOMIC_ACQUIRE) & (uint64_t)1 << (s % 64)))
    brisk_output_double_free(p);
}

void brisk_zero_free(const void *p) {
  size_t s = slot_of(p, "free(): invalid pointer");
  uint64_t bit = (uint64_t)1 << (s % 64);
  if (!(__atomic_fetch_and(&live[s / 64 % ZERO_WORDS], ~bit, __ATOMIC_ACQ_REL) & bit))
    brisk_output_double_free(p);
}

uint64_t brisk_zero_live(void) {
  uint64_t n = 0;
  if (__atomic_load_n(&brisk_zero_base, __ATOMIC_RELAXED) == 0) return 0;
  for (uint32_t w = 0; w < ZERO_WORDS; w++)
    n += (uint64_t)__builtin_popcountll(__atomic_load_n(&live[w], __ATOMIC_RELAXED));
  return n;
}
