/* SPDX-License-Identifier: MIT */
/* observe/tracefile.h — the allocation trace recorder of the tracing
 * library (BRISK_TRACE builds: build/libbrisk-trace.so, `brisk trace`).
 *
 * Every allocation and free the program makes through the exported
 * functions (api/entry.h), and every memory system call brisk makes (the
 * event hook's syscall hook), becomes a 32-byte record — time-stamp
 * counter, kind, address, size, argument, and with BRISK_TRACE_STACKS=1
 * the call stack — in a buffer of the calling thread.  A full buffer is
 * written to the trace file with one write(2) as an EVENTS chunk,
 * followed by a SAMPLE record (RSS, mapped, live).  The format is
 * docs/trace-format.md; tools/brisk_report.py reads it.
 *
 * Files: BRISK_TRACE_FILE for the process whose pid is BRISK_TRACE_ROOT
 * (the one `brisk trace` started), BRISK_TRACE_FILE.<pid> for every other
 * (fork children, programs they execute); an image that execs appends a
 * new PROCESS chunk to its file.
 *
 * Threads: each buffer belongs to one thread (a thread-exit key flushes
 * it and returns it to a pool for the next thread); a registry of all
 * buffers lets the exit flush write what every thread still holds.  The
 * owner and the exit flush exclude each other through the buffer's busy
 * word (one atomic exchange per record); the registry's spin lock is held
 * only to link or pool a buffer, never across a system call.
 *
 * Not allocating: buffers, the maps scratch area and the registry live in
 * memory mapped directly (brisk_os_map_untracked, not counted as heap).
 * Recording never re-enters itself: an allocation made while a record is
 * being written (the unwinder's) is served but not recorded.
 *
 * Stacks: libunwind's unw_backtrace, referenced weakly — `brisk trace
 * --stacks` preloads libunwind.so.8 beside the tracing library; without
 * it stacks are silently empty.  Symbolising happens after the run (the
 * report tool), from the MAPS chunks written at start-up and at exit.
 *
 * Lost on purpose: what a process does before the constructor runs (the
 * loader's first allocations), and what a buffer holds when the process
 * dies without exiting (a signal, _exit, or exec).
 */
#ifndef BRISK_OBSERVE_TRACEFILE_H
#define BRISK_OBSERVE_TRACEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Record kinds (docs/trace-format.md). */
enum {
  TRACE_MALLOC = 1,
  TRACE_CALLOC = 2,
  TRACE_REALLOC = 3,
  TRACE_ALIGNED = 4,
  TRACE_FREE = 5,
  TRACE_SYSCALL = 6,
  TRACE_SAMPLE = 7,
  TRACE_STACK = 8,
};

/* Set once by brisk_tracefile_init when the trace file is open. */
extern bool brisk_tracefile_on;

/* Library constructor (after the options are read): when BRISK_TRACE_FILE
 * is set in a tracing build, open the process's trace file and write its
 * PROCESS and MAPS chunks.  Returns true when tracing started (the caller
 * then routes the event hook's syscall hook to brisk_tracefile_syscall).
 * In other builds a set BRISK_TRACE_FILE gets one warning line. */
bool brisk_tracefile_init(void);
/* Record one event of the calling thread (kind TRACE_MALLOC..TRACE_FREE;
 * fields as docs/trace-format.md).  Safe from any thread, at any time;
 * does nothing when tracing is off or this thread is already recording. */
void brisk_tracefile_event(unsigned kind, const void *addr, uint64_t size, uint64_t arg);
/* The event hook's syscall hook while tracing (also prints the call when
 * BRISK_TRACE_SYSCALLS=1). */
void brisk_tracefile_syscall(unsigned kind, const void *addr, size_t bytes, bool ok);
/* Library destructor: write every thread's buffer, the MAPS and the END
 * chunk.  Events of threads still running after it are dropped (counted). */
void brisk_tracefile_exit(void);
/* Fork child (async-signal-safe): forget the parent's buffered events and
 * the other threads' buffers, start the child's own file. */
void brisk_tracefile_atfork_child(void);

/* api/entry.h's calls: one branch on a read-mostly flag when tracing is
 * compiled in, nothing at all otherwise. */
static inline void trace_event(unsigned kind, const void *addr, uint64_t size, uint64_t arg) {
  if (BRISK_TRACE && __builtin_expect(brisk_tracefile_on, 0))
    brisk_tracefile_event(kind, addr, size, arg);
}

#endif
