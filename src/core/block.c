/* SPDX-License-Identifier: MIT */
/* core/block.c — the free-mark key of the block seam (core/block.h).
 *
 * The key is drawn once, before the first block of the process is carved
 * (core/heap.c calls brisk_block_key_init when it sets up the first heap;
 * the library constructor calls it too), and never changes afterwards, so
 * every free mark in the heap is made with the same key.
 * Threading: the first caller draws; concurrent callers wait for it.
 */
#include "core/block.h"
#include "core/segmap.h"
#include "os/os.h"


uintptr_t brisk_block_key = 0x9e3779b97f4a7c15u;

NOINLINE block_t *brisk_block_link_cold(const block_t *b, uintptr_t t) {
  uintptr_t next = t ^ (uintptr_t)b;
  if (next == 0) return NULL;
  if ((next & (BRISK_ALIGN - 1)) == 0 && segbits_test(next)) return (block_t *)next;
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
    __atomic_store_n(&key_state, KEY_READY, __ATOMIC_RELEASE);
    return;
  }
  while (__atomic_load_n(&key_state, __ATOMIC_ACQUIRE) != KEY_READY) __builtin_ia32_pause();
}
