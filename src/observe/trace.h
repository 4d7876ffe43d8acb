/* SPDX-License-Identifier: MIT */
/* observe/trace.h — printing brisk's own system calls as they happen
 * (BRISK_TRACE_SYSCALLS=1, `brisk run --syscalls`): one line on stderr per
 * mmap, munmap, madvise, mremap and mprotect that brisk makes, e.g.
 *   brisk: mmap 0x7f3a5c000000 8.0 MiB (8388608)
 *   brisk: madvise 0x7f3a5c410000 64.0 KiB (65536)
 * Unlike strace it shows only the allocator's calls (not the loader's or
 * libc's) and costs nothing when off.  No allocation, no lock: each line
 * is one write(2). */
#ifndef BRISK_OBSERVE_TRACE_H
#define BRISK_OBSERVE_TRACE_H

#include <stdbool.h>
#include <stddef.h>

/* The event hook's system-call tracer (observe/event.h). */
void brisk_trace_syscall(unsigned kind, const void *addr, size_t bytes, bool ok);

#endif
