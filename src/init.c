/* init.c — process start, fork and exit.
 *
 * The allocator works before this runs (the dynamic loader's first malloc
 * uses static defaults and the sentinel heap); the constructor then reads
 * the options, creates the thread-exit key and installs the fork handlers.
 * Fork: prepare takes every global lock (heaps, segment cache, huge cache)
 * so that the child starts with consistent lists; parent releases them;
 * child re-initialises them.  Thread heaps need no lock: the forking
 * thread's heap is consistent at fork because fork is not called from
 * inside malloc.
 */
#include <pthread.h>
#include <sys/auxv.h>
#include <string.h>

#include "internal.h"

int brisk_process_ready;

/* Until the constructor runs, the free-mark key is a fixed odd constant;
 * changing it later is safe: a mark made with the old key just stops
 * matching (a block is unmarked the moment it is handed out). */
uintptr_t brisk_free_key = 0x9e3779b97f4a7c15u;

static void free_key_init(void) {
  const void *rnd = (const void *)getauxval(AT_RANDOM); /* 16 kernel-random bytes */
  uintptr_t k = 0;
  if (rnd != NULL) memcpy(&k, rnd, sizeof k);
  k ^= (uintptr_t)&brisk_free_key; /* ASLR as a fallback */
  brisk_free_key = k | 1;          /* never 0: 0 is the "handed out" mark */
}

static void atfork_prepare(void) {
  brisk_heap_atfork_prepare();
  brisk_segment_atfork_prepare();
  brisk_huge_atfork_prepare();
}

static void atfork_parent(void) {
  brisk_huge_atfork_parent();
  brisk_segment_atfork_parent();
  brisk_heap_atfork_parent();
}

static void atfork_child(void) {
  brisk_huge_atfork_child();
  brisk_segment_atfork_child();
  brisk_heap_atfork_child();
}

__attribute__((constructor(101))) static void brisk_constructor(void) { brisk_process_init(); }

void brisk_process_init(void) {
  if (brisk_process_ready) return;
  brisk_process_ready = 1;
  brisk_options_init();
  free_key_init();
  brisk_heap_process_init();
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

__attribute__((destructor(101))) static void brisk_destructor(void) { brisk_stats_at_exit(); }
