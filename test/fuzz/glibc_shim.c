/* SPDX-License-Identifier: MIT */
/* glibc_shim.c — brisk_* names served by glibc's malloc, to check the
 * harness itself: fuzz_ops.c + fuzz_replay.c + this file must accept every
 * input (build/real/fuzz_replay_glibc, run by test/real/run.sh first). */
#include <malloc.h>
#include <stdlib.h>

#include "brisk.h"

void *brisk_malloc(size_t n) { return malloc(n); }
void brisk_free(void *p) { free(p); }
void *brisk_calloc(size_t c, size_t n) { return calloc(c, n); }
void *brisk_realloc(void *p, size_t n) { return realloc(p, n); }
void *brisk_reallocarray(void *p, size_t c, size_t n) { return reallocarray(p, c, n); }
int brisk_posix_memalign(void **o, size_t a, size_t n) { return posix_memalign(o, a, n); }
void *brisk_aligned_alloc(size_t a, size_t n) { return aligned_alloc(a, n); }
void *brisk_memalign(size_t a, size_t n) { return memalign(a, n); }
void *brisk_valloc(size_t n) { return valloc(n); }
void *brisk_pvalloc(size_t n) { return pvalloc(n); }
size_t brisk_usable_size(const void *p) { return malloc_usable_size((void *)p); }
void brisk_free_sized(void *p, size_t n) { (void)n; free(p); }
void brisk_free_aligned_sized(void *p, size_t a, size_t n) { (void)a; (void)n; free(p); }
size_t brisk_trim(void) { return (size_t)malloc_trim(0); }
