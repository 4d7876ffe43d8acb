/* SPDX-License-Identifier: MIT */
/* alloc.h — lets one test source run on either library build:
 *   default: the plain malloc family (run against the overriding
 *            libbrisk.so, by linking -lbrisk or by LD_PRELOAD; or glibc);
 *   -DUSE_BRISK_PREFIX: the brisk_* entry points of the prefix-only build
 *            (build/prefix or build/tsan libbrisk-prefix.a), which lives
 *            beside glibc's malloc in the same process.
 * Tests call T_malloc, T_free, ... and never the plain names directly for
 * blocks they check. */
#ifndef BRISK_TEST_ALLOC_H
#define BRISK_TEST_ALLOC_H

#include <malloc.h>
#include <stdlib.h>

#ifdef USE_BRISK_PREFIX
#include <brisk.h>
#define T_malloc brisk_malloc
#define T_free brisk_free
#define T_calloc brisk_calloc
#define T_realloc brisk_realloc
#define T_reallocarray brisk_reallocarray
#define T_posix_memalign brisk_posix_memalign
#define T_aligned_alloc brisk_aligned_alloc
#define T_memalign brisk_memalign
#define T_usable_size brisk_usable_size
#define T_trim() ((void)brisk_trim())
#define T_LIBNAME "brisk (prefixed)"
#else
#define T_malloc malloc
#define T_free free
#define T_calloc calloc
#define T_realloc realloc
#define T_reallocarray reallocarray
#define T_posix_memalign posix_memalign
#define T_aligned_alloc aligned_alloc
#define T_memalign memalign
#define T_usable_size malloc_usable_size
#define T_trim() ((void)malloc_trim(0))
#define T_LIBNAME (on_brisk() ? "brisk" : "libc")
#endif

#endif /* BRISK_TEST_ALLOC_H */
