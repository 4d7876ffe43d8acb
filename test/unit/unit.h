/* unit.h — helpers for brisk's unit tests of internals.
 *
 * Unit tests include the module headers of src/ and link the prefix-only
 * debug library (build/prefix-debug/libbrisk-prefix.a: assertions and the
 * debug-full invariant walks), so they call internal functions directly
 * while glibc's malloc keeps serving stdio.  UCHECK(cond, fmt, ...)
 * prints "file:line: FAILED: cond: message" and exits 1.
 */
#ifndef BRISK_UNIT_H
#define BRISK_UNIT_H

#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/block.h"
#include "core/fast.h"
#include "core/foreign.h"
#include "core/heap.h"
#include "core/heaplist.h"
#include "core/huge.h"
#include "core/large.h"
#include "core/options.h"
#include "core/page.h"
#include "core/purge.h"
#include "core/remote.h"
#include "core/segmap.h"
#include "core/segment.h"
#include "core/sizeclass.h"
#include "core/source.h"
#include "core/span.h"
#include "observe/event.h"
#include "observe/output.h"
#include "os/os.h"

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
