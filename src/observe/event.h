/* SPDX-License-Identifier: MIT */
/* observe/event.h — the allocation-event hook.
 *
 * Every allocation, free, in-place resize and memory system call of brisk
 * passes through one of these functions; they keep the statistics today
 * and are where tracing plugs in.  With BRISK_EVENTS=0 they compile to
 * nothing; BRISK_FAST_STATS=0 drops only the fast-path ones.
 *
 * Threading: the heap counters are written only by the heap's owner
 * thread (plain stores, relaxed loads by readers in observe/stats.c); the
 * process-wide counters (observe/event.c) are relaxed atomics.
 * Contract: callers pass usable sizes (the bytes the block really takes),
 * `req` the bytes the program asked for.  None of these allocates, locks
 * or touches errno.
 */
#ifndef BRISK_OBSERVE_EVENT_H
#define BRISK_OBSERVE_EVENT_H

#include "core/types.h"

/* Owner-thread counter update: plain in production builds; the TSan build
 * uses a relaxed atomic store so the intended (benign) race with readers
 * stays visible as such. */
#if defined(__SANITIZE_THREAD__)
#define STAT_ADD(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#else
#define STAT_ADD(field, n) ((field) += (n))
#endif

/* Memory system calls, as the event hook names them. */
enum {
  BRISK_SYS_MMAP,
  BRISK_SYS_MUNMAP,
  BRISK_SYS_MADVISE,
  BRISK_SYS_MREMAP,
  BRISK_SYS_MPROTECT,
  BRISK_SYS_KINDS
};

/* Process-wide figures kept by observe/event.c. */
typedef struct event_totals_s {
  uint64_t sys_calls[BRISK_SYS_KINDS];
  uint64_t sys_bytes[BRISK_SYS_KINDS];
  uint64_t sys_failed;    /* memory system calls the kernel refused */
  uint64_t mapped, peak_mapped;
  uint64_t purged;        /* bytes given back with MADV_DONTNEED, ever */
  uint64_t live_flushed;  /* net bytes the heaps added so far (the process
                             live total is live_flushed - orphan_bytes) */
  uint64_t peak_live;     /* highest value of the process live bytes seen */
  uint64_t orphan_frees, orphan_bytes; /* frees by threads without a heap */
  uint64_t orphan_resized; /* net bytes their in-place resizes added (mod 2^64) */
  uint64_t orphan_large;  /* thread heaps' large blocks they freed */
} event_totals_t;
void brisk_event_totals(event_totals_t *out);

/* A system call of `kind` on `bytes` bytes at addr (mmap: the result,
 * NULL when it failed; mremap: where the range ends up) was made (ok: it
 * succeeded). */
void brisk_event_syscall(unsigned kind, const void *addr, size_t bytes, bool ok);
/* Where tracing plugs in: called after every system call when set (once,
 * at start-up, before any thread exists; observe/trace.c). */
extern void (*brisk_event_syscall_hook)(unsigned kind, const void *addr, size_t bytes, bool ok);
/* Mapped memory changed by delta bytes (signed). */
void brisk_event_mapped(int64_t delta);
/* Bytes that a successful purge gave back. */
void brisk_event_purged(size_t bytes);
/* Add heap's net allocation to the process total when it drifted by
 * BRISK_PEAK_SLACK (or always with force), and track the peak. */
void brisk_event_peak(heap_t *heap, bool force);
/* A free by a thread that has no heap (always of another thread's block). */
void brisk_event_orphan_free(size_t usable);
/* One of them was a large block of a thread heap (core/large.c). */
void brisk_event_orphan_large(void);
/* A resize in place by a thread that has no heap (a huge block's). */
void brisk_event_orphan_resize(int64_t delta);

/* ------------------------------------------------------------ fast paths */

/* The fast path's allocations are counted in one word,
 * heap->stats.fast_word (one store per malloc for the grant, the count
 * and the usable bytes): a grant of g allocations sets it to
 * g * 2^40 + EVENT_ALLOC_ROOM, and each fast malloc subtracts its page's
 * alloc_step, 2^40 + usable bytes.  The top bits then say how many of
 * the grant are left, the low 40 bits EVENT_ALLOC_ROOM minus the bytes
 * served: exact while a grant's bytes stay below 2^40, which
 * EVENT_GRANT_MAX x BRISK_CLASS_MAX does.  The subtraction that would go
 * negative is the (g+1)-th: it is undone and the slow path runs
 * (event_fast_spent), banks the grant (count to fast_banked, bytes to
 * alloc_bytes) and grants more (event_fast_regrant).  The grant is the
 * sampling trigger and the housekeeping tick (core/alloc.c), so the word
 * is kept even when BRISK_FAST_STATS is 0.  A heap that was never
 * granted any (zeroed, as heaps are made) has fast_word 0: nothing
 * served, and not spent until its fast path first tries, which leaves
 * EVENT_ALLOC_ROOM, a grant of 0 (a granted word is never 0: its bytes
 * stay below EVENT_ALLOC_ROOM). */
