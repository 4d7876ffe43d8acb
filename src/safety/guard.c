/* SPDX-License-Identifier: MIT */
/* safety/guard.c — the guarded sample pool (safety/guard.h has the
 * contract; core/alloc.c decides what is sampled).
 *
 * Layout of the pool, one mapping of brisk_guard_span bytes, 4 MiB-aligned
 * so that it shares no 4 MiB region with a segment or a huge mapping (it
 * is never in the segment map):
 *   [metadata: slot_t[S], then the quarantine ring, uint64_t[S]]  read-write
 *   [guard][slot 0][guard][slot 1] ... [guard][slot S-1][guard]  4 KiB each
 * A slot page is read-write only while it holds a live block; every other
 * page of the slot area is PROT_NONE.  A block of n bytes ends on its
 * page's end: it starts at page + 4096 - round16(n), so an overflow past
 * the 16-byte rounding touches the next guard page at once.
 *
 * Slot life cycle (slot_t.word = state | requested size << 8):
 *   FRESH --alloc--> LIVE --free--> FREEING --PROT_NONE--> FREED, pushed on
 *   the quarantine ring --popped, oldest first--> TAKEN --alloc--> LIVE.
 * A free is accepted only through the CAS LIVE -> FREEING on the exact
 * block start, so of two frees of one block exactly one passes.  A freed
 * slot keeps its size: a fault in it reports the block it held.
 *
 * The quarantine ring: S cells and two tickets (tail counts pushes, head
 * pops).  A push takes ticket t = tail++ and stores t << 16 | slot + 1 in
 * cell t % S; a pop takes the cell whose ticket is head by a CAS to 0,
 * then advances head (only that CAS's winner can).  Each slot has at most
 * one entry in the ring and is handed to the program only after its pop
 * advanced head, so tail - head <= S: a cell is never written before it
 * was taken.  A pop that finds its cell not yet written (a push in flight)
 * gives up, and the allocation is not sampled.
 * Everything is lock-free: no lock exists, none is held across the
 * mprotect calls, and a fork or signal handler cannot find one held.
 */
#include "safety/guard.h"

#include "core/options.h"
#include "observe/output.h"
#include "os/os.h"

#define PAGE ((size_t)BRISK_OS_PAGE)
#define CELL_SLOT_MASK 0xffffu
#define CELL_TICKET(t) ((t) & (((uint64_t)1 << 48) - 1))

enum { SLOT_FRESH, SLOT_LIVE, SLOT_FREEING, SLOT_FREED, SLOT_TAKEN };
enum { POOL_NONE, POOL_RESERVING, POOL_READY, POOL_FAILED };

#define WORD(state, size) ((uint64_t)(size) << 8 | (uint64_t)(state))
#define WORD_STATE(w) ((unsigned)((w) & 0xff))
#define WORD_SIZE(w) ((size_t)((w) >> 8))

typedef struct slot_s {
  _Atomic uint64_t word;       /* state | requested size << 8 */
  _Atomic(const void *) owner; /* the heap a live block was allocated for */
} slot_t;

uint32_t brisk_guard_rate;
_Atomic uintptr_t brisk_guard_lo = (uintptr_t)1 << 63;
size_t brisk_guard_span;

/* Fixed by brisk_guard_init. */
static uint32_t slot_count;
static size_t meta_bytes;
static uint64_t process_seed;

/* Set by the reserving thread before pool_state becomes POOL_READY
 * (release); every reader loads pool_state (acquire) first. */
static _Atomic int pool_state;
static slot_t *slots;
static _Atomic uint64_t *ring;
static uint8_t *area; /* the slot area's first guard page */

static _Atomic uint32_t fresh_next; /* slots [0, fresh_next) were handed out */
static _Atomic uint64_t ring_head, ring_tail;

/* Per thread: the sampling random state and the slow-path countdown. */
static __thread uint64_t rng_state;
static __thread int64_t slow_left;

static inline uint8_t *slot_page(uint32_t i) { return area + (2 * (size_t)i + 1) * PAGE; }
static inline size_t usable_of(size_t size) { return size == 0 ? 16 : (size + 15) & ~(size_t)15; }
static inline uint8_t *block_of(uint32_t i, uint64_t word) {
  return slot_page(i) + PAGE - usable_of(WORD_SIZE(word));
}
static inline bool pool_ready(void) {
  return atomic_load_explicit(&pool_state, memory_order_acquire) == POOL_READY;
}

