/* unit.h — helpers for brisk's unit tests of internals.
 *
 * Unit tests include src/internal.h and link the prefix-only static library
 * (build/prefix/libbrisk-prefix.a), so they call internal functions
 * directly while glibc's malloc keeps serving stdio.  UCHECK(cond, fmt, ...)
 * prints "file:line: FAILED: cond: message" and exits 1.
 */
#ifndef BRISK_UNIT_H
#define BRISK_UNIT_H

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define UCHECK(cond, ...)                                                   \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond);    \
      fprintf(stderr, __VA_ARGS__);                                         \
      fputc('\n', stderr);                                                  \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

#endif
