/* SPDX-License-Identifier: MIT */
/* observe/tracefile.c — the allocation trace recorder (observe/tracefile.h).
 *
 * Invariants:
 * - A buffer's bytes [0, 16) are the EVENTS chunk header, [16, len) whole
 *   records; len <= BUF_BYTES - MAX_RECORD between records, so a record
 *   always fits and a flush is one write of [0, len).
 * - b->busy is 1 exactly while someone (the owner recording, or the exit
 *   flush) reads or writes b->len and the records; b->dead once the exit
 *   flush wrote the buffer for the last time: later records are dropped.
 * - A stack id in an event refers to a STACK record written earlier in the
 *   same file (same image): ids are process-wide and a buffer's cache only
 *   holds stacks whose records went into that buffer before.
 * - A buffer is on the registry list (all_bufs) from its first use to the
 *   process's end, and on the pool (free_bufs) only while no thread owns it.
 */
#include "observe/tracefile.h"

#include <link.h>
#include <pthread.h>
#include <string.h>

#include "core/options.h"
#include "observe/event.h"
#include "observe/output.h"
#include "observe/trace.h"
#include "os/os.h"

#define MAGIC 0x43525442u /* "BTRC" */
#define CHUNK_PROCESS 1
#define CHUNK_EVENTS 2
#define CHUNK_MAPS 3
#define CHUNK_END 4
#define CHUNK_THREAD 5
#define HDR_BYTES 16
#define REC_BYTES 32
#define MAX_FRAMES 48
#define SKIP_MAX 16 /* frames captured beyond MAX_FRAMES to drop brisk's own */
#define STACK_REF 255 /* nframes value: one u64 stack id follows the record */
/* the largest an event can add: a STACK record with its frames, then the
 * event with its stack id */
#define MAX_RECORD (2 * REC_BYTES + 8 * MAX_FRAMES + 8)
#define BUF_BYTES (256u << 10)
#define CACHE_SLOTS 4096 /* per-thread cache of stacks already written */
#define MAPS_BYTES (8u << 20) /* scratch for /proc/self/maps (lazily backed) */

/* A stack already written (as a STACK record) in this process's file. */
typedef struct stack_slot_s {
  uint64_t id; /* 0: empty */
  uint32_t nframes;
  uint32_t hash;
  uint64_t pcs[MAX_FRAMES];
} stack_slot_t;

typedef struct tbuf_s {
  struct tbuf_s *next_all;  /* registry (all_bufs) */
  struct tbuf_s *next_free; /* pool (free_bufs) */
  int busy;                 /* atomic: see the invariants */
  int dead;
  uint32_t tid;
  uint32_t len;
  unsigned char *data; /* BUF_BYTES, its own mapping */
  /* CACHE_SLOTS slots (lazily backed): a hit means the stack's STACK
   * record is already in the file (written before by a thread that used
   * this buffer: ids are process-wide), so the event refers to it. */
  stack_slot_t *stacks;
} tbuf_t;

bool brisk_tracefile_on;

static int trace_fd = -1;
static bool with_stacks;
static uint64_t start_ticks, start_ns, ticks_per_sec_x1000;
static uintptr_t self_lo, self_hi; /* this library's text: frames to drop */
static uint64_t dropped;            /* atomic */
static uint64_t next_stack_id = 1;  /* atomic */
static pthread_key_t exit_key;
static spinlock_t reg_lock; /* all_bufs, free_bufs */
static tbuf_t *all_bufs, *free_bufs;
static __thread tbuf_t *my_buf;
static __thread int recording;

/* libunwind, when `brisk trace --stacks` preloaded it (x86-64 names of
 * unw_set_caching_policy and unw_local_addr_space: a per-thread cache of
 * unwind information makes a stack some ten times cheaper). */
extern int unw_backtrace(void **buffer, int size) __attribute__((weak));
extern int _ULx86_64_set_caching_policy(void *as, int policy) __attribute__((weak));
extern void *_ULx86_64_local_addr_space __attribute__((weak));
#define UNW_CACHE_PER_THREAD 2

/* ------------------------------------------------------------- time */

static inline uint64_t ticks(void) {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_ia32_rdtsc();
#else
  return brisk_os_now_ns();
#endif
}

/* Ticks per second × 1000, measured over about 2 ms (0: ticks are ns). */
static uint64_t calibrate(void) {
#if defined(__x86_64__) || defined(__i386__)
  uint64_t n0 = brisk_os_now_ns(), t0 = ticks(), n1, t1;
  do {
    n1 = brisk_os_now_ns();
    t1 = ticks();
  } while (n1 - n0 < 2000000);
  return (uint64_t)((double)(t1 - t0) * 1e12 / (double)(n1 - n0));
#else
  return 0;
#endif
}

/* ------------------------------------------------------------- chunks */

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

