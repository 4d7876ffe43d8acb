/* SPDX-License-Identifier: MIT */
/* os/os.h — the one seam between brisk and the kernel.
 *
 * Only os/os_linux.c includes <sys/mman.h> or makes system calls.  None of
 * these functions allocates, takes a lock, or touches errno visibly: each
 * saves and restores errno so that free() and friends preserve it.
 * Every memory system call is reported to the event hook
 * (observe/event.h), which counts it for the statistics.
 */
#ifndef BRISK_OS_OS_H
#define BRISK_OS_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Map `size` bytes (a multiple of the OS page) of zeroed, readable and
 * writable memory whose address is a multiple of `align` (a power of two
 * >= the OS page).  Returns NULL when the kernel refuses (ENOMEM, rlimit).
 * Physical pages are committed lazily on first touch.  A mapping that
 * would end at or above 2^BRISK_ADDRESS_BITS is given back and refused. */
void *brisk_os_map_aligned(size_t size, size_t align);

/* Reserve `size` bytes (an OS-page multiple) of address space that is
 * never accessible (PROT_NONE, nothing committed): any access faults.
 * Not counted as mapped memory.  NULL when the kernel refuses; like
 * brisk_os_map_aligned, it lies below 2^BRISK_ADDRESS_BITS. */
void *brisk_os_reserve(size_t size);
/* Give back a reservation [p, p+size) made by brisk_os_reserve. */
void brisk_os_unreserve(void *p, size_t size);

/* Make [p, p+size) read-only (PROT_READ).  OS-page multiples.  Returns 0
 * or an errno value. */
int brisk_os_protect_readonly(void *p, size_t size);

/* Unmap [p, p+size).  p and size are OS-page multiples. */
void brisk_os_unmap(void *p, size_t size);

/* Give the physical pages of [p, p+size) back to the kernel now
 * (MADV_DONTNEED: RSS falls at once, the range reads back as zeros and
 * stays mapped).  p and size are OS-page multiples.  Returns size when the
 * range now reads as zeros, 0 when the kernel refused (e.g. EINVAL on
 * locked pages after mlockall): the contents are then unchanged. */
size_t brisk_os_purge(void *p, size_t size);

/* Make [p, p+size) inaccessible (accessible=false: PROT_NONE) or readable
 * and writable again.  OS-page multiples.  Returns 0 or an errno value. */
int brisk_os_protect(void *p, size_t size, bool accessible);

/* Fill buf with len random bytes (getrandom, falling back to the kernel's
 * AT_RANDOM bytes mixed with the clock).  Never fails, never blocks long. */
void brisk_os_random(void *buf, size_t len);

/* Ask for transparent huge pages on [p, p+size) (MADV_HUGEPAGE): one page
 * fault per 2 MiB instead of 512.  Advisory; failures are ignored. */
void brisk_os_hint_huge(void *p, size_t size);

/* Resize the mapping [p, p+old_size) to new_size bytes in place (mremap
 * without moving).  Shrinking always succeeds; growing fails (false) when
 * the range after it is taken.  The mapping is intact on failure. */
bool brisk_os_resize_in_place(void *p, size_t old_size, size_t new_size);

/* Move the pages of [p, p+old_size) onto dst, a range of new_size bytes
 * (>= old_size) the caller mapped with brisk_os_map_aligned, which they
 * replace (mremap MREMAP_FIXED: nothing is copied).  On failure (false)
 * both mappings are intact. */
bool brisk_os_move(void *p, size_t old_size, void *dst, size_t new_size);

/* Write len bytes to stderr, retrying short writes; never allocates. */
void brisk_os_write_err(const char *buf, size_t len);
/* Write len bytes to file descriptor fd. */
void brisk_os_write_fd(int fd, const char *buf, size_t len);

/* Create or truncate the file at path for writing (mode 0644 before the
 * umask, close-on-exec); returns the descriptor or -1. */
int brisk_os_open_write(const char *path);
/* Close a descriptor brisk_os_open_write returned. */
void brisk_os_close(int fd);
/* Open (creating, mode 0644 before the umask) the file at path for
 * appending, close-on-exec: every write lands at the end, whole, even when
 * several processes append (the trace files).  The descriptor or -1. */
int brisk_os_open_append(const char *path);
/* Read up to cap bytes of the file at path (a /proc file) into buf;
 * returns the bytes read (0 when unreadable).  Not NUL-terminated. */
