/* SPDX-License-Identifier: MIT */
/* uaf_object_hijack.c — use after free then reallocation: a 64-byte
 * object with a handler pointer is freed, the attacker writes a whole fake
 * object through the dangling pointer (junk in the first words, its own
 * handler after), and the program allocates fresh objects of that size
 * again and again.  Goal: a fresh object comes with the attacker's
 * handler already in it. */
/* expect default: abort "^brisk: heap corruption: free list of a 64-byte page damaged \(block PTR\)$" */
/* expect hardened: abort "^brisk: write after free: [0-9]+-byte block modified while free \(block PTR\)$" */
/* expect sampled: segv "^brisk: guarded sample: use after free of a 64-byte block \(block PTR, access 0x[0-9a-f]+\)$" */
#include <stddef.h>
#include "harden.h"

struct session {
  uintptr_t id, flags;
  void (*on_close)(void);
  char user[40];
};

static void benign(void) {}
static void evil(void) {}

int main(void) {
  size_t n = opaque(sizeof(struct session));
  struct session *s = malloc(n);
  s->id = 1;
  s->flags = 0;
  s->on_close = benign;
  show(s);
  free(s);
  /* the dangling write: a fake object, whole */
  poke_word(s, 0, 0x4141414141414141u);
  poke_word(s, 8, 0x4141414141414141u);
  poke_word(s, offsetof(struct session, on_close), (uintptr_t)evil);
  for (int r = 0; r < 4000; r++) {
    struct session *q = malloc(n);
    if (q == NULL) return SETUP_FAILED;
    if (peek_word(q, offsetof(struct session, on_close)) == (uintptr_t)evil) return GOAL_REACHED;
    free(q);
  }
  return HARMLESS;
}
