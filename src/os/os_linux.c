/* SPDX-License-Identifier: MIT */
/* os/os_linux.c — the Linux implementation of the OS seam (os/os.h).
 *
 * Owns: every system call brisk makes (mmap, munmap, madvise, mremap,
 * mprotect, getrandom, write, open/read of /proc/self/statm, the
 * statistics and trace files' open/write/close, getpid/gettid/getppid,
 * reads of /proc/self/maps and cmdline, readlink of /proc/self/exe,
 * clock_gettime, sigaction for the guard pool's SIGSEGV handler, and
 * meshing's memfd_create/ftruncate/pread/pwrite/fallocate, fixed
 * remaps, rt_sigprocmask and reads of /proc/self/stat and
 * /proc/sys/vm/max_map_count); each memory call is reported to the event
 * hook.
 * Thread-safety: all functions are safe from any thread and take no lock.
 */
#include "os/os.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "observe/event.h"

static void note_mapped(size_t size) { brisk_event_mapped((int64_t)size); }

static void raw_unmap(void *p, size_t size) {
  int rc = munmap(p, size);
  brisk_event_syscall(BRISK_SYS_MUNMAP, p, size, rc == 0);
}

/* mmap, refusing (and unmapping) a range beyond the managed address space. */
static void *raw_map(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  brisk_event_syscall(BRISK_SYS_MMAP, p == MAP_FAILED ? NULL : p, size, p != MAP_FAILED);
  if (p == MAP_FAILED) return NULL;
  if ((((uintptr_t)p + size) >> BRISK_ADDRESS_BITS) != 0) {
    raw_unmap(p, size);
    return NULL;
  }
  return p;
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

void *brisk_os_reserve(size_t size) {
  int saved = errno;
  void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  brisk_event_syscall(BRISK_SYS_MMAP, p == MAP_FAILED ? NULL : p, size, p != MAP_FAILED);
  if (p != MAP_FAILED && (((uintptr_t)p + size) >> BRISK_ADDRESS_BITS) != 0) {
    raw_unmap(p, size);
    p = MAP_FAILED;
  }
  errno = saved;
  return p == MAP_FAILED ? NULL : p;
}

void brisk_os_unreserve(void *p, size_t size) {
  int saved = errno;
  raw_unmap(p, size);
  errno = saved;
}

void brisk_os_unmap(void *p, size_t size) {
  int saved = errno;
  raw_unmap(p, size);
  brisk_event_mapped(-(int64_t)size);
  errno = saved;
}

size_t brisk_os_purge(void *p, size_t size) {
  if (size == 0) return 0;
  int saved = errno;
  int rc = madvise(p, size, MADV_DONTNEED);
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MADVISE, p, size, rc == 0);
  if (rc != 0) return 0;
  brisk_event_purged(size);
  return size;
}

void brisk_os_hint_huge(void *p, size_t size) {
  int saved = errno;
  int rc = madvise(p, size, MADV_HUGEPAGE);
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MADVISE, p, size, rc == 0);
}

int brisk_os_protect(void *p, size_t size, bool accessible) {
  int saved = errno;
  int rc = mprotect(p, size, accessible ? PROT_READ | PROT_WRITE : PROT_NONE);
  int err = rc == 0 ? 0 : errno;
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MPROTECT, p, size, rc == 0);
  return err;
}

int brisk_os_protect_readonly(void *p, size_t size) {
  int saved = errno;
  int rc = mprotect(p, size, PROT_READ);
  int err = rc == 0 ? 0 : errno;
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MPROTECT, p, size, rc == 0);
  return err;
}

void brisk_os_random(void *buf, size_t len) {
  int saved = errno;
  uint8_t *out = buf;
  size_t got = 0;
  while (got < len) {
    ssize_t n = getrandom(out + got, len - got, GRND_NONBLOCK);
    if (n <= 0) break;
    got += (size_t)n;
  }
  if (got < len) { /* no entropy yet: the kernel's 16 start-up bytes and the clock */
    const uint8_t *aux = (const uint8_t *)getauxval(AT_RANDOM);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)buf;
    for (size_t i = got; i < len; i++) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      out[i] = (uint8_t)((x >> 56) ^ (aux != NULL ? aux[i & 15] : 0));
    }
  }
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
  if (((uintptr_t)p + new_size) >> BRISK_ADDRESS_BITS) return false;
  int saved = errno;
  void *q = mremap(p, old_size, new_size, 0);
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MREMAP, p, new_size, q != MAP_FAILED);
  if (q == MAP_FAILED) return false;
  brisk_event_mapped((int64_t)new_size - (int64_t)old_size);
  return true;
}

