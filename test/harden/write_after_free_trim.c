/* SPDX-License-Identifier: MIT */
/* write_after_free_trim.c — one byte written into the middle of a freed
 * 20000-byte block, the only block of its page, then malloc_trim(0):
 * the page is retired and its memory given back before any malloc could
 * hand the block out again.  Goal: the write goes unseen (the purge
 * erases it).  The hardened build checks an empty page's free blocks
 * before it retires the page. */
/* expect default: any */
/* expect hardened: abort "^brisk: write after free: [0-9]+-byte block modified while free \(block PTR\)$" */
/* expect sampled: any */
#include <malloc.h>

#include "harden.h"

int main(void) {
  size_t n = opaque(20000), off = opaque(16 + (n - 16) / 2) & ~(size_t)7;
  unsigned char *p = malloc(n);
  if (p == NULL) return SETUP_FAILED;
  scribble(p, 0, n, 0);
  show(p);
  free(p);
  scribble(p, (ptrdiff_t)off, 1, 0xA7);
  malloc_trim(0);
  return HARMLESS;
}