/* --------------------------------------------------------------- sampling */

static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9u;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

/* xorshift64*, seeded per thread from the process seed and the thread's
 * own TLS address. */
static uint64_t rng_next(void) {
  uint64_t x = rng_state;
  if (unlikely(x == 0)) x = mix64(process_seed ^ (uintptr_t)&rng_state) | 1;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  return x * 0x2545f4914f6cdd1du;
}

uint64_t brisk_guard_interval(void) {
  uint64_t n = brisk_guard_rate;
  return n <= 1 ? 1 : 1 + rng_next() % (2 * n - 1);
}

bool brisk_guard_tick(void) {
  if (unlikely(slow_left == 0)) slow_left = (int64_t)brisk_guard_interval(); /* first use */
  if (--slow_left > 0) return false;
  slow_left = (int64_t)brisk_guard_interval();
  return true;
}

/* ------------------------------------------------------------------- pool */

/* Reserve the pool once (the first sample); false while another thread
 * reserves it or when the kernel refused (sampling then stays off). */
static bool pool_reserve(void) {
  int st = atomic_load_explicit(&pool_state, memory_order_acquire);
  if (likely(st == POOL_READY)) return true;
  if (st != POOL_NONE ||
      !atomic_compare_exchange_strong_explicit(&pool_state, &st, POOL_RESERVING, memory_order_acquire,
                                               memory_order_acquire))
    return st == POOL_READY;
  uint8_t *base = brisk_os_map_aligned(brisk_guard_span, BRISK_SEGMENT_SIZE);
  if (base != NULL && brisk_os_protect(base + meta_bytes, brisk_guard_span - meta_bytes, false) != 0) {
    brisk_os_unmap(base, brisk_guard_span);
    base = NULL;
  }
  if (base == NULL) {
    atomic_store_explicit(&pool_state, POOL_FAILED, memory_order_release);
    return false;
  }
  slots = (slot_t *)base;
  ring = (_Atomic uint64_t *)(base + slot_count * sizeof(slot_t));
  area = base + meta_bytes;
  atomic_store_explicit(&brisk_guard_lo, (uintptr_t)base, memory_order_release);
  atomic_store_explicit(&pool_state, POOL_READY, memory_order_release);
  return true;
}

static void ring_push(uint32_t i) {
  uint64_t t = atomic_fetch_add_explicit(&ring_tail, 1, memory_order_acq_rel);
  atomic_store_explicit(&ring[t % slot_count], CELL_TICKET(t) << 16 | (i + 1), memory_order_release);
}

/* The oldest quarantined slot, now TAKEN (a FRESH one stays FRESH), or -1
 * when the ring is empty or its oldest entry is still being pushed. */
static int64_t ring_pop(void) {
  for (int tries = 0; tries < 8; tries++) {
    uint64_t h = atomic_load_explicit(&ring_head, memory_order_acquire);
    if (h == atomic_load_explicit(&ring_tail, memory_order_acquire)) return -1;
    _Atomic uint64_t *cell = &ring[h % slot_count];
    uint64_t v = atomic_load_explicit(cell, memory_order_acquire);
    if ((v >> 16) != CELL_TICKET(h) || (v & CELL_SLOT_MASK) == 0) {
      if (atomic_load_explicit(&ring_head, memory_order_acquire) != h) continue; /* moved on */
      return -1; /* the push of ticket h is in flight */
    }
    if (!atomic_compare_exchange_strong_explicit(cell, &v, 0, memory_order_acq_rel, memory_order_relaxed))
      continue; /* another thread took it */
    atomic_store_explicit(&ring_head, h + 1, memory_order_release);
    uint32_t i = (uint32_t)(v & CELL_SLOT_MASK) - 1;
    uint64_t w = atomic_load_explicit(&slots[i].word, memory_order_acquire);
    if (WORD_STATE(w) != SLOT_FRESH)
      atomic_store_explicit(&slots[i].word, WORD(SLOT_TAKEN, WORD_SIZE(w)), memory_order_release);
    return i;
  }
  return -1;
}

