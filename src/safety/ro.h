/* SPDX-License-Identifier: MIT */
/* safety/ro.h — BRISK_RO_GLOBALS: globals written once at start-up and
 * read-only afterwards.
 *
 * A global marked BRISK_RO_DATA lives in the section "brisk_ro" (today:
 * the runtime options, core/options.c, and the block key, core/block.c).
 * The section starts on a page boundary and safety/ro.c pads it to whole
 * pages, so it shares no page with other data; the library constructor
 * (api/init.c) makes it read-only once the options are read and the key
 * is drawn.  A later write to such a global faults (SIGSEGV): nothing may
 * write them after brisk_ro_seal.  Fork children inherit the protection.
 * With BRISK_RO_GLOBALS 0 the mark is empty and the globals stay in .data.
 */
#ifndef BRISK_SAFETY_RO_H
#define BRISK_SAFETY_RO_H

#include <stddef.h>

#include "config.h"

#if BRISK_RO_GLOBALS
#define BRISK_RO_DATA __attribute__((section("brisk_ro")))
#else
#define BRISK_RO_DATA
#endif

/* One BRISK_RO_DATA global: [p, p + size). */
typedef struct brisk_ro_object_s {
  const void *p;
  size_t size;
} brisk_ro_object_t;

/* Make the pages of the brisk_ro section that hold the n globals objs[]
 * read-only (one mprotect).  Call once, after the last write to any of
 * them.  Returns 0; an errno value when the kernel refused; EINVAL
 * (nothing protected) when one of them does not lie in the section's
 * whole pages (a link that put them after the pad).  A no-op returning 0
 * when BRISK_RO_GLOBALS is 0. */
int brisk_ro_seal(const brisk_ro_object_t *objs, unsigned n);

#endif