#define EVENT_ALLOC_SHIFT 40
#define EVENT_ALLOC_ONE ((int64_t)1 << EVENT_ALLOC_SHIFT)
#define EVENT_ALLOC_ROOM (EVENT_ALLOC_ONE - 1)
/* (BRISK_FAST_STATS=0 counts only the calls: the fast frees' bytes are
 * not counted either) */
#define EVENT_ALLOC_STEP(usable) ((uint64_t)EVENT_ALLOC_ONE + (BRISK_FAST_STATS ? (uint64_t)(usable) : 0))
/* The largest grant: its count fits the word's 23 bits above the bytes,
 * and its bytes (at most BRISK_CLASS_MAX each) stay below 2^40. */
#define EVENT_GRANT_MAX (((uint64_t)1 << (63 - EVENT_ALLOC_SHIFT)) - 1)
_Static_assert(EVENT_GRANT_MAX * BRISK_CLASS_MAX < (uint64_t)EVENT_ALLOC_ROOM,
               "a grant's usable bytes fit below the count");

/* The fast path may serve one more allocation of the page whose
 * alloc_step is `step` (it counts it): false when the grant is spent,
 * and the slow path must run event_fast_regrant. */
static ALWAYS_INLINE bool event_fast_grant(heap_t *heap, uint64_t step) {
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
  /* one subtraction from memory and its sign (as the free side's add) */
  bool spent;
  __asm__("subq %[step], %[word]" : [word] "+m"(heap->stats.fast_word), "=@ccs"(spent) : [step] "r"(step));
  if (unlikely(spent)) {
    heap->stats.fast_word += (int64_t)step; /* (undone: not served) */
    if (heap->stats.fast_word == 0) heap->stats.fast_word = EVENT_ALLOC_ROOM; /* never granted: spent */
    return false;
  }
  return true;
#else
  int64_t w = __atomic_load_n(&heap->stats.fast_word, __ATOMIC_RELAXED);
  if (unlikely(w - (int64_t)step < 0)) {
    if (w == 0) STAT_ADD(heap->stats.fast_word, EVENT_ALLOC_ROOM); /* never granted: spent */
    return false;
  }
  STAT_ADD(heap->stats.fast_word, -(int64_t)step);
  return true;
#endif
}

/* Whether heap's grant is spent: no fast-path allocation is left of it
 * (owner thread).  A heap never granted any is not, until its fast path
 * first finds a block (as when the grant was a countdown: the first grant
 * then follows the start-up that may turn sampling on). */
static inline bool event_fast_spent(const heap_t *heap) {
  return heap->stats.fast_word != 0 && heap->stats.fast_word < EVENT_ALLOC_ONE;
}

/* Allocations and usable bytes the fast path served of the current grant
 * (relaxed reads; a reader on another thread that catches a regrant half
 * done sees 0 of a count that no longer fits). */
static inline uint64_t event_grant_served(const heap_t *heap) {
  uint64_t left = (uint64_t)(__atomic_load_n(&heap->stats.fast_word, __ATOMIC_RELAXED) >> EVENT_ALLOC_SHIFT);
  uint64_t grant = __atomic_load_n(&heap->stats.fast_grant, __ATOMIC_RELAXED);
  return left <= grant ? grant - left : 0;
}
static inline uint64_t event_grant_bytes(const heap_t *heap) {
  int64_t w = __atomic_load_n(&heap->stats.fast_word, __ATOMIC_RELAXED);
  return w == 0 ? 0 : (uint64_t)(EVENT_ALLOC_ROOM - (w & EVENT_ALLOC_ROOM));
}

/* The slow path found the grant spent (or a test sets one): bank what it
 * served and grant `grant` (<= EVENT_GRANT_MAX) more fast-path
 * allocations. */
