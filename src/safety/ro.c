/* SPDX-License-Identifier: MIT */
/* safety/ro.c — BRISK_RO_GLOBALS: sealing the section of globals written
 * once at start-up (safety/ro.h).
 *
 * Layout: the linker gathers every "brisk_ro" input section into one
 * output section of that name, in link order, aligned to the largest
 * alignment among them (a page: this file's pad).  The pad, one page long,
 * comes after the core's objects (src/safety/ sorts after src/core/ in the
 * Makefile's SRCS), so the range from the page of the lowest object to
 * the pad's end lies inside the section and holds nothing else.
 * brisk_ro_seal checks that every object lies in that range before it
 * protects it; no linker symbol is needed (none is exported).
 * Threading: called once, from the library constructor.
 */
#include <errno.h>
#include <stdint.h>

#include "safety/ro.h"
#include "os/os.h"

#if BRISK_RO_GLOBALS
__attribute__((section("brisk_ro"), aligned(BRISK_OS_PAGE), used)) static char ro_pad[BRISK_OS_PAGE];
#endif

int brisk_ro_seal(const brisk_ro_object_t *objs, unsigned n) {
#if BRISK_RO_GLOBALS
  uintptr_t stop = (uintptr_t)ro_pad + BRISK_OS_PAGE, start = stop;
  for (unsigned i = 0; i < n; i++)
    if ((uintptr_t)objs[i].p < start) start = (uintptr_t)objs[i].p;
  start &= ~(uintptr_t)(BRISK_OS_PAGE - 1);
  for (unsigned i = 0; i < n; i++)
    if ((uintptr_t)objs[i].p + objs[i].size > stop) return EINVAL;
  return brisk_os_protect_readonly((void *)start, stop - start);
#else
  (void)objs, (void)n;
  return 0;
#endif
}
