/* SPDX-License-Identifier: MIT */
/* core/transfer.c — the transfer cache (core/transfer.h).
 * Invariants, per class c (under c->lock):
 *  - c->n <= class_limit(c); batch[0..n) are NULL-terminated
 *    chains of count > 0 blocks of the class, marked free, each counted
 *    used by its owner page;
 *  - bit c of brisk_transfer_ready is set iff c->n > 0;
 *  - c->takes grows with every batch taken (read by the tick without
 *    the lock: a stale value only delays a give-back).
 */
#include "core/transfer.h"
#include "core/block.h"
#include "core/page.h"
#include "core/remote.h"
#include "core/segment.h"
#include "core/sizeclass.h"
#include "core/spinlock.h"

typedef struct {
  block_t *head;
  uint32_t count;
} batch_t;

typedef struct {
  spinlock_t lock;       /* core/spinlock.h: held for a few stores */
  uint32_t n;             /* batches held (relaxed peeks without the lock) */
  uint32_t takes;         /* batches ever taken */
  uint32_t takes_seen;    /* takes at the tick's last visit (ticks of any
                             thread: relaxed atomics, a lost update only
                             delays a give-back) */
  batch_t batch[BRISK_TRANSFER_BATCHES];
} __attribute__((aligned(64))) tclass_t;

static tclass_t classes[BRISK_BIN_COUNT]; /* (zeroed: unlocked, empty) */
static unsigned tick_next; /* the class the next tick visits (racy: any thread) */
uint64_t brisk_transfer_ready;
_Static_assert(BRISK_BIN_COUNT <= 64, "one ready bit per class");

/* Lock held: c's batch count becomes n (and its ready bit follows). */
static void set_n(tclass_t *c, uint32_t n) {
  uint64_t bit = (uint64_t)1 << (unsigned)(c - classes);
  if (n == 0) __atomic_fetch_and(&brisk_transfer_ready, ~bit, __ATOMIC_RELAXED);
  else if (c->n == 0) __atomic_fetch_or(&brisk_transfer_ready, bit, __ATOMIC_RELAXED);
  __atomic_store_n(&c->n, n, __ATOMIC_RELAXED);
}

bool brisk_transfer_serves(unsigned bin) {
  return bin != 0 && bin < BRISK_BIN_COUNT && brisk_sizeclass_size[bin] <= BRISK_TRANSFER_MAX_SIZE;
}

static uint32_t peek_n(const tclass_t *c) { return __atomic_load_n(&c->n, __ATOMIC_RELAXED); }

/* The batches class bin may hold: BRISK_TRANSFER_CLASS_BYTES of blocks
 * in batches of a full foreign cache, within [BRISK_TRANSFER_MIN_BATCHES,
 * BRISK_TRANSFER_BATCHES]. */
static uint32_t class_limit(unsigned bin) {
  uint32_t size = brisk_sizeclass_size[bin];
  uint32_t per_batch = BRISK_FOREIGN_BYTES / size < BRISK_FOREIGN_MAX ? BRISK_FOREIGN_BYTES / size : BRISK_FOREIGN_MAX;
  uint32_t n = BRISK_TRANSFER_CLASS_BYTES / (per_batch * size);
  return n < BRISK_TRANSFER_MIN_BATCHES ? BRISK_TRANSFER_MIN_BATCHES : n > BRISK_TRANSFER_BATCHES ? BRISK_TRANSFER_BATCHES : n;
}

static NOINLINE bool put_locked(tclass_t *c, uint32_t limit, block_t *head, uint32_t count) {
  bool ok = false;
  spin_lock(&c->lock);
  if (c->n < limit) {
    c->batch[c->n] = (batch_t){head, count};
    set_n(c, c->n + 1);
    ok = true;
  }
  spin_unlock(&c->lock);
  return ok;
}

bool brisk_transfer_put(unsigned bin, block_t *head, uint32_t count) {
  /* a full class costs two loads: its spiller falls back to the owners */
  if (!brisk_transfer_serves(bin)) return false;
  uint32_t limit = class_limit(bin);
  if (peek_n(&classes[bin]) >= limit) return false;
  return put_locked(&classes[bin], limit, head, count);
}

/* Lock held, n > 0: the newest batch (the most recently freed blocks). */
static batch_t take_locked(tclass_t *c) {
  uint32_t n = c->n - 1;
  set_n(c, n);
  return c->batch[n];
}

