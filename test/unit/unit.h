/* SPDX-License-Identifier: MIT */
/* unit.h — helpers for brisk's unit tests of internals.
 *
 * Unit tests include the module headers of src/ and link the prefix-only
 * debug library (build/prefix-debug/libbrisk-prefix.a: assertions and the
 * debug-full invariant walks), so they call internal functions directly
 * while glibc's malloc keeps serving stdio.  UCHECK(cond, fmt, ...)
 * prints "file:line: FAILED: cond: message" and exits 1.
 *
 * uworker_t: a helper thread that runs jobs on request (uworker_run waits
 * until the job is done), so that a test can act as two threads in turn:
 * the job runs on the worker's heap, the rest of the test on the main
 * thread's, and the semaphores order every access of one by the other.
 */
#ifndef BRISK_UNIT_H
#define BRISK_UNIT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/block.h"
#include "core/check.h"
#include "core/fast.h"
#include "core/foreign.h"
#include "core/heap.h"
#include "core/heaplist.h"
#include "core/huge.h"
#include "core/large.h"
#include "core/options.h"
#include "core/page.h"
#include "core/purge.h"
#include "core/remote.h"
#include "core/segmap.h"
#include "core/segment.h"
#include "core/sizeclass.h"
#include "core/source.h"
#include "core/span.h"
#include "observe/event.h"
#include "observe/output.h"
#include "os/os.h"

#define UCHECK(cond, ...)                                                   \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond);    \
      fprintf(stderr, __VA_ARGS__);                                         \
      fputc('\n', stderr);                                                  \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

typedef struct uworker_s {
  pthread_t thread;
  sem_t go, done;
  void (*job)(void *);
  void *arg;
} uworker_t;

static inline void *uworker_main(void *w_) {
  uworker_t *w = w_;
  for (;;) {
    sem_wait(&w->go);
    if (w->job == NULL) return NULL;
    w->job(w->arg);
    sem_post(&w->done);
  }
}

static inline void uworker_start(uworker_t *w) {
  sem_init(&w->go, 0, 0);
  sem_init(&w->done, 0, 0);
  UCHECK(pthread_create(&w->thread, NULL, uworker_main, w) == 0, "pthread_create");
}

/* Run job(arg) on the worker thread and wait until it returns. */
static inline void uworker_run(uworker_t *w, void (*job)(void *), void *arg) {
  w->job = job;
  w->arg = arg;
  sem_post(&w->go);
  while (sem_wait(&w->done) != 0) {
  }
}

/* Let the worker thread exit (its heap is handed back) and join it. */
static inline void uworker_stop(uworker_t *w) {
  w->job = NULL;
  sem_post(&w->go);
  pthread_join(w->thread, NULL);
}

#endif