static inline void event_fast_regrant(heap_t *heap, uint64_t grant) {
  STAT_ADD(heap->stats.fast_banked, event_grant_served(heap));
  STAT_ADD(heap->stats.alloc_bytes, event_grant_bytes(heap));
  STAT_ADD(heap->stats.fast_grant, grant - heap->stats.fast_grant);
  STAT_ADD(heap->stats.fast_word, (int64_t)grant * EVENT_ALLOC_ONE + EVENT_ALLOC_ROOM - heap->stats.fast_word);
  heap->stats.peak_mark = heap->stats.fast_word;
}

/* The slow path served an allocation through the grant (core/alloc.c
 * refill: a block of the class's next page, counted as the fast path
 * counts):
 * check the live peak once BRISK_PEAK_STEP usable bytes were served since
 * the last check.  (The low 40 bits of peak_mark - fast_word are the
 * bytes served since: fast_word only decreases within a grant, and both
 * regrant and brisk_event_peak set the mark.) */
static inline void event_grant_served_slow(heap_t *heap) {
  if (BRISK_EVENTS &&
      ((uint64_t)(heap->stats.peak_mark - heap->stats.fast_word) & (uint64_t)EVENT_ALLOC_ROOM) >= BRISK_PEAK_STEP)
    brisk_event_peak(heap, false);
}

/* Allocations a heap served on the fast path so far, and the usable
 * bytes of all its allocations (any thread, relaxed reads: off by the few
 * being made). */
static inline uint64_t event_fast_calls(const heap_t *heap) {
  return __atomic_load_n(&heap->stats.fast_banked, __ATOMIC_RELAXED) + event_grant_served(heap);
}
static inline uint64_t event_alloc_bytes(const heap_t *heap) {
  return __atomic_load_n(&heap->stats.alloc_bytes, __ATOMIC_RELAXED) + event_grant_bytes(heap);
}

/* A fast-path allocation of req bytes (its usable bytes are counted by
 * event_fast_grant). */
static ALWAYS_INLINE void event_alloc_fast(heap_t *heap, size_t req) {
  if (BRISK_FAST_STATS) STAT_ADD(heap->stats.bytes_requested, req);
}

/* The fast path's frees are counted in one word, heap->stats.free_packed
 * (one store per free instead of two or three): each adds its page's
 * free_step, 2^54 + usable bytes (+ 2^43 for a block of another heap), so
 * that the top 10 bits count frees mod 1024, the next 11 those of other
 * heaps' blocks, and the low 43 sum their bytes (at most 1024 x 16 KiB
 * between two wraps).  The free whose add carries out of the word moves
 * 1024 frees, the remote ones and the bytes into free_calls, remote_frees
 * and freed_bytes and leaves it 0.  Readers add the word's parts
 * (event_free_calls, event_remote_frees, event_freed_bytes); from another
 * thread they may miss or count twice the 1024 frees of a wrap in between. */
#define EVENT_FREE_COUNT_SHIFT 54
#define EVENT_FREE_REMOTE_SHIFT 43
#define EVENT_FREE_STEP(usable) ((uint64_t)(usable) + ((uint64_t)1 << EVENT_FREE_COUNT_SHIFT))
#define EVENT_FREE_REMOTE ((uint64_t)1 << EVENT_FREE_REMOTE_SHIFT) /* added to a remote free's step */
#define EVENT_FREE_BYTES_MASK (((uint64_t)1 << EVENT_FREE_REMOTE_SHIFT) - 1)
#define EVENT_FREE_REMOTE_PART(w) (((w) >> EVENT_FREE_REMOTE_SHIFT) & 0x7ff)

static ALWAYS_INLINE void event_free_fast(heap_t *heap, uint64_t step) {
  if (BRISK_FAST_STATS) {
#if defined(__SANITIZE_THREAD__)
    uint64_t v;
    bool wrapped = __builtin_add_overflow(__atomic_load_n(&heap->stats.free_packed, __ATOMIC_RELAXED), step, &v);
    __atomic_store_n(&heap->stats.free_packed, v, __ATOMIC_RELAXED);
#elif defined(__x86_64__)
    /* one add to memory and its carry (the compiler loads, adds and stores) */
    bool wrapped;
    __asm__("addq %[step], %[word]" : [word] "+m"(heap->stats.free_packed), "=@ccc"(wrapped) : [step] "r"(step));
#else
    bool wrapped = __builtin_add_overflow(heap->stats.free_packed, step, &heap->stats.free_packed);
#endif
    if (unlikely(wrapped)) {
      /* (in line: a call would make the free path save registers) */
      uint64_t w = heap->stats.free_packed; /* its count bits wrapped to 0 */
      STAT_ADD(heap->stats.free_calls, (uint64_t)1 << (64 - EVENT_FREE_COUNT_SHIFT));
      STAT_ADD(heap->stats.remote_frees, EVENT_FREE_REMOTE_PART(w));
      STAT_ADD(heap->stats.freed_bytes, w & EVENT_FREE_BYTES_MASK);
      STAT_ADD(heap->stats.free_packed, -w);
    }
  }
}