static void chunk_header(unsigned char *h, unsigned type, uint32_t tid, uint32_t len) {
  put32(h, MAGIC);
  put32(h + 4, type); /* u16 type, u16 reserved = 0 */
  put32(h + 8, tid);
  put32(h + 12, len);
}

/* Write a small chunk (payload <= 240 bytes) in one write. */
static void write_small(unsigned type, const void *payload, uint32_t len) {
  unsigned char buf[HDR_BYTES + 240];
  if (trace_fd < 0 || len > 240) return;
  chunk_header(buf, type, (uint32_t)brisk_os_tid(), len);
  memcpy(buf + HDR_BYTES, payload, len);
  brisk_os_write_fd(trace_fd, (const char *)buf, HDR_BYTES + len);
}

/* The MAPS chunk: /proc/self/maps as it is now. */
static void write_maps(void) {
  unsigned char *s = brisk_os_map_untracked(MAPS_BYTES);
  if (s == NULL) return;
  size_t n = brisk_os_read_file("/proc/self/maps", (char *)s + HDR_BYTES, MAPS_BYTES - HDR_BYTES);
  chunk_header(s, CHUNK_MAPS, (uint32_t)brisk_os_tid(), (uint32_t)n);
  brisk_os_write_fd(trace_fd, (const char *)s, HDR_BYTES + n);
  brisk_os_unmap_untracked(s, MAPS_BYTES);
}

/* The PROCESS chunk that starts an image (start_* already set). */
static void write_process(void) {
  unsigned char buf[HDR_BYTES + 48 + 512 + 1024];
  unsigned char *p = buf + HDR_BYTES;
  put32(p, 1);
  put32(p + 4, (uint32_t)brisk_os_pid());
  put32(p + 8, (uint32_t)brisk_os_ppid());
  put32(p + 12, with_stacks ? 1u : 0u);
  put64(p + 16, start_ticks);
  put64(p + 24, start_ns);
  put64(p + 32, brisk_os_realtime_ns());
  put64(p + 40, ticks_per_sec_x1000);
  size_t len = 48;
  brisk_os_exe_path((char *)p + len, 512);
  len += strlen((char *)p + len) + 1;
  size_t n = brisk_os_read_file("/proc/self/cmdline", (char *)p + len, 1023);
  while (n > 0 && p[len + n - 1] == 0) n--; /* the last argument's NUL */
  for (size_t i = 0; i < n; i++)
    if (p[len + i] == 0) p[len + i] = ' ';
  p[len + n] = 0;
  len += n + 1;
  chunk_header(buf, CHUNK_PROCESS, (uint32_t)brisk_os_tid(), (uint32_t)len);
  brisk_os_write_fd(trace_fd, (const char *)buf, HDR_BYTES + len);
}

/* Open this process's file ("FILE", or "FILE.<pid>" unless we are the
 * root) and start an image in it. */
static bool open_file(void) {
  char path[sizeof brisk_options.trace_file + 24];
  size_t n = strlen(brisk_options.trace_file);
  memcpy(path, brisk_options.trace_file, n);
  long pid = brisk_os_pid();
  if (pid != brisk_options.trace_root) {
    char digits[24];
    size_t d = 0;
    for (unsigned long v = (unsigned long)pid; v != 0 || d == 0; v /= 10) digits[d++] = (char)('0' + v % 10);
    path[n++] = '.';
    while (d > 0) path[n++] = digits[--d];
  }
  path[n] = 0;
  trace_fd = brisk_os_open_append(path);
  if (trace_fd < 0) {
    brisk_output_warn("cannot open the trace file, not tracing: ", path);
    return false;
  }
  start_ticks = ticks();
  start_ns = brisk_os_now_ns();
  write_process();
  write_maps();
  return true;
}

/* ------------------------------------------------------------- buffers */


/* Append a SAMPLE record (the buffer is busy and has room). */
static void put_sample(tbuf_t *b) {
  event_totals_t t;
  brisk_event_totals(&t);
  unsigned char *r = b->data + b->len;
  put64(r, ((ticks() - start_ticks) << 16) | TRACE_SAMPLE);
  put64(r + 8, brisk_os_rss_bytes());
  put64(r + 16, t.mapped);
  put64(r + 24, t.live_flushed - t.orphan_bytes);
  b->len += REC_BYTES;
}

/* Write the buffer's records as one EVENTS chunk (it is busy). */
static void flush(tbuf_t *b) {
  if (b->len <= HDR_BYTES) return;
  chunk_header(b->data, CHUNK_EVENTS, b->tid, b->len - HDR_BYTES);
  if (trace_fd >= 0) brisk_os_write_fd(trace_fd, (const char *)b->data, b->len);
  b->len = HDR_BYTES;
}

/* The calling thread's buffer, taken from the pool or mapped; NULL when
 * memory is short.  Called with `recording` set. */
