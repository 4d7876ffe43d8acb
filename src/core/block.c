/* SPDX-License-Identifier: MIT */
/* core/block.c — the secrets of the block seam (core/block.h) and the
 * out-of-line link check.
 *
 * The key and the link multiplier are drawn once, before the first block
 * of the process is carved (core/heap.c calls brisk_block_key_init when it
 * sets up the first heap; the library constructor calls it too), and
 * never change afterwards, so every mark and link in the heap is made with
 * the same secrets.  The static values (used by nothing: no block exists
 * before the draw) are a consistent pair.
 * Threading: the first caller draws; concurrent callers wait for it.
 */
#include "core/block.h"
#include "core/segmap.h"
#include "os/os.h"
#include "safety/ro.h"

/* BRISK_RO_GLOBALS: read-only once the constructor has drawn them. */
uintptr_t brisk_block_key BRISK_RO_DATA = 0x9e3779b97f4a7c15u;
uintptr_t brisk_block_mul BRISK_RO_DATA = 0xd6e8feb86659fd93u;
uintptr_t brisk_block_mul_inv BRISK_RO_DATA = 0xcfee444d8b59a89bu;

/* The inverse of odd m modulo 2^64 (Newton: each step doubles the correct
 * low bits; m is its own inverse modulo 8). */
static uintptr_t inverse(uintptr_t m) {
  uintptr_t x = m;
  for (int i = 0; i < 5; i++) x *= 2 - m * x;
  return x;
}

NOINLINE block_t *brisk_block_link_cold(const block_t *b, uintptr_t t) {
  uintptr_t next = t ^ (uintptr_t)b;
  if (block_link_far_ok(next)) return (block_t *)next;
  brisk_page_list_damaged(b);
}

enum { KEY_NONE, KEY_DRAWING, KEY_READY };
static int key_state;

void brisk_block_key_init(void) {
  int expect = KEY_NONE;
  if (__atomic_load_n(&key_state, __ATOMIC_ACQUIRE) == KEY_READY) return;
  if (__atomic_compare_exchange_n(&key_state, &expect, KEY_DRAWING, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    uintptr_t k = 0;
    brisk_os_random(&k, sizeof k);
    k ^= (uintptr_t)&brisk_block_key; /* ASLR as a fallback */
    brisk_block_key = k | 1;          /* never 0: 0 is the "handed out" mark */
    uintptr_t m = 0;
    brisk_os_random(&m, sizeof m);
    brisk_block_mul = (m ^ 0xd6e8feb86659fd93u) | 1;
    brisk_block_mul_inv = inverse(brisk_block_mul);
    __atomic_store_n(&key_state, KEY_READY, __ATOMIC_RELEASE);
    return;
  }
  while (__atomic_load_n(&key_state, __ATOMIC_ACQUIRE) != KEY_READY) __builtin_ia32_pause();
}
