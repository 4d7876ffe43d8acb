/* SPDX-License-Identifier: MIT */
/* heaps/region_lock.c — the region lock: a robust pthread mutex stored in
 * the region header (process-shared with BRISK_REGION_SHARED, else
 * process-private), and the repair of a region whose holder died.
 *
 * Owns: region_t.lock and region_t.repairs.
 *
 * Crash repair.  When a holder dies (a process killed, a thread exiting
 * with the lock held) the kernel marks the futex FUTEX_OWNER_DIED and the
 * next pthread_mutex_lock returns EOWNERDEAD with the lock held.  The dead
 * holder may have stopped between any two stores of an operation; every
 * operation keeps the size tiling (I1) valid at each store
 * (region_block.c), so brisk_region_walk_rebuild can recompute the rest from a
 * walk.  Only then is the mutex marked consistent.  If the walk itself is
 * broken (real corruption, not a crash), the mutex is released without
 * pthread_mutex_consistent, which makes it ENOTRECOVERABLE for everyone:
 * a broken region is never used again.
 *
 * Robust mutexes work across processes that map the region at different
 * addresses: the robust-list words inside pthread_mutex_t are written by
 * the holder in its own address space and read only by it and, at its
 * death, by the kernel walking that process's list.
 */
#include <errno.h>

#include "heaps/region.h"

int brisk_region_lock_init(region_t *r, bool shared) {
  pthread_mutexattr_t a;
  int e = pthread_mutexattr_init(&a);
  if (e != 0) return e;
  e = pthread_mutexattr_setpshared(&a, shared ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE);
  if (e == 0) e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  if (e == 0) e = pthread_mutex_init(&r->lock.m, &a);
  pthread_mutexattr_destroy(&a);
  return e;
}

int brisk_region_lock(region_t *r) {
  int e = pthread_mutex_lock(&r->lock.m);
  if (e != EOWNERDEAD) return e;
  if (brisk_region_walk_rebuild(r) != 0) {
    pthread_mutex_unlock(&r->lock.m); /* not consistent: unrecoverable */
    return EUCLEAN;
  }
  r->repairs++;
  pthread_mutex_consistent(&r->lock.m);
  return 0;
}

void brisk_region_lock_leave(region_t *r) { pthread_mutex_unlock(&r->lock.m); }
