/* SPDX-License-Identifier: MIT */
/* unit_atfork — fork: the child forgets the global caches and allocates.
 *
 * 1. Single-threaded, fork() from a SIGUSR1 handler raised outside malloc:
 *    the parent had cached huge mappings and segments; in the child both
 *    caches read empty (brisk_huge_cached_bytes, brisk_segment_cached_bytes)
 *    and small, large and huge malloc/free/realloc/calloc work, the huge
 *    cache refills and is reused, the heap passes the invariant walk.
 * 2. Single-threaded, fork() from a SIGALRM handler (a 1 ms interval timer)
 *    that interrupts the main thread anywhere in a malloc/free loop (also
 *    inside brisk, with a lock held): the child only checks the caches and
 *    _exits (all POSIX allows there); every child exits 0 promptly (no
 *    fork handler takes a lock) and the parent's loop goes on unharmed.
 * 3. Multithreaded: while a thread allocates and frees small, large and
 *    huge blocks and churns segments through the global cache, the main
 *    thread forks 12 times; each child (watchdog 10 s) finds both caches
 *    empty, allocates all kinds, creates a thread (a fresh heap, not the
 *    parent's abandoned one: the abandoned list was forgotten) and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "brisk.h"
#include "unit.h"

#define KiB ((size_t)1024)
#define MiB ((size_t)1 << 20)

/* Child exit codes. */
enum { C_OK = 0, C_HUGE_CACHE = 3, C_SEG_CACHE = 4, C_ALLOC = 5, C_CONTENT = 6, C_THREAD = 7 };

static bool caches_empty(int *code) {
  if (brisk_huge_cached_bytes() != 0) return *code = C_HUGE_CACHE, false;
  if (brisk_segment_cached_bytes() != 0) return *code = C_SEG_CACHE, false;
  return true;
}

/* Allocate every kind in a child (first checking that the inherited
 * caches read empty); returns a child exit code. */
static int child_work(bool fresh) {
  int code = C_OK;
  if (fresh && !caches_empty(&code)) return code;
  for (int round = 0; round < 2; round++) {
    uint8_t *s = brisk_malloc(40), *m = brisk_malloc(5000), *l = brisk_malloc(256 * KiB);
    uint8_t *h = brisk_malloc(3 * MiB), *c = brisk_calloc(1, 300 * KiB);
    if (!s || !m || !l || !h || !c) return C_ALLOC;
    memset(s, 1, 40);
    memset(m, 2, 5000);
    memset(l, 3, 256 * KiB);
    memset(h, 4, 4096);
    memset(h + 3 * MiB - 4096, 4, 4096);
    for (size_t i = 0; i < 300 * KiB; i += 4096)
      if (c[i] != 0) return C_CONTENT;
    h = brisk_realloc(h, 6 * MiB);
    if (h == NULL || h[3 * MiB - 1] != 4) return C_CONTENT;
    brisk_free(s);
    brisk_free(m);
    brisk_free(l);
    brisk_free(c);
    brisk_free(h);
    if (brisk_huge_cached_bytes() == 0) return C_HUGE_CACHE; /* the child's own cache works */
  }
  void *again = brisk_malloc(6 * MiB); /* reuses the child's cached mapping */
  if (again == NULL || brisk_huge_cached_bytes() != 0) return C_HUGE_CACHE;
  brisk_free(again);
  brisk_check_heap(brisk_heap_get_or_init());
  return C_OK;
}

static int wait_child(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return st;
}

/* Segments one each that, freed, pass the empty segments a heap keeps
 * (options_empty_segments_max(): 4 at the default dirty limit, checked in
 * main) by two, which go to the global cache. */
enum { SEGS_PAST_KEPT = 4 + 2 };

/* Cache a few huge mappings and two segments in this process. */
static void fill_caches(void) {
  void *h[3];
  for (int i = 0; i < 3; i++) h[i] = brisk_malloc(3 * MiB);
  for (int i = 0; i < 3; i++) brisk_free(h[i]);
  void *seg[SEGS_PAST_KEPT];
  for (int i = 0; i < SEGS_PAST_KEPT; i++) seg[i] = brisk_malloc(2 * MiB); /* one each */
  for (int i = 0; i < SEGS_PAST_KEPT; i++) brisk_free(seg[i]);
}

/* ---- 1: fork from a handler raised outside malloc */

static volatile pid_t usr1_child;
static void on_usr1(int sig) {
  (void)sig;
  pid_t pid = fork();
  if (pid == 0) _exit(child_work(true));
  usr1_child = pid;
}

/* ---- 2: fork from a timer handler that interrupts anything */

static volatile sig_atomic_t alarm_forks, alarm_bad, alarm_status;
static void on_alarm(int sig) {
  (void)sig;
  int saved = errno;
  pid_t pid = fork();
  if (pid == 0) {
    int code = C_OK;
    caches_empty(&code);
    _exit(code);
  }
  if (pid > 0) {
    int st = wait_child(pid);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      alarm_bad++;
      alarm_status = st;
    }
    alarm_forks++;
  }
  errno = saved;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One round of allocation traffic of every kind, contents checked. */