static tbuf_t *my_buffer(void) {
  if (my_buf != NULL) return my_buf;
  spin_lock(&reg_lock);
  tbuf_t *b = free_bufs;
  if (b != NULL) free_bufs = b->next_free;
  spin_unlock(&reg_lock);
  if (b == NULL) {
    size_t cache = with_stacks ? CACHE_SLOTS * sizeof(stack_slot_t) : 0;
    unsigned char *m = brisk_os_map_untracked(BUF_BYTES + 4096 + cache);
    if (m == NULL) return NULL;
    b = (tbuf_t *)(m + BUF_BYTES);
    b->data = m;
    b->stacks = cache ? (stack_slot_t *)(m + BUF_BYTES + 4096) : NULL;
    spin_lock(&reg_lock);
    b->next_all = all_bufs;
    all_bufs = b;
    spin_unlock(&reg_lock);
  }
  b->tid = (uint32_t)brisk_os_tid();
  b->len = HDR_BYTES;
  b->busy = 0;
  my_buf = b;
  pthread_setspecific(exit_key, b); /* may calloc: not recorded (recording) */
  return b;
}

/* Thread exit: write what the buffer holds, mark the thread's end and
 * give the buffer back to the pool. */
static void thread_exit(void *arg) {
  tbuf_t *b = arg;
  recording = 1;
  if (!__atomic_exchange_n(&b->busy, 1, __ATOMIC_ACQUIRE)) {
    if (!b->dead) {
      put_sample(b);
      flush(b);
      unsigned char payload[16];
      put32(payload, b->tid);
      put32(payload + 4, 0);
      put64(payload + 8, ticks() - start_ticks);
      write_small(CHUNK_THREAD, payload, sizeof payload);
    }
    __atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
    if (!b->dead) {
      spin_lock(&reg_lock);
      b->next_free = free_bufs;
      free_bufs = b;
      spin_unlock(&reg_lock);
    }
  }
  if (my_buf == b) my_buf = NULL;
  recording = 0;
}

/* ------------------------------------------------------------- records */

/* Capture the caller's stack into pcs, dropping brisk's own frames. */
static unsigned capture(uint64_t *pcs) {
  void *raw[MAX_FRAMES + SKIP_MAX];
  int n = unw_backtrace(raw, MAX_FRAMES + SKIP_MAX);
  int i = 0;
  while (i < n && (uintptr_t)raw[i] >= self_lo && (uintptr_t)raw[i] < self_hi) i++;
  unsigned k = 0;
  for (; i < n && k < MAX_FRAMES; i++) pcs[k++] = (uint64_t)(uintptr_t)raw[i];
  return k;
}

/* The id of stack pcs[nf] (nf > 0): from the buffer's cache, or a new one
 * whose STACK record goes into the buffer now (the buffer is busy and has
 * room for MAX_RECORD). */
static uint64_t stack_id(tbuf_t *b, const uint64_t *pcs, unsigned nf, uint64_t t) {
  uint64_t h = nf;
  for (unsigned i = 0; i < nf; i++) h = (h ^ pcs[i]) * 0x9e3779b97f4a7c15u;
  uint32_t hash = (uint32_t)(h >> 32);
  stack_slot_t *slot = &b->stacks[hash & (CACHE_SLOTS - 1)];
  if (slot->id != 0 && slot->hash == hash && slot->nframes == nf &&
      memcmp(slot->pcs, pcs, 8 * (size_t)nf) == 0)
    return slot->id;
  uint64_t id = __atomic_fetch_add(&next_stack_id, 1, __ATOMIC_RELAXED);
  slot->id = id;
  slot->hash = hash;
  slot->nframes = nf;
  memcpy(slot->pcs, pcs, 8 * (size_t)nf);
  unsigned char *r = b->data + b->len;
  put64(r, t | (uint64_t)nf << 8 | TRACE_STACK);
  put64(r + 8, id);
  put64(r + 16, nf);
  put64(r + 24, 0);
  memcpy(r + REC_BYTES, pcs, 8 * (size_t)nf);
  b->len += REC_BYTES + 8 * nf;
  return id;
}

