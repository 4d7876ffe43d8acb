/* SPDX-License-Identifier: MIT */
/* heaps.c — first-class heaps (include/brisk.h brisk_heap_*):
 *  - malloc/calloc/realloc/aligned_alloc from a heap: contents, zeroing,
 *    alignment, usable sizes; free() and realloc() of its blocks by the
 *    program's ordinary calls, from this and from other threads;
 *  - brisk_heap_stats counts exactly the live blocks (small, large, huge);
 *  - reset frees everything and the heap stays usable; destroy of a heap
 *    with 200,000 live blocks leaves the process live bytes where they were
 *    before the heap existed, and malloc_trim gives its memory back (RSS);
 *  - blocks of a heap freed by another thread while it is alive never come
 *    back to that thread after the destroy (content check of every block
 *    the other thread allocates afterwards);
 *  - huge blocks of a heap: realloc (moving), freed by another thread,
 *    destroyed with the heap;
 *  - NULL heap: EINVAL; bad alignment: EINVAL; a destroyed heap aborts with
 *    "brisk: brisk_heap_malloc(): heap destroyed".
 * Skipped on glibc (brisk's own API, looked up with dlsym). */
#include "check.h"
#include "../../include/brisk.h"
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>

static brisk_heap_t *(*hnew)(void);
static void *(*hmalloc)(brisk_heap_t *, size_t);
static void *(*hcalloc)(brisk_heap_t *, size_t, size_t);
static void *(*hrealloc)(brisk_heap_t *, void *, size_t);
static void *(*haligned)(brisk_heap_t *, size_t, size_t);
static void (*hreset)(brisk_heap_t *);
static void (*hdestroy)(brisk_heap_t *);
static int (*hstats)(brisk_heap_t *, brisk_heap_stats_t *);
static int (*sget)(brisk_stats_t *);

#define LOOK(var, name) (*(void **)&(var) = dlsym(RTLD_DEFAULT, name), (var) != NULL)

static size_t live_blocks(brisk_heap_t *h) {
  brisk_heap_stats_t s;
  CHECK(hstats(h, &s) == 0, "brisk_heap_stats");
  return s.live_blocks;
}

static uint64_t process_live(void) {
  brisk_stats_t s;
  CHECK(sget(&s) == 0, "brisk_stats_get");
  return s.allocated;
}

static void fill(void *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) ((unsigned char *)p)[i] = (unsigned char)(seed + i * 7);
}
static int intact(const void *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    if (((const unsigned char *)p)[i] != (unsigned char)(seed + i * 7)) return 0;
  return 1;
}

static void basics(void) {
  brisk_heap_t *h = hnew();
  CHECK(h != NULL, "brisk_heap_new");
  static void *v[3000];
  for (int i = 0; i < 3000; i++) {
    size_t n = (size_t)opaque(1 + (i * 37) % 5000);
    v[i] = hmalloc(h, n);
    CHECK(v[i] != NULL && ((uintptr_t)v[i] & 15) == 0, "brisk_heap_malloc(%zu)", n);
    CHECK(malloc_usable_size(v[i]) >= n, "usable size of a heap block");
    fill(v[i], n, (unsigned)i);
  }
  CHECK(live_blocks(h) == 3000, "live blocks %zu, want 3000", live_blocks(h));
  for (int i = 0; i < 3000; i += 2) {
    size_t n = 1 + (i * 37) % 5000;
    CHECK(intact(v[i], n, (unsigned)i), "contents of block %d", i);
    free(v[i]);
  }
  CHECK(live_blocks(h) == 1500, "live blocks %zu after 1500 frees", live_blocks(h));
  unsigned char *z = hcalloc(h, 1000, 7);
  CHECK(z != NULL, "brisk_heap_calloc");
  for (int i = 0; i < 7000; i++) CHECK(z[i] == 0, "calloc byte %d not zero", i);
  errno = 0;
  CHECK(hcalloc(h, SIZE_MAX / 2, 3) == NULL && errno == ENOMEM, "calloc overflow: ENOMEM");
  for (size_t a = 32; a <= (1u << 20); a <<= 3) {
    void *p = haligned(h, a, 100);
    CHECK(p != NULL && ((uintptr_t)p & (a - 1)) == 0, "aligned_alloc(%zu)", a);
    free(p);
  }
  errno = 0;
  CHECK(haligned(h, 24, 100) == NULL && errno == EINVAL, "aligned_alloc(24): EINVAL");
  /* realloc within the heap, from small to large and huge and back */
  unsigned char *r = hrealloc(h, NULL, 10);
  fill(r, 10, 3);
  size_t sizes[] = {100, 5000, 300000, 5u << 20, 50u << 20, 1000, 20};
  size_t have = 10;
  for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    r = hrealloc(h, r, sizes[k]);
    CHECK(r != NULL, "brisk_heap_realloc(%zu)", sizes[k]);
    size_t keep = have < sizes[k] ? have : sizes[k];
    CHECK(intact(r, keep, 3), "realloc to %zu kept %zu bytes", sizes[k], keep);
    fill(r, sizes[k], 3);
    have = sizes[k];
  }
  CHECK(hrealloc(h, r, 0) == NULL, "brisk_heap_realloc(p, 0) frees");
  /* a block of the thread heap moved into h */
  char *m = malloc(50);
  fill(m, 50, 9);
  char *mm = hrealloc(h, m, 100000);
  CHECK(mm != NULL && intact(mm, 50, 9), "realloc of a malloc block into the heap");
  CHECK(live_blocks(h) == 1502, "live blocks %zu: 1500 + calloc + moved", live_blocks(h));
  hreset(h);
  CHECK(live_blocks(h) == 0, "live blocks %zu after reset", live_blocks(h));
  void *again = hmalloc(h, 64);
  CHECK(again != NULL, "allocation after reset");
  memset(again, 1, 64);
  free(again);
  hdestroy(h);
  hdestroy(NULL);
  errno = 0;
  CHECK(hmalloc(NULL, 10) == NULL && errno == EINVAL, "NULL heap: EINVAL");
}

