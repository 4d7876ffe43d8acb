/* os_linux.c — the Linux implementation of the OS seam (os.h).
 *
 * Owns: every system call brisk makes (mmap, munmap, madvise, mremap,
 * write, open/read of /proc/self/statm, clock_gettime) and the syscall
 * counters.  Thread-safety: all functions are safe from any thread; the
 * counters are relaxed atomics.  No function here takes a lock.
 */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

static os_counters_t counters;

#define CNT_ADD(field, n) __atomic_fetch_add(&counters.field, (n), __ATOMIC_RELAXED)

static void note_mapped(size_t size) {
  uint64_t now = CNT_ADD(mapped, size) + size;
  uint64_t peak = __atomic_load_n(&counters.peak_mapped, __ATOMIC_RELAXED);
  while (now > peak &&
         !__atomic_compare_exchange_n(&counters.peak_mapped, &peak, now, true,
                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

static void *raw_map(size_t size) {
  CNT_ADD(mmap_calls, 1);
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void raw_unmap(void *p, size_t size) {
  CNT_ADD(munmap_calls, 1);
  munmap(p, size);
}

void *brisk_os_map_aligned(size_t size, size_t align) {
  int saved = errno;
  void *p = NULL;
  if (align <= BRISK_OS_PAGE) {
    p = raw_map(size);
  } else if (size + align > size) {
    /* Map size + align and trim both ends: three syscalls, no retry loop. */
    size_t over = size + align;
    char *q = raw_map(over);
    if (q != NULL) {
      char *aligned = (char *)(((uintptr_t)q + align - 1) & ~(uintptr_t)(align - 1));
      size_t head = (size_t)(aligned - q);
      size_t tail = over - head - size;
      if (head) raw_unmap(q, head);
      if (tail) raw_unmap(aligned + size, tail);
      p = aligned;
    }
  }
  if (p != NULL) note_mapped(size);
  errno = saved;
  return p;
}

void brisk_os_unmap(void *p, size_t size) {
  int saved = errno;
  raw_unmap(p, size);
  CNT_ADD(mapped, -(uint64_t)size);
  errno = saved;
}

size_t brisk_os_purge(void *p, size_t size) {
  if (size == 0) return 0;
  int saved = errno;
  CNT_ADD(madvise_calls, 1);
  int rc = madvise(p, size, MADV_DONTNEED);
  errno = saved;
  if (rc != 0) return 0;
  CNT_ADD(purged_total, size);
  return size;
}

void brisk_os_hint_huge(void *p, size_t size) {
  int saved = errno;
  CNT_ADD(madvise_calls, 1);
  madvise(p, size, MADV_HUGEPAGE);
  errno = saved;
}

bool brisk_os_resize_in_place(void *p, size_t old_size, size_t new_size) {
#if defined(__SANITIZE_THREAD__)
  /* ThreadSanitizer does not intercept mremap: pages moved (or a range
   * released) by it keep stale shadow state and yield false races.  The
   * TSan build resizes by copying instead. */
  (void)p, (void)old_size, (void)new_size;
  return false;
#endif
  int saved = errno;
  CNT_ADD(mremap_calls, 1);
  void *q = mremap(p, old_size, new_size, 0);
  errno = saved;
  if (q == MAP_FAILED) return false;
  if (new_size > old_size)
    note_mapped(new_size - old_size);
  else
    CNT_ADD(mapped, -(uint64_t)(old_size - new_size));
  return true;
}

bool brisk_os_move(void *p, size_t old_size, void *dst, size_t new_size) {
#if defined(__SANITIZE_THREAD__)
  (void)p, (void)old_size, (void)dst, (void)new_size;
  return false;
#endif
  int saved = errno;
  CNT_ADD(mremap_calls, 1);
  void *q = mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  errno = saved;
  if (q == MAP_FAILED) return false;
  /* dst (new_size) was counted when mapped; the old range is gone */
  CNT_ADD(mapped, -(uint64_t)old_size);
  return true;
}

void brisk_os_write_fd(int fd, const char *buf, size_t len) {
  int saved = errno;
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf += n;
    len -= (size_t)n;
  }
  errno = saved;
}

void brisk_os_write_err(const char *buf, size_t len) { brisk_os_write_fd(2, buf, len); }

uint64_t brisk_os_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

size_t brisk_os_rss_bytes(void) {
  int saved = errno;
  size_t rss = 0;
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) {
      buf[n] = 0;
      const char *s = buf;
      while (*s && *s != ' ') s++; /* skip total size */
      while (*s == ' ') s++;
      size_t pages = 0;
      while (*s >= '0' && *s <= '9') pages = pages * 10 + (size_t)(*s++ - '0');
      rss = pages * BRISK_OS_PAGE;
    }
  }
  errno = saved;
  return rss;
}

_Noreturn void brisk_os_abort(void) {
  abort();
}

void brisk_os_counters(os_counters_t *out) {
  out->mmap_calls = __atomic_load_n(&counters.mmap_calls, __ATOMIC_RELAXED);
  out->munmap_calls = __atomic_load_n(&counters.munmap_calls, __ATOMIC_RELAXED);
  out->madvise_calls = __atomic_load_n(&counters.madvise_calls, __ATOMIC_RELAXED);
  out->mremap_calls = __atomic_load_n(&counters.mremap_calls, __ATOMIC_RELAXED);
  out->mapped = __atomic_load_n(&counters.mapped, __ATOMIC_RELAXED);
  out->peak_mapped = __atomic_load_n(&counters.peak_mapped, __ATOMIC_RELAXED);
  out->purged_total = __atomic_load_n(&counters.purged_total, __ATOMIC_RELAXED);
}
