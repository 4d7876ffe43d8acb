/* SPDX-License-Identifier: MIT */
/* core/options.h — runtime options, one table (core/options.c), read once
 * from `environ` in the library constructor without allocating; until then
 * the static defaults apply.  docs/tuning.md documents each. */
#ifndef BRISK_CORE_OPTIONS_H
#define BRISK_CORE_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct options_s {
  long purge_delay_ms; /* BRISK_PURGE_DELAY_MS: free memory kept dirty this long */
  long dirty_max_kib;  /* BRISK_DIRTY_MAX_KIB: per heap, purge at once beyond */
  long huge_cache_kib; /* BRISK_HUGE_CACHE_KIB: huge mappings kept for reuse */
  long huge_thp_min_kib; /* BRISK_HUGE_THP_MIN_KIB: fresh huge mappings this
                            big ask for transparent huge pages; -1: never */
  long stats;          /* BRISK_STATS: print statistics at exit */
  long trace_syscalls; /* BRISK_TRACE_SYSCALLS: print each system call (observe/trace.h) */
  long guard_sample;   /* BRISK_GUARD_SAMPLE: guard about every Nth allocation
                          of up to 4 KiB (safety/guard.h); 0: off */
  long guard_slots;    /* BRISK_GUARD_SLOTS: guarded blocks the pool holds */
  long mesh;           /* BRISK_MESH: merge sparse OS pages (core/mesh.h) */
  /* BRISK_STATS_FILE: where the exit statistics go ("" = stderr); %p, %e
   * and %% are expanded at exit (observe/stats.c).  Implies BRISK_STATS=1. */
  char stats_file[256];
  /* The tracing library (BRISK_TRACE builds, `brisk trace`): where the
   * trace goes (observe/tracefile.h), whether call stacks are recorded,
   * and the pid that writes trace_file itself (others: trace_file.<pid>). */
  char trace_file[256];
  long trace_stacks; /* BRISK_TRACE_STACKS */
  long trace_root;   /* BRISK_TRACE_ROOT */
} options_t;
extern options_t brisk_options;

/* Read BRISK_* from env (a NULL-terminated environ-style array): first
 * the list BRISK_OPTIONS="name=value,..." (names without the BRISK_
 * prefix, any case), then the separate BRISK_<NAME> variables, which win.
 * A bad name or value prints one warning line and keeps the value before
 * it; the rest is still read.  Allocates nothing. */
void brisk_options_init(char **env);

/* How many empty segments a heap keeps committed for reuse before it
 * releases the next one at once: half of the dirty limit's worth (the
 * rest is for free spans inside used segments), at least
 * BRISK_EMPTY_SEGMENTS_MIN.  So the dirty limit is the one knob for
 * programs that free and reallocate in bursts: raising it also keeps more
 * whole segments (a fixed count of 4 made any burst above 16 MiB go back
 * to the kernel and fault in again, whatever the limit said). */
static inline uint32_t options_empty_segments_max(void) {
  /* (dirty_max_kib <= 2^30, core/options.c: at most 2^17 segments) */
  uint32_t n = (uint32_t)((size_t)brisk_options.dirty_max_kib * 1024 / (2 * BRISK_SEGMENT_SIZE));
  return n < BRISK_EMPTY_SEGMENTS_MIN ? BRISK_EMPTY_SEGMENTS_MIN : n;
}

#endif
