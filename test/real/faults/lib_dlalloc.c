/* SPDX-License-Identifier: MIT */
/* lib_dlalloc.c — a shared library for dlopen.c: its constructor allocates
 * (small, large, aligned and via strdup), its destructor verifies and
 * frees everything, so dlclose runs frees late in the library's life. */
#include <stdlib.h>
#include <string.h>

static void *blocks[64];
static char *name;
int dl_ctor_runs, dl_dtor_ok = 1;

__attribute__((constructor)) static void init(void) {
  for (int i = 0; i < 64; i++) {
    size_t n = (size_t)(i * i * 131 % 150000) + 1;
    blocks[i] = (i % 7 == 0) ? aligned_alloc(256, (n + 255) & ~(size_t)255) : malloc(n);
    if (blocks[i]) memset(blocks[i], i, n < 32 ? n : 32);
  }
  name = strdup("lib_dlalloc: constructed");
  dl_ctor_runs++;
}

__attribute__((destructor)) static void fini(void) {
  for (int i = 0; i < 64; i++) {
    unsigned char *c = blocks[i];
    size_t n = (size_t)(i * i * 131 % 150000) + 1;
    if (c == NULL) { dl_dtor_ok = 0; continue; }
    for (size_t k = 0; k < (n < 32 ? n : 32); k++)
      if (c[k] != (unsigned char)i) dl_dtor_ok = 0;
    free(c);
  }
  if (name == NULL || strcmp(name, "lib_dlalloc: constructed") != 0) dl_dtor_ok = 0;
  free(name);
}

/* Allocates a block the caller frees (after dlclose, from another thread). */
void *dl_make(size_t n) {
  void *p = malloc(n);
  if (p) memset(p, 0x5a, n);
  return p;
}
