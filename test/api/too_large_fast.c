/* SPDX-License-Identifier: MIT */
/* too_large_fast.c — a request that can never succeed fails at once: no
 * system call, no purge of the caches, every time.
 *
 * 20000 calls of malloc, calloc, realloc (of NULL and of a live block),
 * reallocarray, memalign, posix_memalign and aligned_alloc with sizes no
 * address space can hold (SIZE_MAX, SIZE_MAX/2 = PTRDIFF_MAX, 2^50, 2^48
 * and a few in between), after the caches were filled (freed small, large
 * and huge blocks).  Each call must fail with NULL and errno ENOMEM (ENOMEM
 * returned by posix_memalign), and realloc must leave its block intact.
 * On brisk (brisk_stats_get resolved with dlsym), the allocator's memory
 * syscalls (mmap + munmap + madvise + mremap) must not grow by more than a
 * handful over the whole loop: an allocator that tries the mapping each
 * time, or frees its caches and retries, makes tens of thousands.  No
 * wall-clock threshold (shared, noisy machines); the time is only noted. */
#include "check.h"
#include <brisk.h>
#include <malloc.h>

static const size_t bad_sizes[] = {
    SIZE_MAX,
    SIZE_MAX / 2, /* PTRDIFF_MAX */
    SIZE_MAX / 2 + 1,
    (size_t)1 << 50,
    (size_t)1 << 48,
    ((size_t)1 << 48) + 4096,
    (size_t)PTRDIFF_MAX - 4096,
    SIZE_MAX - 4096,
};
#define NBAD (sizeof bad_sizes / sizeof bad_sizes[0])

static uint64_t syscalls(int (*get)(brisk_stats_t *), brisk_stats_t *s) {
  if (get == NULL) return 0;
  get(s);
  return s->mmap_calls + s->munmap_calls + s->madvise_calls + s->mremap_calls;
}

int main(void) {
  int (*stats_get)(brisk_stats_t *) =
      (int (*)(brisk_stats_t *))dlsym(RTLD_DEFAULT, "brisk_stats_get");
  CHECK(!on_brisk() || stats_get != NULL, "brisk_stats_get not found on brisk");

  /* Fill the caches: freed small pages, large spans, huge mappings. */
  void *v[64];
  for (int i = 0; i < 64; i++) {
    v[i] = malloc((size_t)(i + 1) * 5000);
    CHECK(v[i] != NULL, "malloc");
    memset(v[i], 1, (size_t)(i + 1) * 5000);
  }
  for (int i = 0; i < 64; i++) free(v[i]);
  for (int i = 0; i < 4; i++) {
    void *h = malloc((size_t)(3 + i) << 20);
    CHECK(h != NULL, "malloc(%d MiB)", 3 + i);
    memset(h, 1, 4096);
    free(h);
  }
  char *live = malloc(1000);
  CHECK(live != NULL, "malloc(1000)");
  memset(live, 0x77, 1000);

  brisk_stats_t s0, s1;
  uint64_t c0 = syscalls(stats_get, &s0);
  double t0 = now_s();
  enum { CALLS = 20000, KINDS = 9 };
  for (int i = 0; i < CALLS; i++) {
    size_t n = opaque(bad_sizes[(unsigned)i % NBAD]);
    int kind = (i / (int)NBAD) % KINDS;
    void *p = (void *)1;
    int rc = 0;
    errno = 0;
    switch (kind) {
    case 0: p = malloc(n); break;
    case 1: p = calloc(1, n); break;
    case 2: p = calloc(n, 1); break;
    case 3: p = realloc(NULL, n); break;
    case 4: p = realloc(live, n); break;
    case 5: p = reallocarray(live, 1, n); break;
    case 6: p = memalign(64, n); break;
    case 7: p = aligned_alloc(4096, n); break;
    case 8: {
      void *out = NULL;
      rc = posix_memalign(&out, 64, n);
      CHECK(rc == ENOMEM, "posix_memalign(&p, 64, %zu) returned %d, want ENOMEM", n, rc);
      p = NULL;
      break;
    }
    }
    CHECK(p == NULL, "call kind %d with size %zu succeeded", kind, n);
    if (kind != 8)
      CHECK(errno == ENOMEM, "call kind %d with size %zu: errno %d, want ENOMEM", kind, n,
            errno);
  }
  double dt = now_s() - t0;
  uint64_t c1 = syscalls(stats_get, &s1);
  for (int i = 0; i < 1000; i++)
    CHECK((unsigned char)live[i] == 0x77, "realloc that failed changed its block at %d", i);
  free(live);
  NOTE("%d failing calls in %.3f s (%.2f us each)", CALLS, dt, dt * 1e6 / CALLS);
  if (stats_get) {
    NOTE("allocator syscalls during the loop: mmap %llu, munmap %llu, madvise %llu, mremap %llu",
         (unsigned long long)(s1.mmap_calls - s0.mmap_calls),
         (unsigned long long)(s1.munmap_calls - s0.munmap_calls),
         (unsigned long long)(s1.madvise_calls - s0.madvise_calls),
         (unsigned long long)(s1.mremap_calls - s0.mremap_calls));
    CHECK(c1 - c0 <= 16,
          "%llu memory syscalls for %d requests that can never succeed (want <= 16: "
          "fail at once, without trying to map or purging caches)",
          (unsigned long long)(c1 - c0), CALLS);
  }
  puts("ok");
  return 0;
}
