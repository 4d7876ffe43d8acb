/* SPDX-License-Identifier: MIT */
/* stress_oom.c — out of memory.  Under setrlimit(RLIMIT_AS, current size +
 * 256 MiB): take 48 MiB in 64-byte blocks and 48 MiB in 40 KB blocks, then
 * allocate 1 MiB blocks until NULL, then 40 KB blocks until NULL, then
 * 64-byte blocks until NULL — each failure must set errno ENOMEM, every
 * block obtained is written.  calloc, realloc, aligned_alloc
 * and posix_memalign must fail cleanly too (realloc keeps the old block).
 * Then free every other block of each kind and allocate again: 1 MiB, 40 KiB
 * and 64-byte requests must succeed.  Finally two threads (created before
 * the limit) hit OOM at the same time.  Nothing may crash or abort. */
#include "check.h"
#include "alloc.h"
#include <pthread.h>
#include <sys/resource.h>

#define MAXB (1 << 23)

static void **blocks;
static size_t nblocks;

static size_t vm_size(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0;
  CHECK(f && fscanf(f, "%lu", &size) == 1, "statm");
  fclose(f);
  return (size_t)size * (size_t)sysconf(_SC_PAGESIZE);
}

/* allocate blocks of size n until failure or max blocks; returns how
 * many */
static size_t fill_until_null(size_t n, size_t max) {
  size_t got = 0;
  for (; got < max;) {
    CHECK(nblocks < MAXB, "never ran out of memory");
    errno = 0;
    void *p = T_malloc(n);
    if (!p) {
      CHECK(errno == ENOMEM, "malloc(%zu) failed with errno %d, want ENOMEM",
            n, errno);
      return got;
    }
    memset(p, 0x5A, n < 4096 ? n : 4096);
    ((unsigned char *)p)[n - 1] = 0x5A;
    blocks[nblocks++] = p;
    got++;
  }
  return got;
}

static pthread_barrier_t bar;
static void *oom_thread(void *arg) {
  size_t n = (size_t)(uintptr_t)arg;
  pthread_barrier_wait(&bar);
  void *mine[4096];
  int k = 0;
  for (; k < 4096; k++) {
    errno = 0;
    mine[k] = T_malloc(n);
    if (!mine[k]) {
      CHECK(errno == ENOMEM, "thread malloc(%zu): errno %d", n, errno);
      break;
    }
    memset(mine[k], 1, 256);
  }
  for (int i = 0; i < k; i++) T_free(mine[i]);
  return NULL;
}

int main(void) {
  /* harness array and threads come from before the limit */
  blocks = calloc(MAXB, sizeof *blocks);
  CHECK(blocks != NULL, "calloc harness array");
  pthread_barrier_init(&bar, NULL, 3);
  pthread_t th[2];
  CHECK(pthread_create(&th[0], NULL, oom_thread, (void *)(uintptr_t)65536) ==
        0 && pthread_create(&th[1], NULL, oom_thread,
                            (void *)(uintptr_t)200) == 0,
        "pthread_create");
  void *small = T_malloc(100), *keep = T_malloc(5000);
  CHECK(small && keep, "malloc");
  memset(keep, 0x77, 5000);

  size_t base = vm_size();
  struct rlimit rl = {base + 256 * MiB, base + 256 * MiB};
  CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit: %s", strerror(errno));

  size_t tiny0 = fill_until_null(64, 48 * MiB / 64);
  size_t med0 = fill_until_null(40000, 48 * MiB / 40000);
  CHECK(tiny0 == 48 * MiB / 64 && med0 == 48 * MiB / 40000,
        "ran out of memory early: %zu x 64 B, %zu x 40 KB", tiny0, med0);
  size_t mark1 = nblocks;
  size_t big = fill_until_null(MiB, SIZE_MAX);
  size_t mark2 = nblocks;
  size_t med = fill_until_null(40000, SIZE_MAX);
  size_t tiny = fill_until_null(64, SIZE_MAX);
  size_t mark3 = nblocks;
  printf("%s: under RLIMIT_AS +256 MiB: 48 MiB of 64 B + 48 MiB of 40 KB "
         "blocks, then %zu x 1 MiB, %zu x 40 KB, %zu x 64 B before ENOMEM\n",
         T_LIBNAME, big, med, tiny);
  CHECK(big >= 60, "only %zu 1 MiB blocks fit in the remaining ~160 MiB",
        big);

  /* other entry points fail cleanly while memory is exhausted */
  errno = 0;
  void *c = T_calloc(1000, 1000);
  CHECK(c == NULL && errno == ENOMEM, "calloc under OOM: %p errno %d", c,
        errno);
  errno = 0;
  void *r = T_realloc(keep, 8 * MiB);
  CHECK(r == NULL && errno == ENOMEM, "realloc under OOM: %p errno %d", r,
        errno);
  for (int i = 0; i < 5000; i++)
    CHECK(((unsigned char *)keep)[i] == 0x77, "failed realloc damaged block");
  errno = 0;
  void *a = T_aligned_alloc(MiB, 4 * MiB);
  CHECK(a == NULL && errno == ENOMEM, "aligned_alloc under OOM: %p errno %d",
        a, errno);
  void *pm = NULL;
  int rc = T_posix_memalign(&pm, 4096, 4 * MiB);
  CHECK(rc == ENOMEM, "posix_memalign under OOM returned %d", rc);

  /* free every other block of each kind */
  for (size_t i = 0; i < mark3; i += 2) {
    T_free(blocks[i]);
    blocks[i] = NULL;
  }
  void *again[3];
  again[0] = T_malloc(MiB);
  CHECK(again[0] != NULL, "malloc(1 MiB) after freeing half: errno %d", errno);
  memset(again[0], 1, MiB);
  again[1] = T_malloc(40000);
  CHECK(again[1] != NULL, "malloc(40000) after freeing half: errno %d", errno);
  memset(again[1], 1, 40000);
  again[2] = T_malloc(64);
  CHECK(again[2] != NULL, "malloc(64) after freeing half: errno %d", errno);
  memset(again[2], 1, 64);
  /* reallocate a good part of what was freed */
  size_t re = 0;
  for (size_t i = mark1 + (mark1 & 1); i < mark2; i += 2)
    if ((blocks[i] = T_malloc(MiB)) != NULL) re++;
  CHECK(re * 4 >= (mark2 - mark1) / 2, "only %zu of %zu freed 1 MiB blocks "
        "could be allocated again", re, (mark2 - mark1) / 2);
  for (size_t i = 0; i < mark1; i += 2)
    CHECK((blocks[i] = T_malloc(64)) != NULL, "malloc(64) again: errno %d",
          errno);
  /* the two threads race into OOM */
  pthread_barrier_wait(&bar);
  pthread_join(th[0], NULL);
  pthread_join(th[1], NULL);
  for (size_t i = 0; i < nblocks; i++) T_free(blocks[i]);
  for (int i = 0; i < 3; i++) T_free(again[i]);
  T_free(small);
  T_free(keep);
  /* everything freed: a large allocation fits again */
  void *last = T_malloc(128 * MiB);
  CHECK(last != NULL, "malloc(128 MiB) after freeing everything");
  memset(last, 2, MiB);
  T_free(last);
  puts("ok");
  return 0;
}