bool brisk_os_move(void *p, size_t old_size, void *dst, size_t new_size) {
#if defined(__SANITIZE_THREAD__)
  (void)p, (void)old_size, (void)dst, (void)new_size;
  return false;
#endif
  int saved = errno;
  void *q = mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MREMAP, dst, new_size, q != MAP_FAILED);
  if (q == MAP_FAILED) return false;
  /* dst (new_size) was counted when mapped; the old range is gone */
  brisk_event_mapped(-(int64_t)old_size);
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

int brisk_os_open_write(const char *path) {
  int saved = errno;
  int fd;
  do {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  errno = saved;
  return fd;
}

void brisk_os_close(int fd) {
  int saved = errno;
  close(fd);
  errno = saved;
}

long brisk_os_pid(void) { return (long)getpid(); }

int brisk_os_open_append(const char *path) {
  int saved = errno;
  int fd;
  do {
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  errno = saved;
  return fd;
}

size_t brisk_os_read_file(const char *path, char *buf, size_t cap) {
  int saved = errno;
  size_t len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    while (len < cap) {
      ssize_t n = read(fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      len += (size_t)n;
    }
    close(fd);
  }
  errno = saved;
  return len;
}

void brisk_os_exe_path(char *buf, size_t cap) {
  if (cap == 0) return;
  int saved = errno;
  ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
  errno = saved;
  buf[n > 0 ? (size_t)n : 0] = 0;
}

long brisk_os_tid(void) { return (long)gettid(); }
long brisk_os_ppid(void) { return (long)getppid(); }
void brisk_os_yield(void) { sched_yield(); }

static uint64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
uint64_t brisk_os_now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t brisk_os_realtime_ns(void) { return clock_ns(CLOCK_REALTIME); }

void *brisk_os_map_untracked(size_t size) {
  int saved = errno;
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  errno = saved;
  return p == MAP_FAILED ? NULL : p;
}

void brisk_os_unmap_untracked(void *p, size_t size) {
  int saved = errno;
  munmap(p, size);
  errno = saved;
}

void brisk_os_program_name(char *buf, size_t cap) {
  if (cap == 0) return;
  int saved = errno;
  char path[512];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  errno = saved;
  size_t start = 0, len = 0;
  if (n > 0) {
    path[n] = 0;
    for (ssize_t i = 0; i < n; i++)
      if (path[i] == '/') start = (size_t)i + 1;
    /* an executable replaced while running reads "name (deleted)" */
    static const char del[] = " (deleted)";
    size_t end = (size_t)n, dl = sizeof del - 1;
    if (end - start > dl && memcmp(path + end - dl, del, dl) == 0) end -= dl;
    for (size_t i = start; i < end && len + 1 < cap; i++) buf[len++] = path[i];
  }
  if (len == 0 && cap > 1) buf[len++] = '?';
  buf[len] = 0;
}

uint64_t (*brisk_os_clock_hook)(void);

uint64_t brisk_os_now_ms(void) {
  if (BRISK_DEBUG && brisk_os_clock_hook != NULL) return brisk_os_clock_hook();
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

size_t brisk_os_rss_bytes(void) {
  char buf[128];
  size_t n = brisk_os_read_file("/proc/self/statm", buf, sizeof buf - 1);
  buf[n] = 0;
  const char *s = buf;
  while (*s && *s != ' ') s++; /* skip total size */
  while (*s == ' ') s++;
  size_t pages = 0;
  while (*s >= '0' && *s <= '9') pages = pages * 10 + (size_t)(*s++ - '0');
  return pages * BRISK_OS_PAGE;
}

_Noreturn void brisk_os_abort(void) {
  abort();
}

/* The SIGSEGV handler of brisk_os_fault_hook and the action it replaced. */
static bool (*fault_claim)(void *addr);
static struct sigaction fault_prev;

/* Default action, then the signal again: pending while the handler runs
 * (SIGSEGV is blocked in it), taken with the default action on return. */
static void fault_default(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  raise(sig);
}

static void fault_signal(int sig, siginfo_t *info, void *uctx) {
  int saved = errno;
  bool fault = info != NULL && info->si_code > 0; /* raised by the kernel */
  if (fault && fault_claim(info->si_addr)) {
    fault_default(sig);
  } else if (fault_prev.sa_flags & SA_SIGINFO) {
    fault_prev.sa_sigaction(sig, info, uctx);
  } else if (fault_prev.sa_handler == SIG_DFL || (fault_prev.sa_handler == SIG_IGN && fault)) {
    fault_default(sig);
  } else if (fault_prev.sa_handler != SIG_IGN) {
    fault_prev.sa_handler(sig);
  }
  errno = saved;
}

int brisk_os_fault_hook(bool (*claim)(void *addr)) {
  int saved = errno;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fault_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  fault_claim = claim;
  int rc = sigaction(SIGSEGV, &sa, &fault_prev);
  int err = rc == 0 ? 0 : errno;
  errno = saved;
  return err;
}

/* ------------------------------------------------------------- meshing */

int brisk_os_memfd(size_t size) {
  int saved = errno;
  int fd = (int)syscall(SYS_memfd_create, "brisk-mesh", 1u /* MFD_CLOEXEC */);
  if (fd >= 0 && ftruncate(fd, (off_t)size) != 0) {
    close(fd);
    fd = -1;
  }
  errno = saved;
  return fd;
}

bool brisk_os_file_write(int fd, const void *buf, size_t len, uint64_t off) {
  int saved = errno;
  const char *b = buf;
  while (len > 0) {
    ssize_t n = pwrite(fd, b, len, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    b += n, len -= (size_t)n, off += (uint64_t)n;
  }
  errno = saved;
  return len == 0;
}

bool brisk_os_file_read(int fd, void *buf, size_t len, uint64_t off) {
  int saved = errno;
  char *b = buf;
  while (len > 0) {
    ssize_t n = pread(fd, b, len, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    b += n, len -= (size_t)n, off += (uint64_t)n;
  }
  errno = saved;
  return len == 0;
}

void brisk_os_file_punch(int fd, uint64_t off, size_t len) {
  int saved = errno;
  int rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MADVISE, NULL, len, rc == 0);
}

bool brisk_os_map_file_at(void *p, size_t size, int fd, uint64_t off) {
  int saved = errno;
  void *q = mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, (off_t)off);
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MMAP, p, size, q == p);
  return q == p;
}

bool brisk_os_map_anon_at(void *p, size_t size) {
  int saved = errno;
  void *q = mmap(p, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
  errno = saved;
  brisk_event_syscall(BRISK_SYS_MMAP, p, size, q == p);
  return q == p;
}

/* The raw system call: glibc's sigprocmask would keep its own signals
 * (thread cancellation, setxid) deliverable; nothing may run inside a
 * mesh step, so every one is blocked (the kernel ignores SIGKILL/SIGSTOP). */
uint64_t brisk_os_signals_block(void) {
  int saved = errno;
  uint64_t all = ~(uint64_t)0, old = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
  errno = saved;
  return old;
}

void brisk_os_signals_restore(uint64_t old) {
  int saved = errno;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
  errno = saved;
}

/* Field 20 of /proc/self/stat (num_threads), counted after the command
 * name's closing parenthesis (the name may hold spaces and parentheses). */
long brisk_os_thread_count(void) {
  char buf[1024];
  size_t n = brisk_os_read_file("/proc/self/stat", buf, sizeof buf - 1);
  buf[n] = 0;
  const char *s = NULL;
  for (size_t i = 0; i < n; i++)
    if (buf[i] == ')') s = buf + i + 1;
  if (s == NULL) return 0;
  for (int field = 2; field < 20 && *s; s++)
    if (*s == ' ') field++;
  long v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  return v;
}

long brisk_os_map_count_max(void) {
  char buf[32];
  size_t n = brisk_os_read_file("/proc/sys/vm/max_map_count", buf, sizeof buf - 1);
  long v = 0;
  for (size_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (buf[i] - '0');
  return v > 0 ? v : 65530;
}
