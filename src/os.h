/* os.h — the one seam between brisk and the kernel.
 *
 * Only os_linux.c includes <sys/mman.h> or makes system calls.  None of
 * these functions allocates, takes a lock, or touches errno visibly: each
 * saves and restores errno so that free() and friends preserve it.
 * Every mapping/unmapping is counted in the process statistics.
 */
#ifndef BRISK_OS_H
#define BRISK_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Map `size` bytes (a multiple of the OS page) of zeroed, readable and
 * writable memory whose address is a multiple of `align` (a power of two
 * >= the OS page).  Returns NULL when the kernel refuses (ENOMEM, rlimit).
 * Physical pages are committed lazily on first touch. */
void *brisk_os_map_aligned(size_t size, size_t align);

/* Unmap [p, p+size).  p and size are OS-page multiples. */
void brisk_os_unmap(void *p, size_t size);

/* Give the physical pages of [p, p+size) back to the kernel now
 * (MADV_DONTNEED: RSS falls at once, the range reads back as zeros and
 * stays mapped).  p and size are OS-page multiples.  Returns bytes purged. */
size_t brisk_os_purge(void *p, size_t size);

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

/* Monotonic time in milliseconds (vDSO, no syscall in the common case). */
uint64_t brisk_os_now_ms(void);

/* Resident set size of the process in bytes (from /proc/self/statm), or 0. */
size_t brisk_os_rss_bytes(void);

/* Kill the process with SIGABRT (after the caller printed why). */
_Noreturn void brisk_os_abort(void);

/* Syscall counters (relaxed atomics, process-wide). */
typedef struct os_counters {
  uint64_t mmap_calls, munmap_calls, madvise_calls, mremap_calls;
  uint64_t mapped, peak_mapped, purged_total;
} os_counters_t;
void brisk_os_counters(os_counters_t *out);

#endif /* BRISK_OS_H */
