/* api/init.c — process start, fork and exit.
 *
 * The allocator works before this runs (the dynamic loader's first malloc
 * uses static defaults and the sentinel heap); the constructor then reads
 * the options, draws the free-mark key, creates the thread-exit key and
 * installs the fork handler.
 *
 * Fork: no handler takes a lock, so fork is safe from a signal handler
 * (also one that interrupted fork or malloc) and cannot deadlock against
 * libc's own fork locking (stdio, the loader).  The child, where only the
 * forking thread exists, re-initialises every global lock and forgets the
 * global lists another thread may have been changing at the fork: the
 * segment and huge caches, the abandoned heaps and the heap pool.  What
 * they held stays mapped and registered (so frees of it are still
 * recognised), and is simply not reused.  The forking thread's own heap is
 * consistent unless the fork came from a signal handler that interrupted
 * this thread inside malloc; POSIX allows only async-signal-safe calls in
 * such a child, and brisk asks no more.
 */
#include <pthread.h>

#include "core/block.h"
#include "core/heap.h"
#include "core/huge.h"
#include "core/options.h"
#include "core/segment.h"
#include "observe/stats.h"
#include "os/os.h"

extern char **environ;

int brisk_process_ready;

uintptr_t brisk_free_key = 0x9e3779b97f4a7c15u;

static void free_key_init(void) {
  uintptr_t k = 0;
  brisk_os_random(&k, sizeof k);
  k ^= (uintptr_t)&brisk_free_key; /* ASLR as a fallback */
  brisk_free_key = k | 1;          /* never 0: 0 is the "handed out" mark */
}

static void atfork_child(void) {
  brisk_huge_atfork_child();
  brisk_segment_atfork_child();
  brisk_heap_atfork_child();
}

static void process_init(void) {
  if (brisk_process_ready) return;
  brisk_process_ready = 1;
  brisk_options_init(environ);
  free_key_init();
  brisk_heap_process_init();
  pthread_atfork(NULL, NULL, atfork_child);
}

__attribute__((constructor(101))) static void brisk_constructor(void) { process_init(); }

__attribute__((destructor(101))) static void brisk_destructor(void) { brisk_stats_at_exit(); }