/* A slot for a new block: a fresh one first, else the oldest in the
 * quarantine; -1 when there is none. */
static int64_t slot_take(bool *fresh) {
  if (atomic_load_explicit(&fresh_next, memory_order_relaxed) < slot_count) {
    uint32_t i = atomic_fetch_add_explicit(&fresh_next, 1, memory_order_relaxed);
    if (i < slot_count) {
      *fresh = true;
      return i;
    }
  }
  *fresh = false;
  return ring_pop();
}

void *brisk_guard_alloc(const void *owner, size_t size, bool *zeroed, size_t *usable) {
  if (size > BRISK_GUARD_MAX || !pool_reserve()) return NULL;
  bool fresh;
  int64_t s = slot_take(&fresh);
  if (s < 0) return NULL;
  uint32_t i = (uint32_t)s;
  uint8_t *page = slot_page(i);
  if (brisk_os_protect(page, PAGE, true) != 0) { /* ENOMEM: the map count limit */
    ring_push(i); /* still PROT_NONE: back to the quarantine */
    return NULL;
  }
  size_t u = usable_of(size);
  atomic_store_explicit(&slots[i].owner, owner, memory_order_relaxed);
  atomic_store_explicit(&slots[i].word, WORD(SLOT_LIVE, size), memory_order_release);
  *zeroed = fresh;
  *usable = u;
  return page + PAGE - u;
}

/* The slot whose page holds address a, or -1 (metadata, guard page). */
static int64_t slot_at(uintptr_t a) {
  if (a < (uintptr_t)area) return -1;
  size_t pg = (a - (uintptr_t)area) / PAGE;
  if ((pg & 1) == 0 || pg / 2 >= slot_count) return -1;
  return (int64_t)(pg / 2);
}

size_t brisk_guard_free(void *p, const void **owner) {
  int64_t s = pool_ready() ? slot_at((uintptr_t)p) : -1;
  if (s < 0) brisk_output_fatal("free(): invalid pointer", p);
  uint32_t i = (uint32_t)s;
  slot_t *slot = &slots[i];
  uint64_t w = atomic_load_explicit(&slot->word, memory_order_acquire);
  for (;;) {
    if (WORD_STATE(w) == SLOT_FRESH || block_of(i, w) != (uint8_t *)p)
      brisk_output_fatal("free(): invalid pointer", p);
    if (WORD_STATE(w) != SLOT_LIVE) brisk_output_double_free(p);
    if (atomic_compare_exchange_weak_explicit(&slot->word, &w, WORD(SLOT_FREEING, WORD_SIZE(w)),
                                              memory_order_acq_rel, memory_order_acquire))
      break;
  }
  *owner = atomic_load_explicit(&slot->owner, memory_order_relaxed);
  /* On failure (ENOMEM) the page stays accessible: this one use after
   * free goes unseen, the pool stays sound. */
  (void)brisk_os_protect(slot_page(i), PAGE, false);
  atomic_store_explicit(&slot->word, WORD(SLOT_FREED, WORD_SIZE(w)), memory_order_release);
  ring_push(i);
  return usable_of(WORD_SIZE(w));
}

size_t brisk_guard_usable(const void *p, const char *fn) {
  int64_t s = pool_ready() ? slot_at((uintptr_t)p) : -1;
  if (s < 0) brisk_output_fatal(fn, p);
  uint64_t w = atomic_load_explicit(&slots[s].word, memory_order_acquire);
  if (WORD_STATE(w) != SLOT_LIVE || block_of((uint32_t)s, w) != (const uint8_t *)p)
    brisk_output_fatal(fn, p);
  return usable_of(WORD_SIZE(w));
}

/* ----------------------------------------------------------------- faults */

/* "brisk: guarded sample: <kind> of a <n>-byte block (block 0x..., access 0x...)" */
static void fault_report(const char *kind, int64_t i, uint64_t w, uintptr_t a) {
  outbuf_t o = {.fd = 2};
  brisk_output_str(&o, "brisk: guarded sample: ");
  brisk_output_str(&o, kind);
  if (i >= 0) {
    brisk_output_str(&o, " of a ");
    brisk_output_u64(&o, WORD_SIZE(w));
    brisk_output_str(&o, "-byte block (block ");
    brisk_output_hex(&o, (uintptr_t)block_of((uint32_t)i, w));
    brisk_output_str(&o, ", access ");
  } else {
    brisk_output_str(&o, " in the guarded pool (access ");
  }
  brisk_output_hex(&o, a);
  brisk_output_str(&o, ")\n");
  brisk_output_flush(&o);
}