size_t brisk_os_read_file(const char *path, char *buf, size_t cap);
/* The executable's path (readlink /proc/self/exe), NUL-terminated in
 * buf[cap] ("" when unreadable). */
void brisk_os_exe_path(char *buf, size_t cap);
/* The calling thread's id (gettid) and the parent process's id. */
long brisk_os_tid(void);
long brisk_os_ppid(void);
/* Let another thread run (sched_yield). */
void brisk_os_yield(void);
/* Nanoseconds of CLOCK_MONOTONIC and of CLOCK_REALTIME (vDSO). */
uint64_t brisk_os_now_ns(void);
uint64_t brisk_os_realtime_ns(void);
/* Map / unmap size bytes (page multiple) of zeroed memory for brisk's own
 * tools (trace buffers): not reported to the event hook, so neither the
 * statistics nor a trace count them as the heap's.  NULL on failure. */
void *brisk_os_map_untracked(size_t size);
void brisk_os_unmap_untracked(void *p, size_t size);
/* The process id. */
long brisk_os_pid(void);
/* The program's name, NUL-terminated in buf[cap]: the basename of
 * /proc/self/exe (readlink, truncated to fit), or "?" when unreadable. */
void brisk_os_program_name(char *buf, size_t cap);

/* Monotonic time in milliseconds (vDSO, no syscall in the common case).
 * Debug builds (BRISK_DEBUG) read brisk_os_clock_hook instead when a unit
 * test set it: the purge policy is then tested against an injected clock. */
uint64_t brisk_os_now_ms(void);
extern uint64_t (*brisk_os_clock_hook)(void);

/* Resident set size of the process in bytes (from /proc/self/statm), or 0. */
size_t brisk_os_rss_bytes(void);

/* Kill the process with SIGABRT (after the caller printed why). */
_Noreturn void brisk_os_abort(void);

/* Install a SIGSEGV handler (sigaction; SA_SIGINFO | SA_ONSTACK) that
 * calls claim(fault address) for each fault the kernel raises.  When
 * claim returns true (the address was its own and it reported the fault)
 * the handler restores the default action and re-raises: the process
 * dies by SIGSEGV.  Otherwise, and for a SIGSEGV sent by a process, it
 * hands the signal to the action installed before (a handler is called;
 * SIG_DFL, or SIG_IGN for a fault, kills).  claim must be
 * async-signal-safe.  Call once; returns 0 or an errno value. */
int brisk_os_fault_hook(bool (*claim)(void *addr));


/* ---------------------------------------------------------- meshing
 * core/mesh.c: OS pages of the heap that share one page of a memory file.
 * Each call saves errno; the remaps are reported to the event hook as
 * mmap, a hole punched in the file as madvise (both give pages back). */

/* A memory file (memfd, close-on-exec) of `size` bytes reading as zero,
 * holes until written; its descriptor, or -1 when the kernel refuses. */
int brisk_os_memfd(size_t size);
/* Write / read len bytes at file offset off (pwrite / pread, retried on
 * EINTR and short counts).  true when all of them moved. */
bool brisk_os_file_write(int fd, const void *buf, size_t len, uint64_t off);
bool brisk_os_file_read(int fd, void *buf, size_t len, uint64_t off);
/* Punch a hole (free the pages) of len bytes at file offset off; the
 * range reads as zero after.  Failures are ignored (the pages stay). */
void brisk_os_file_punch(int fd, uint64_t off, size_t len);
/* Replace the pages of [p, p+size) by a shared mapping of the file's
 * [off, off+size) (MAP_FIXED).  false, with the old pages intact, when the
 * kernel refuses. */
bool brisk_os_map_file_at(void *p, size_t size, int fd, uint64_t off);
/* Replace the pages of [p, p+size) by fresh private zero pages
 * (MAP_FIXED); false, with the old mapping intact, when refused. */
bool brisk_os_map_anon_at(void *p, size_t size);
/* Block every signal in the calling thread; returns the mask to restore. */
uint64_t brisk_os_signals_block(void);
void brisk_os_signals_restore(uint64_t old);
/* Threads of the process now (/proc/self/stat), 0 when unreadable. */
long brisk_os_thread_count(void);
/* The kernel's limit on mappings per process (vm.max_map_count). */
long brisk_os_map_count_max(void);

#endif /* BRISK_OS_H */