static void traffic(unsigned *seed) {
  static const size_t sizes[] = {16, 100, 1000, 5000, 40000, 200 * KiB, 1 * MiB, 3 * MiB, 5 * MiB};
  void *p[16];
  size_t n[16];
  for (int i = 0; i < 16; i++) {
    *seed = *seed * 1103515245u + 12345u;
    n[i] = sizes[(*seed >> 16) % (sizeof sizes / sizeof sizes[0])];
    p[i] = brisk_malloc(n[i]);
    UCHECK(p[i] != NULL, "malloc(%zu)", n[i]);
    memset(p[i], i, n[i] < 4096 ? n[i] : 4096);
  }
  for (int i = 0; i < 16; i++) {
    UCHECK(((uint8_t *)p[i])[0] == (uint8_t)i, "block %d damaged", i);
    brisk_free(p[i]);
  }
}

/* ---- 3: a busy thread in the parent */

static atomic_int stop_busy;
static atomic_uint busy_rounds;
static void *busy(void *arg) {
  (void)arg;
  unsigned seed = 7;
  while (!atomic_load(&stop_busy)) {
    traffic(&seed);
    if ((atomic_fetch_add(&busy_rounds, 1) & 15) == 0) {
      void *seg[SEGS_PAST_KEPT]; /* segments through the global cache */
      for (int i = 0; i < SEGS_PAST_KEPT; i++) seg[i] = brisk_malloc(2 * MiB);
      for (int i = 0; i < SEGS_PAST_KEPT; i++) brisk_free(seg[i]);
    }
  }
  return NULL;
}

static void *child_thread(void *arg) {
  heap_t **out = arg;
  void *p = brisk_malloc(100);
  void *l = brisk_malloc(300 * KiB);
  *out = brisk_heap_tls;
  brisk_free(l);
  brisk_free(p);
  return NULL;
}

static heap_t *abandoned_heap; /* of a thread that exited before the forks */

static int child_after_mt_fork(void) {
  alarm(10); /* a deadlock kills the child with SIGALRM */
  int code = child_work(true);
  if (code != C_OK) return code;
  uint32_t heaps = brisk_heaplist_count();
  heap_t *th = NULL;
  pthread_t t;
  if (pthread_create(&t, NULL, child_thread, &th) != 0) return C_THREAD;
  pthread_join(t, NULL);
  if (th == NULL || th == brisk_heap_tls || th == abandoned_heap || brisk_heaplist_count() != heaps + 1)
    return C_THREAD;
  return child_work(false);
}

int main(void) {
  heap_t *h = brisk_heap_get_or_init();
  UCHECK(h != NULL && h != &brisk_heap_empty, "no heap");
  UCHECK(options_empty_segments_max() + 2 == SEGS_PAST_KEPT, "empty segments kept: %u",
         options_empty_segments_max());

  /* ---- 1 */
  fill_caches();
  UCHECK(brisk_huge_cached_bytes() > 0 && brisk_segment_cached_bytes() > 0,
         "parent caches: huge %zu segments %lu", brisk_huge_cached_bytes(),
         (unsigned long)brisk_segment_cached_bytes());
  struct sigaction sa = {.sa_handler = on_usr1};
  sigemptyset(&sa.sa_mask);
  UCHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
  fflush(NULL);
  raise(SIGUSR1);
  UCHECK(usr1_child > 0, "fork in the handler failed");
  int st = wait_child(usr1_child);
  UCHECK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child of a handler fork: status %#x", st);
  UCHECK(brisk_huge_cached_bytes() > 0, "the child's fork emptied the parent's cache");

  /* ---- 2 */
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  UCHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
  struct itimerval it = {.it_interval = {0, 1000}, .it_value = {0, 1000}};
  UCHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
  unsigned seed = 1;
  uint64_t t0 = now_ms();
  while (alarm_forks < 20 && now_ms() - t0 < 1000) traffic(&seed);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  signal(SIGALRM, SIG_DFL);
  UCHECK(alarm_bad == 0, "%d of %d timer-handler fork children failed (last status %#x)", (int)alarm_bad,
         (int)alarm_forks, (int)alarm_status);
  UCHECK(alarm_forks >= 5, "only %d forks from the timer handler", (int)alarm_forks);
  traffic(&seed);
  brisk_check_heap(h);

  /* ---- 3 */
  pthread_t t, t2;
  UCHECK(pthread_create(&t, NULL, busy, NULL) == 0, "pthread_create");
  while (atomic_load(&busy_rounds) < 2) sched_yield();
  UCHECK(pthread_create(&t2, NULL, child_thread, &abandoned_heap) == 0, "pthread_create");
  pthread_join(t2, NULL); /* its heap waits on the abandoned list */
  int had_cache = 0;
  for (int i = 0; i < 12; i++) {
    void *hb[3];
    for (int k = 0; k < 3; k++) hb[k] = brisk_malloc(4 * MiB);
    for (int k = 0; k < 3; k++) brisk_free(hb[k]);
    had_cache += brisk_huge_cached_bytes() > 0;
    fflush(NULL);
    pid_t pid = fork();
    UCHECK(pid >= 0, "fork");
    if (pid == 0) _exit(child_after_mt_fork());
    st = wait_child(pid);
    UCHECK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork %d with a busy thread: status %#x", i, st);
  }
  atomic_store(&stop_busy, 1);
  pthread_join(t, NULL);
  UCHECK(had_cache > 0, "the parent never had cached huge mappings at a fork");
  brisk_check_heap(h);
  return 0;
}