void brisk_tracefile_event(unsigned kind, const void *addr, uint64_t size, uint64_t arg) {
  if (!brisk_tracefile_on || recording) return;
  recording = 1;
  uint64_t pcs[MAX_FRAMES];
  /* stacks of allocations only: a free's stack tells nothing about where
   * memory went (and costs as much as the allocation's) */
  bool want = with_stacks && kind <= TRACE_ALIGNED;
  unsigned nf = want ? capture(pcs) : 0;
  tbuf_t *b = my_buffer();
  if (b == NULL || __atomic_exchange_n(&b->busy, 1, __ATOMIC_ACQUIRE)) {
    __atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
    recording = 0;
    return;
  }
  if (b->dead) {
    __atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
  } else {
    uint64_t t = (ticks() - start_ticks) << 16;
    uint64_t id = nf ? stack_id(b, pcs, nf, t) : 0;
    unsigned char *r = b->data + b->len;
    put64(r, t | (uint64_t)(id ? STACK_REF : 0) << 8 | kind);
    put64(r + 8, (uint64_t)(uintptr_t)addr);
    put64(r + 16, size);
    put64(r + 24, arg);
    b->len += REC_BYTES;
    if (id) {
      put64(r + REC_BYTES, id);
      b->len += 8;
    }
    if (b->len > BUF_BYTES - MAX_RECORD - REC_BYTES) {
      flush(b);
      put_sample(b);
    }
  }
  __atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
  recording = 0;
}

void brisk_tracefile_syscall(unsigned kind, const void *addr, size_t bytes, bool ok) {
  if (brisk_options.trace_syscalls) brisk_trace_syscall(kind, addr, bytes, ok);
  brisk_tracefile_event(TRACE_SYSCALL, addr, bytes, kind | (uint64_t)(ok ? 1 : 0) << 8);
}

/* ------------------------------------------------------------- lifetime */

static int find_self(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t me = (uintptr_t)data, lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uintptr_t a = info->dlpi_addr + ph->p_vaddr;
    if (a < lo) lo = a;
    if (a + ph->p_memsz > hi) hi = a + ph->p_memsz;
  }
  if (me < lo || me >= hi) return 0;
  self_lo = lo;
  self_hi = hi;
  return 1;
}

bool brisk_tracefile_init(void) {
  if (brisk_options.trace_file[0] == 0) return false;
  if (!BRISK_TRACE) {
    brisk_output_warn("BRISK_TRACE_FILE needs the tracing library (brisk trace), ignored: ",
                      brisk_options.trace_file);
    return false;
  }
  with_stacks = brisk_options.trace_stacks && unw_backtrace != NULL;
  if (with_stacks && _ULx86_64_set_caching_policy != NULL && &_ULx86_64_local_addr_space != NULL)
    _ULx86_64_set_caching_policy(_ULx86_64_local_addr_space, UNW_CACHE_PER_THREAD);
  if (pthread_key_create(&exit_key, thread_exit) != 0) return false;
  dl_iterate_phdr(find_self, (void *)(uintptr_t)brisk_tracefile_init);
  ticks_per_sec_x1000 = calibrate();
  if (!open_file()) return false;
  __atomic_store_n(&brisk_tracefile_on, true, __ATOMIC_RELEASE);
  return true;
}

void brisk_tracefile_exit(void) {
  if (!brisk_tracefile_on) return;
  recording = 1;
  spin_lock(&reg_lock);
  tbuf_t *list = all_bufs;
  spin_unlock(&reg_lock);
  for (tbuf_t *b = list; b != NULL; b = b->next_all) {
    /* a thread that is writing a record finishes within a few hundred
     * instructions; one stuck elsewhere (stopped) loses its buffer */
    int tries = 0;
    while (__atomic_exchange_n(&b->busy, 1, __ATOMIC_ACQUIRE))
      if (++tries > 1000000) break;
    if (tries > 1000000) continue;
    if (b->len > HDR_BYTES) {
      if (b == my_buf) put_sample(b);
      flush(b);
    }
    b->dead = 1;
    __atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
  }
  write_maps();
  unsigned char end[24];
  put64(end, ticks()); /* absolute, as start_ticks */
  put64(end + 8, brisk_os_now_ns());
  put64(end + 16, __atomic_load_n(&dropped, __ATOMIC_RELAXED));
  write_small(CHUNK_END, end, sizeof end);
  recording = 0;
}

void brisk_tracefile_atfork_child(void) {
  if (!brisk_tracefile_on) return;
  spin_init(&reg_lock);
  /* Every buffer held the parent's records (it writes them itself) and
   * belonged to a thread the child does not have, except our own. */
  free_bufs = NULL;
  for (tbuf_t *b = all_bufs; b != NULL; b = b->next_all) {
    b->len = HDR_BYTES;
    b->busy = 0;
    b->dead = 0;
    /* the cached stacks were written to the parent's file, not ours */
    if (b->stacks != NULL)
      for (unsigned i = 0; i < CACHE_SLOTS; i++) b->stacks[i].id = 0;
    if (b != my_buf) {
      b->next_free = free_bufs;
      free_bufs = b;
    }
  }
  if (my_buf != NULL) my_buf->tid = (uint32_t)brisk_os_tid();
  recording = 0;
  dropped = 0;
  brisk_os_close(trace_fd);
  if (!open_file()) __atomic_store_n(&brisk_tracefile_on, false, __ATOMIC_RELEASE);
}