/* The SIGSEGV hook (os/os.h, brisk_os_fault_hook): true, after one line
 * on stderr, when the fault address lies in the slot area.  A fault in a
 * slot page that held a block is a use after free of it; in a guard page
 * (or a page never used) it belongs to the nearer of the blocks on either
 * side: an overflow of the one before, an underflow of the one after (a
 * use after free if that one is freed).  Async-signal-safe. */
static bool guard_fault(void *addr) {
  if (!pool_ready()) return false;
  uintptr_t a = (uintptr_t)addr, lo = (uintptr_t)area;
  if (a < lo || a - lo >= (2 * (size_t)slot_count + 1) * PAGE) return false;
  size_t pg = (a - lo) / PAGE;
  int64_t left = (int64_t)(pg / 2) - 1, right = (int64_t)(pg / 2);
  if (pg & 1) { /* a slot page */
    uint64_t w = atomic_load_explicit(&slots[pg / 2].word, memory_order_acquire);
    if (WORD_STATE(w) != SLOT_FRESH) {
      fault_report("use after free", (int64_t)(pg / 2), w, a);
      return true;
    }
    right = (int64_t)(pg / 2) + 1;
  }
  uint64_t wl = 0, wr = 0;
  bool has_l = left >= 0 && WORD_STATE(wl = atomic_load(&slots[left].word)) != SLOT_FRESH;
  bool has_r = right < (int64_t)slot_count && WORD_STATE(wr = atomic_load(&slots[right].word)) != SLOT_FRESH;
  size_t dl = has_l ? a - ((uintptr_t)slot_page((uint32_t)left) + PAGE) : 0;
  size_t dr = has_r ? (uintptr_t)block_of((uint32_t)right, wr) - a : 0;
  if (has_l && (!has_r || dl <= dr))
    fault_report(WORD_STATE(wl) == SLOT_LIVE ? "heap overflow" : "use after free", left, wl, a);
  else if (has_r)
    fault_report(WORD_STATE(wr) == SLOT_LIVE ? "heap underflow" : "use after free", right, wr, a);
  else
    fault_report("wild access", -1, 0, a);
  return true;
}

/* ------------------------------------------------------------ start, fork */

void brisk_guard_init(void) {
  long n = brisk_options.guard_sample;
  if (n <= 0 || brisk_guard_rate != 0) return;
  slot_count = (uint32_t)brisk_options.guard_slots;
  size_t meta = slot_count * (sizeof(slot_t) + sizeof(uint64_t));
  meta_bytes = (meta + PAGE - 1) & ~(PAGE - 1);
  brisk_guard_span = meta_bytes + (2 * (size_t)slot_count + 1) * PAGE;
  brisk_os_random(&process_seed, sizeof process_seed);
  (void)brisk_os_fault_hook(guard_fault); /* without it faults still kill, unexplained */
  brisk_guard_rate = (uint32_t)n;
}

void brisk_guard_atfork_child(void) {
  int st = atomic_load_explicit(&pool_state, memory_order_acquire);
  if (st == POOL_RESERVING) { /* its thread is gone: reserve anew */
    atomic_store_explicit(&pool_state, POOL_NONE, memory_order_release);
    return;
  }
  if (st != POOL_READY) return;
  /* Compact the ring: keep, in order, the entries whose push completed;
   * drop those in flight (their slots are not reused in the child). */
  uint64_t h = atomic_load(&ring_head), t = atomic_load(&ring_tail), k = h;
  for (uint64_t x = h; x != t; x++) {
    uint64_t v = atomic_load(&ring[x % slot_count]);
    if ((v >> 16) == CELL_TICKET(x) && (v & CELL_SLOT_MASK) != 0) {
      atomic_store(&ring[k % slot_count], CELL_TICKET(k) << 16 | (v & CELL_SLOT_MASK));
      k++;
    }
  }
  for (uint64_t x = k; x != t; x++) atomic_store(&ring[x % slot_count], 0);
  atomic_store(&ring_tail, k);
}