static NOINLINE block_t *take_newest(tclass_t *c, uint32_t *count) {
  batch_t b = {NULL, 0};
  spin_lock(&c->lock);
  if (c->n > 0) {
    b = take_locked(c);
    __atomic_store_n(&c->takes, c->takes + 1, __ATOMIC_RELAXED);
  }
  spin_unlock(&c->lock);
  *count = b.count;
  return b.head;
}

block_t *brisk_transfer_take(unsigned bin, uint32_t *count) {
  if (!brisk_transfer_serves(bin) || peek_n(&classes[bin]) == 0) return NULL;
  return take_newest(&classes[bin], count);
}

size_t brisk_transfer_blocks(unsigned bin) {
  if (!brisk_transfer_serves(bin)) return 0;
  tclass_t *c = &classes[bin];
  size_t blocks = 0;
  spin_lock(&c->lock);
  for (uint32_t i = 0; i < c->n; i++) blocks += c->batch[i].count;
  spin_unlock(&c->lock);
  return blocks;
}

/* Give the chain back to the owners' pages: runs of blocks of one page
 * (the usual case: a foreign cache fills from few pages) go in one push.
 * Returns the blocks given back. */
static size_t give_back(block_t *b) {
  size_t blocks = 0;
  while (b != NULL) {
    page_t *page = page_of(segment_of_ptr(b), b);
    block_t *head = b, *tail = b;
    uint32_t n = 1;
    for (b = block_next(b); b != NULL && page_of(segment_of_ptr(b), b) == page; b = block_next(b)) {
      tail = b;
      n++;
    }
    brisk_remote_push(page, head, tail, n); /* relinks tail: b is read first */
    blocks += n;
  }
  return blocks;
}

/* Take up to k of c's oldest batches into out (the lock is held only to
 * copy them); returns how many. */
static uint32_t take_oldest(tclass_t *c, batch_t *out, uint32_t k) {
  spin_lock(&c->lock);
  if (k > c->n) k = c->n;
  for (uint32_t i = 0; i < k; i++) out[i] = c->batch[i];
  for (uint32_t i = k; i < c->n; i++) c->batch[i - k] = c->batch[i];
  set_n(c, c->n - k);
  spin_unlock(&c->lock);
  return k;
}

/* Give up to k of c's oldest batches back to the owners' pages, a few
 * at a time; returns the blocks given back. */
static size_t give_back_oldest(tclass_t *c, uint32_t k) {
  enum { CHUNK = 16 }; /* batches copied out per hold of the lock */
  batch_t taken[CHUNK];
  size_t blocks = 0;
  while (k > 0) {
    uint32_t n = take_oldest(c, taken, k < CHUNK ? k : CHUNK);
    if (n == 0) break;
    for (uint32_t i = 0; i < n; i++) blocks += give_back(taken[i].head);
    k -= n;
  }
  return blocks;
}

void brisk_transfer_tick(void) {
  unsigned bin = __atomic_fetch_add(&tick_next, 1, __ATOMIC_RELAXED) % BRISK_BIN_COUNT;
  if (!brisk_transfer_serves(bin)) return;
  tclass_t *c = &classes[bin];
  uint32_t n = peek_n(c);
  if (n == 0) return;
  uint32_t takes = __atomic_load_n(&c->takes, __ATOMIC_RELAXED);
  if (takes != __atomic_load_n(&c->takes_seen, __ATOMIC_RELAXED)) { /* in use: keep it */
    __atomic_store_n(&c->takes_seen, takes, __ATOMIC_RELAXED);
    return;
  }
  give_back_oldest(c, (n + 1) / 2); /* idle: half goes home at each visit */
}

size_t brisk_transfer_flush_all(void) {
  size_t blocks = 0;
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    tclass_t *c = &classes[bin];
    if (peek_n(c) > 0) blocks += give_back_oldest(c, BRISK_TRANSFER_BATCHES);
  }
  return blocks;
}

void brisk_transfer_atfork_child(void) {
  for (unsigned bin = 1; bin < BRISK_BIN_COUNT; bin++) {
    tclass_t *c = &classes[bin];
    if (spin_trylock(&c->lock)) {
      spin_unlock(&c->lock);
      continue;
    }
    /* held by a thread that does not exist here: mid-update */
    spin_init(&c->lock);
    set_n(c, 0);
  }
}
