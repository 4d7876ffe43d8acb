/* SPDX-License-Identifier: MIT */
/* test/harden/harden.h — helpers shared by the misuse cases of test/harden/.
 *
 * A case commits one heap misuse.  Before it does, it prints "PTR=<p>"
 * (the pointer the expected message names) and flushes stdout.  If the
 * process survives the misuse, the case checks the attack's goal and exits
 *   3 (GOAL_REACHED) the attack worked, or the bug went unnoticed,
 *   0 (HARMLESS)     it survived and the goal was not reached,
 *   2 (SETUP_FAILED) the case could not set itself up (not a verdict).
 * Expectations per build are header comments read by run.sh:
 *   expect <build>: abort "ERE" | segv ["ERE"] | stop | safe | harmless | any
 *
 * Every access through a dangling or out-of-bounds pointer goes through a
 * volatile helper and every size through opaque(), so that -O1 cannot
 * fold the misuse away (the cases are also built with -fno-builtin).
 */
#ifndef HARDEN_H
#define HARDEN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define HARMLESS 0
#define SETUP_FAILED 2
#define GOAL_REACHED 3

/* n, hidden from the optimiser. */
static inline size_t opaque(size_t n) {
  __asm__ volatile("" : "+r"(n));
  return n;
}

/* p, hidden from the optimiser. */
static inline void *opaque_ptr(void *p) {
  __asm__ volatile("" : "+r"(p));
  return p;
}

/* A block start in the page of p (an n-byte block, n <= 8 KiB) that the
 * program was never given: 100 blocks further on, wrapping within the
 * page's first 300 (never carved, or carved and still free).  Pages of
 * blocks up to 8 KiB are one 64 KiB slice with blocks from its start. */
static inline char *never_given_block(const void *p, size_t n) {
  uintptr_t base = (uintptr_t)p & ~(uintptr_t)0xffff;
  size_t idx = ((uintptr_t)p - base) / n;
  return (char *)(base + ((idx + 100) % 300) * n);
}

/* Print the pointer the expectation names, before the misuse. */
static inline void show(const void *p) {
  printf("PTR=%p\n", p);
  fflush(stdout);
}

/* Write len bytes of value at p + off (p may be dangling or too short). */
static inline void scribble(void *p, ptrdiff_t off, size_t len, unsigned char value) {
  volatile unsigned char *q = (volatile unsigned char *)p + off;
  for (size_t i = 0; i < len; i++) q[i] = value;
}

/* Change the len bytes at p + off: each flipped by 0x41, so every byte
 * really changes (an overflow that writes the byte already there changes
 * nothing a canary could see: brisk's keyed fill byte is the attacker's
 * 0x41 once in 256 processes). */
static inline void scribble_change(void *p, ptrdiff_t off, size_t len) {
  volatile unsigned char *q = (volatile unsigned char *)p + off;
  for (size_t i = 0; i < len; i++) q[i] = (unsigned char)(q[i] ^ 0x41);
}

/* Read / write one pointer-sized word at p + off. */
static inline uintptr_t peek_word(const void *p, ptrdiff_t off) {
  return *(const volatile uintptr_t *)((const char *)p + off);
}
static inline void poke_word(void *p, ptrdiff_t off, uintptr_t w) {
  *(volatile uintptr_t *)((char *)p + off) = w;
}

/* Whether [a, a + n) and [b, b + n) overlap without starting together. */
static inline int overlaps(const void *a, const void *b, size_t n) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return x != y && (x < y ? y - x : x - y) < n;
}

/* The overflow cases: a block of size bytes, over bytes written past its
 * end, then freed.  Surviving means the overflow went unnoticed. */
/* Free p on a thread of its own (a cross-thread free); SETUP_FAILED when
 * the thread cannot be made.  Needs -pthread (harden.mk links it). */
static inline void *free_thread_main(void *p) {
  free(p);
  return NULL;
}
static inline int free_in_thread(void *p) {
  pthread_t t;
  if (pthread_create(&t, NULL, free_thread_main, p) != 0) return SETUP_FAILED;
  pthread_join(t, NULL);
  return 0;
}

static inline int overflow_then_free(size_t size, size_t over) {
  size_t n = opaque(size);
  unsigned char *p = malloc(n);
  if (p == NULL) return SETUP_FAILED;
  scribble(p, 0, n, 'a');
  show(p);
  scribble_change(p, (ptrdiff_t)n, opaque(over));
  free(p);
  return GOAL_REACHED;
}

/* The write-after-free cases: one byte written into a freed block of size
 * bytes (past the two words a free block keeps its list link and mark
 * in), then blocks of that size allocated and freed until the write shows
 * up in a fresh block (goal: the program sees the attacker's byte) or
 * 4000 rounds pass (more than a quarantine holds). */
static inline int write_after_free_then_reuse(size_t size) {
  size_t n = opaque(size), off = opaque(16 + (n - 16) / 2) & ~(size_t)7;
  unsigned char *p = malloc(n);
  if (p == NULL) return SETUP_FAILED;
  scribble(p, 0, n, 0);
  show(p);
  free(p);
  scribble(p, (ptrdiff_t)off, 1, 0xA7);
  for (int i = 0; i < 4000; i++) {
    volatile unsigned char *q = malloc(n);
    if (q == NULL) return SETUP_FAILED;
    if ((void *)q == (void *)p && q[off] == 0xA7) return GOAL_REACHED;
    free((void *)q);
  }
  return HARMLESS;
}

/* The read-after-free cases: a secret written into a block of size bytes,
 * the block freed, then read through the dangling pointer (goal: any
 * word of the secret still readable past the block's first two words). */
#define SECRET_WORD ((uintptr_t)0x5ec2e75ec2e75ec2u)
static inline int read_after_free(size_t size) {
  size_t n = opaque(size);
  unsigned char *p = malloc(n);
  if (p == NULL) return SETUP_FAILED;
  for (size_t off = 0; off + sizeof(uintptr_t) <= n; off += sizeof(uintptr_t)) poke_word(p, (ptrdiff_t)off, SECRET_WORD);
  show(p);
  free(p);
  for (size_t off = 2 * sizeof(uintptr_t); off + sizeof(uintptr_t) <= n; off += sizeof(uintptr_t))
    if (peek_word(p, (ptrdiff_t)off) == SECRET_WORD) return GOAL_REACHED;
  return HARMLESS;
}

/* The free-list attacks, after the forged link is in place: two mallocs
 * of size n whose blocks are kept (the classic sequence), then 4000 rounds
 * of malloc and free (enough to bring a block back out of a quarantine).
 * Returns GOAL_REACHED as soon as is_goal accepts a block malloc returned. */
static inline int allocate_and_check(size_t n, int (*is_goal)(const void *q)) {
  for (int i = 0; i < 2; i++) {
    void *q = malloc(n);
    if (q == NULL) return SETUP_FAILED;
    if (is_goal(q)) return GOAL_REACHED;
  }
  for (int r = 0; r < 4000; r++) {
    void *q = malloc(n);
    if (q == NULL) return SETUP_FAILED;
    if (is_goal(q)) return GOAL_REACHED;
    free(q);
  }
  return HARMLESS;
}

#endif /* HARDEN_H */