/* ---- other threads free blocks of a live heap */
struct xfree { void **v; int from, to; };
static void *xfree_run(void *arg) {
  struct xfree *x = arg;
  for (int i = x->from; i < x->to; i++) free(x->v[i]);
  /* then allocate a lot of the same sizes: none may be a block of the heap */
  return NULL;
}

static void *check_after_run(void *arg) {
  (void)arg;
  static __thread void *mine[20000];
  for (int i = 0; i < 20000; i++) {
    mine[i] = malloc(48);
    CHECK(mine[i] != NULL, "malloc after destroy");
    fill(mine[i], 48, (unsigned)i);
  }
  for (int i = 0; i < 20000; i++) {
    CHECK(intact(mine[i], 48, (unsigned)i), "a block handed out after the destroy changed");
    free(mine[i]);
  }
  return NULL;
}

static void cross_thread(void) {
  enum { N = 40000 };
  static void *v[N];
  uint64_t before = process_live();
  brisk_heap_t *h = hnew();
  for (int i = 0; i < N; i++) {
    v[i] = hmalloc(h, 48);
    CHECK(v[i] != NULL, "heap malloc");
  }
  void *big = hmalloc(h, 8u << 20);
  CHECK(big != NULL, "huge block in the heap");
  memset(big, 5, 8u << 20);
  pthread_t t[2];
  struct xfree a = {v, 0, N / 4}, b = {v, N / 4, N / 2};
  pthread_create(&t[0], NULL, xfree_run, &a);
  pthread_create(&t[1], NULL, xfree_run, &b);
  /* meanwhile the heap keeps allocating */
  static void *w[N];
  for (int i = 0; i < N; i++) {
    w[i] = hmalloc(h, 48);
    fill(w[i], 48, (unsigned)i);
  }
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  struct xfree c = {&big, 0, 1};
  pthread_create(&t[0], NULL, xfree_run, &c); /* the huge block, by another thread */
  pthread_join(t[0], NULL);
  for (int i = 0; i < N; i++) CHECK(intact(w[i], 48, (unsigned)i), "heap block %d damaged", i);
  size_t live = live_blocks(h);
  CHECK(live == N / 2 + N, "live blocks %zu, want %d", live, N / 2 + N);
  hdestroy(h);
  uint64_t after = process_live();
  CHECK(after <= before + 65536, "process live bytes %llu after destroy, %llu before the heap",
        (unsigned long long)after, (unsigned long long)before);
  pthread_create(&t[0], NULL, check_after_run, NULL);
  pthread_join(t[0], NULL);
}

static void destroy_gives_back(void) {
  enum { N = 200000 };
  malloc_trim(0);
  size_t rss0 = rss_bytes();
  brisk_heap_t *h = hnew();
  for (int i = 0; i < N; i++) {
    char *p = hmalloc(h, 200);
    CHECK(p != NULL, "heap malloc");
    p[0] = 1;
    p[100] = 2;
  }
  size_t rss1 = rss_bytes();
  CHECK(rss1 > rss0 + 30u * 1024 * 1024, "RSS %zu -> %zu with 40 MB in the heap", rss0, rss1);
  hdestroy(h);
  malloc_trim(0);
  size_t rss2 = rss_bytes();
  CHECK(rss2 < rss0 + 8u * 1024 * 1024, "RSS %zu after destroy + trim (%zu before, %zu full)", rss2, rss0, rss1);
}

static void destroyed_heap_aborts(void) {
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    brisk_heap_t *h = hnew();
    hdestroy(h);
    hmalloc(h, 10);
    _exit(0);
  }
  close(fds[1]);
  char buf[512] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  (void)n;
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "use of a destroyed heap: status %d", st);
  CHECK(strstr(buf, "brisk: brisk_heap_malloc(): heap destroyed") != NULL, "message: %s", buf);
}

int main(void) {
  if (!on_brisk()) {
    NOTE("not on brisk: skipped");
    puts("ok");
    return 0;
  }
  CHECK(LOOK(hnew, "brisk_heap_new") && LOOK(hmalloc, "brisk_heap_malloc") &&
            LOOK(hcalloc, "brisk_heap_calloc") && LOOK(hrealloc, "brisk_heap_realloc") &&
            LOOK(haligned, "brisk_heap_aligned_alloc") && LOOK(hreset, "brisk_heap_reset") &&
            LOOK(hdestroy, "brisk_heap_destroy") && LOOK(hstats, "brisk_heap_stats") &&
            LOOK(sget, "brisk_stats_get"),
        "brisk_heap_* not exported");
  basics();
  cross_thread();
  destroy_gives_back();
  destroyed_heap_aborts();
  puts("ok");
  return 0;
}