/* Frees and freed bytes of heap so far (relaxed reads). */
static inline uint64_t event_free_calls(const heap_t *heap) {
  return __atomic_load_n(&heap->stats.free_calls, __ATOMIC_RELAXED) +
         (__atomic_load_n(&heap->stats.free_packed, __ATOMIC_RELAXED) >> EVENT_FREE_COUNT_SHIFT);
}
static inline uint64_t event_remote_frees(const heap_t *heap) {
  return __atomic_load_n(&heap->stats.remote_frees, __ATOMIC_RELAXED) +
         EVENT_FREE_REMOTE_PART(__atomic_load_n(&heap->stats.free_packed, __ATOMIC_RELAXED));
}
static inline uint64_t event_freed_bytes(const heap_t *heap) {
  return __atomic_load_n(&heap->stats.freed_bytes, __ATOMIC_RELAXED) +
         (__atomic_load_n(&heap->stats.free_packed, __ATOMIC_RELAXED) & EVENT_FREE_BYTES_MASK);
}

/* ------------------------------------------------------------ slow paths */

/* Blocks of other heaps that heap freed leave the thread (a batch to
 * their owner, a spill to the transfer cache): where a heap that frees
 * more than it allocates (a consumer, a thread freeing what exited
 * threads made) adds its negative drift to the process total, which the
 * allocation slow paths alone never did for it — the total, and with it
 * the live peak, then only grew (one thread making 10 MB per round for
 * another to free: a reported peak of 195 MiB after 20 rounds). */
static inline void event_frees_left(heap_t *heap) {
  if (BRISK_EVENTS && heap != &brisk_heap_empty) brisk_event_peak(heap, false); /* (never written) */
}

/* An allocation of req bytes (usable bytes handed out) by heap. */
static inline void brisk_event_alloc(heap_t *heap, size_t req, size_t usable) {
  if (!BRISK_EVENTS) return;
  STAT_ADD(heap->stats.malloc_calls, 1);
  STAT_ADD(heap->stats.bytes_requested, req);
  STAT_ADD(heap->stats.alloc_bytes, usable);
  brisk_event_peak(heap, usable >= BRISK_PEAK_FORCE);
}

/* A free of usable bytes by the calling thread, whose heap is `heap`
 * (the sentinel when the thread has none); remote: another heap owns it. */
static inline void brisk_event_free(heap_t *heap, size_t usable, bool remote) {
  if (!BRISK_EVENTS) return;
  if (heap == &brisk_heap_empty) {
    brisk_event_orphan_free(usable);
    return;
  }
  STAT_ADD(heap->stats.free_calls, 1);
  STAT_ADD(heap->stats.freed_bytes, usable);
  if (remote) STAT_ADD(heap->stats.remote_frees, 1);
  if (usable >= BRISK_PEAK_FORCE) brisk_event_peak(heap, true);
}

/* A large block (a span in a segment) freed by the calling thread, whose
 * heap is `heap` (the sentinel when it has none): it leaves the live count
 * of large blocks now, on the freeing side like its bytes, whoever owns
 * it: the owner frees the span only when it next collects its delayed
 * list, which for an exited thread's heap may be never before the program
 * ends (threadchurn reported 14 large blocks live with 4.6 KiB live). */
static inline void event_large_freed(heap_t *heap) {
  if (!BRISK_EVENTS) return;
  if (heap == &brisk_heap_empty)
    brisk_event_orphan_large();
  else
    STAT_ADD(heap->stats.large_spans, -1);
}

/* A block of heap was resized in place from old_usable to new_usable. */
static inline void brisk_event_resize(heap_t *heap, size_t old_usable, size_t new_usable) {
  if (!BRISK_EVENTS) return;
  if (heap == &brisk_heap_empty) {
    brisk_event_orphan_resize((int64_t)new_usable - (int64_t)old_usable);
    return;
  }
  if (new_usable > old_usable)
    STAT_ADD(heap->stats.alloc_bytes, new_usable - old_usable);
  else
    STAT_ADD(heap->stats.freed_bytes, old_usable - new_usable);
  brisk_event_peak(heap, new_usable > old_usable && new_usable - old_usable >= BRISK_PEAK_FORCE);
}

#endif
