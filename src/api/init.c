/* SPDX-License-Identifier: MIT */
/* api/init.c — process start, fork and exit.
 *
 * The allocator works before this runs (the dynamic loader's first malloc
 * uses static defaults and the sentinel heap); the constructor then reads
 * the options, draws the free-mark key, creates the thread-exit key,
 * starts guard sampling when asked (its SIGSEGV handler; safety/guard.h)
 * and installs the fork handler.
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
 * such a child, and brisk asks no more.  With meshing (core/mesh.h), the
 * prepare handler copies the memory file that meshed pages share and the
 * child moves its meshed pages onto a copy of its own.
 */
#include <pthread.h>

#include "core/block.h"
#include "core/heap.h"
#include "core/huge.h"
#include "core/mesh.h"
#include "core/options.h"
#include "core/owned.h"
#include "observe/event.h"
#include "observe/trace.h"
#include "observe/tracefile.h"
#include "core/segment.h"
#include "observe/stats.h"
#include "safety/guard.h"
#include "safety/ro.h"

extern char **environ;

static int process_ready;

/* Referenced from api/override.c so that a static link (libbrisk.a), which
 * pulls in only the objects a program needs, always brings this file's
 * constructor, thread-exit key and fork handler along with malloc. */
const int brisk_init_linked = 1;

static void atfork_child(void) {
  brisk_mesh_atfork_child(); /* first: until then the child shares meshed pages */
  brisk_huge_atfork_child();
  brisk_segment_atfork_child();
  brisk_heap_atfork_child();
  brisk_owned_atfork_child();
  brisk_guard_atfork_child();
  brisk_tracefile_atfork_child();
}

static void process_init(void) {
  if (process_ready) return;
  process_ready = 1;
  brisk_options_init(environ);
  if (brisk_options.trace_syscalls) brisk_event_syscall_hook = brisk_trace_syscall;
  if (brisk_tracefile_init()) brisk_event_syscall_hook = brisk_tracefile_syscall;
  brisk_block_key_init(); /* no-op if the first heap already drew it */
  brisk_heap_process_init();
  brisk_guard_init(); /* BRISK_GUARD_SAMPLE: the SIGSEGV handler */
  /* A grant the calling thread's heap got before the options were read
   * (the loader's and other libraries' first mallocs) was not cut to the
   * sampling interval: up to BRISK_FAST_GRANT allocations went unsampled
   * (api/guard_sample under UBSan: 1086 of 4000 at N=1).  End it now:
   * the next malloc regrants by the interval.  (Other threads' heaps are
   * theirs to write; a constructor rarely runs after threads started.) */
  if (guard_enabled() && brisk_heap_tls != &brisk_heap_empty) event_fast_regrant(brisk_heap_tls, 0);
  brisk_mesh_init(); /* BRISK_MESH */
  pthread_atfork(brisk_mesh_atfork_prepare, brisk_mesh_atfork_parent, atfork_child);
  /* BRISK_RO_GLOBALS: the options and the secrets are final: read-only
   * from now on (a refusal leaves them writable; nothing else depends on it). */
  if (BRISK_RO_GLOBALS) {
    const brisk_ro_object_t ro[] = {{&brisk_options, sizeof brisk_options},
                                    {&brisk_block_key, sizeof brisk_block_key},
                                    {&brisk_block_mul, sizeof brisk_block_mul},
                                    {&brisk_block_mul_inv, sizeof brisk_block_mul_inv}};
    (void)brisk_ro_seal(ro, sizeof ro / sizeof ro[0]);
  }
}

__attribute__((constructor(101))) static void brisk_constructor(void) { process_init(); }

__attribute__((destructor(101))) static void brisk_destructor(void) {
  brisk_stats_at_exit();
  brisk_tracefile_exit();
}
