/* SPDX-License-Identifier: MIT */
/* stale_data_leak.c — no dangling pointer at all: a secret is written
 * into 64 blocks of 96 bytes, they are freed, and 4000 blocks of that
 * size are then allocated and read before being written (uninitialised
 * reads, an information leak from one user of the heap to the next).
 * Goal: some fresh block still holds the secret. */
/* expect default: any */
/* expect hardened: harmless */
/* expect sampled: any */
#include "harden.h"

#define N 64
#define ROUNDS 4000

int main(void) {
  size_t n = opaque(96);
  void *v[N];
  for (int i = 0; i < N; i++) {
    v[i] = malloc(n);
    for (size_t off = 0; off < n; off += sizeof(uintptr_t)) poke_word(v[i], (ptrdiff_t)off, SECRET_WORD);
  }
  show(v[0]);
  for (int i = 0; i < N; i++) free(v[i]);
  for (int r = 0; r < ROUNDS; r++) {
    void *q = malloc(n);
    if (q == NULL) return SETUP_FAILED;
    for (size_t off = 0; off < n; off += sizeof(uintptr_t))
      if (peek_word(q, (ptrdiff_t)off) == SECRET_WORD) return GOAL_REACHED;
    free(q);
  }
  return HARMLESS;
}
