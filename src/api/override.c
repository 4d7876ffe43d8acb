/* SPDX-License-Identifier: MIT */
/* api/override.c — the exported malloc family.
 *
 * Every entry point exists as brisk_<name>; with BRISK_OVERRIDE=1 (the
 * default build) it is also exported under the standard name and as the
 * glibc __libc_<name> alias, so that LD_PRELOAD or -lbrisk replaces the C
 * library's allocator.  Semantics follow glibc (docs/api.md): ENOMEM on
 * every failed allocation, 16-byte alignment, realloc(p, 0) frees.
 * free() and its variants preserve errno.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../include/brisk.h"
#include "api/entry.h"
#include "core/heap.h"
#include "core/huge.h"
#include "core/options.h"
#include "observe/output.h"
#include "safety/zero.h"

/* Keeps api/init.c in every static link (see brisk_init_linked there). */
extern const int brisk_init_linked;
__attribute__((used)) static const int *const init_anchor = &brisk_init_linked;

static inline bool is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* count * size into *bytes; false (errno ENOMEM) when it overflows. */
static inline bool array_bytes(size_t count, size_t size, size_t *bytes) {
  if (!__builtin_mul_overflow(count, size, bytes)) return true;
  errno = ENOMEM;
  return false;
}

/* BRISK_ZERO_FAULT: malloc(0), calloc of zero bytes and realloc(NULL, 0)
 * return a pointer into the inaccessible zero region (safety/zero.h), or
 * an ordinary block when the region has no slot left.  (C++ new(0) keeps
 * its ordinary block.)  Free, realloc and malloc_usable_size recognise
 * such pointers in the core (core/free.c, core/realloc.c). */
static NOINLINE void *malloc_zero(void) {
  void *p = brisk_zero_alloc();
  return p != NULL ? p : entry_malloc(0);
}

static ALWAYS_INLINE void *do_malloc(size_t n) {
  if (BRISK_ZERO_FAULT && unlikely(n == 0)) return malloc_zero();
  return entry_malloc(n);
}

static ALWAYS_INLINE void *do_realloc(void *p, size_t n) {
  if (BRISK_ZERO_FAULT && unlikely(p == NULL && n == 0)) return malloc_zero();
  return entry_realloc(p, n);
}

static inline void *do_calloc(size_t count, size_t size) {
  size_t n;
  if (!array_bytes(count, size, &n)) return NULL;
  if (BRISK_ZERO_FAULT && n == 0) return malloc_zero();
  return entry_calloc(n);
}

static inline void *do_reallocarray(void *p, size_t count, size_t size) {
  size_t n;
  return array_bytes(count, size, &n) ? do_realloc(p, n) : NULL;
}

/* As glibc: EINVAL (errno untouched) for a bad alignment; ENOMEM returned
 * and set in errno when memory is short. */
static inline int do_posix_memalign(void **out, size_t align, size_t size) {
  if (align % sizeof(void *) != 0 || !is_pow2(align)) return EINVAL;
  void *p = entry_malloc_aligned(size, align);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

static inline void *do_aligned_alloc(size_t align, size_t size) {
  if (!is_pow2(align)) {
    errno = EINVAL;
    return NULL;
  }
  return entry_malloc_aligned(size, align);
}

/* glibc memalign: alignments below 16 are raised, non-powers of two are
 * rounded up to the next power of two; absurd alignments fail with EINVAL. */
static inline void *do_memalign(size_t align, size_t size) {
  if (align > SIZE_MAX / 2 + 1) {
    errno = EINVAL;
    return NULL;
  }
  if (!is_pow2(align)) {
    size_t a = BRISK_ALIGN;
    while (a < align) a <<= 1;
    align = a;
  }
  return entry_malloc_aligned(size, align);
}

static inline void *do_pvalloc(size_t size) {
  size_t page = BRISK_OS_PAGE;
  if (size > SIZE_MAX - page) {
    errno = ENOMEM;
    return NULL;
  }
  size_t rounded = size == 0 ? page : (size + page - 1) & ~(page - 1);
  return entry_malloc_aligned(rounded, page);
}

/* free preserves errno: the fast path never touches it, and every
 * syscall on the slow path restores it (os_linux.c). */
static ALWAYS_INLINE void do_free(void *p) { entry_free(p); }

static inline void do_free_sized(void *p, size_t size) { entry_free_sized(p, size); }

/* ------------------------------------------------------------ brisk_* API */

BRISK_API void *brisk_malloc(size_t n) { return do_malloc(n); }
BRISK_API void brisk_free(void *p) { do_free(p); }
BRISK_API void *brisk_calloc(size_t c, size_t n) { return do_calloc(c, n); }
BRISK_API void *brisk_realloc(void *p, size_t n) { return do_realloc(p, n); }
BRISK_API void *brisk_reallocarray(void *p, size_t c, size_t n) { return do_reallocarray(p, c, n); }
BRISK_API int brisk_posix_memalign(void **out, size_t a, size_t n) { return do_posix_memalign(out, a, n); }
BRISK_API void *brisk_aligned_alloc(size_t a, size_t n) { return do_aligned_alloc(a, n); }
BRISK_API void *brisk_memalign(size_t a, size_t n) { return do_memalign(a, n); }
BRISK_API void *brisk_valloc(size_t n) { return entry_malloc_aligned(n, BRISK_OS_PAGE); }
BRISK_API void *brisk_pvalloc(size_t n) { return do_pvalloc(n); }
BRISK_API size_t brisk_usable_size(const void *p) { return entry_usable(p); }
BRISK_API void brisk_free_sized(void *p, size_t n) { do_free_sized(p, n); }
BRISK_API void brisk_free_aligned_sized(void *p, size_t a, size_t n) {
  (void)a;
  do_free_sized(p, n);
}

/* Release free memory of the calling thread's heap, of the heaps of
 * exited threads and of the global caches.  Live threads' heaps are
 * theirs to trim (their own purge delay and dirty limit). */
BRISK_API size_t brisk_trim(void) {
  int saved = errno;
  size_t released = brisk_heap_release(brisk_heap_tls);
  errno = saved;
  return released;
}

/* ------------------------------------------------- glibc-compatible extras */

static struct mallinfo2 do_mallinfo2(void) {
  brisk_stats_t s;
  brisk_stats_get(&s);
  struct mallinfo2 mi;
  memset(&mi, 0, sizeof mi);
  /* glibc's split: huge (own-mapping) blocks are reported in hblks/hblkhd
   * only; arena/uordblks/fordblks describe everything else. */
  size_t huge = brisk_huge_live_bytes();
  mi.arena = s.mapped > huge ? s.mapped - huge : 0;
  mi.hblks = s.large_live;
  mi.hblkhd = huge;
  mi.uordblks = s.allocated > huge ? s.allocated - huge : 0;
  mi.fordblks = mi.arena > mi.uordblks ? mi.arena - mi.uordblks : 0;
  mi.usmblks = s.peak_mapped;
  mi.keepcost = 0;
  return mi;
}

static struct mallinfo do_mallinfo(void) {
  struct mallinfo2 m2 = do_mallinfo2();
  struct mallinfo mi;
  memset(&mi, 0, sizeof mi);
  mi.arena = (int)m2.arena;
  mi.hblks = (int)m2.hblks;
  mi.hblkhd = (int)m2.hblkhd;
  mi.uordblks = (int)m2.uordblks;
  mi.fordblks = (int)m2.fordblks;
  mi.usmblks = (int)m2.usmblks;
  return mi;
}

/* glibc's malloc_stats format first (scripts parse it), then brisk's. */
static void do_malloc_stats(void) {
  brisk_stats_t s;
  brisk_stats_get(&s);
  outbuf_t o = {.fd = 2};
  brisk_output_str(&o, "Arena 0:\nsystem bytes     = ");
  brisk_output_u64(&o, s.mapped);
  brisk_output_str(&o, "\nin use bytes     = ");
  brisk_output_u64(&o, s.allocated);
  brisk_output_str(&o, "\nTotal (incl. mmap):\nsystem bytes     = ");
  brisk_output_u64(&o, s.mapped);
  brisk_output_str(&o, "\nin use bytes     = ");
  brisk_output_u64(&o, s.allocated);
  brisk_output_str(&o, "\nmax mmap regions = ");
  brisk_output_u64(&o, brisk_huge_peak_count());
  brisk_output_str(&o, "\nmax mmap bytes   = ");
  brisk_output_u64(&o, brisk_huge_peak_bytes());
  brisk_output_str(&o, "\n");
  brisk_output_flush(&o);
  brisk_stats_print(2);
}

/* glibc 2.36's return values: 1 for every parameter, known or not, except
 * an out-of-range M_MXFAST.  Honoured: M_TRIM_THRESHOLD (bytes) becomes
 * the per-heap limit of free memory kept committed (dirty_max_kib; the
 * hardened build's options are read-only: accepted, no effect).  The
 * others have no brisk counterpart (docs/api.md): M_MMAP_THRESHOLD (blocks
 * above 2 MiB always get their own mapping), M_PERTURB, M_TOP_PAD,
 * M_MMAP_MAX, M_ARENA_*, M_MXFAST. */
static int do_mallopt(int param, int value) {
  switch (param) {
  case M_MXFAST:
    return value >= 0 && (size_t)value <= 80 * sizeof(size_t) / 4;
  case M_TRIM_THRESHOLD:
    if (!BRISK_RO_GLOBALS && value >= 0) __atomic_store_n(&brisk_options.dirty_max_kib, value / 1024, __ATOMIC_RELAXED);
    return 1;
  default:
    return 1;
  }
}

static int do_malloc_info(int options, FILE *fp) {
  if (options != 0 || fp == NULL) {
    errno = EINVAL;
    return -1;
  }
  brisk_stats_t s;
  brisk_stats_get(&s);
  /* <sizes>: one entry per size class in use: from/to the sizes it
   * serves, count = its pages, total = their bytes (glibc lists free
   * chunks there; brisk's equivalent unit is the page of one class). */
  fputs("<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n", fp);
  size_t from = 1;
  for (unsigned i = 0;; i++) {
    size_t size, page_bytes;
    uint64_t pages;
    if (brisk_stats_class(i, &size, &pages, &page_bytes) != 0) break;
    if (pages != 0)
      fprintf(fp, "<size from=\"%zu\" to=\"%zu\" total=\"%llu\" count=\"%llu\"/>\n", from, size,
              (unsigned long long)(pages * page_bytes), (unsigned long long)pages);
    from = size + 1;
  }
  fputs("</sizes>\n", fp);
  fprintf(fp,
          "<total type=\"mmap\" count=\"%llu\" "
          "size=\"%llu\"/>\n<system type=\"current\" size=\"%llu\"/>\n<system type=\"max\" "
          "size=\"%llu\"/>\n<aspace type=\"total\" size=\"%llu\"/>\n</heap>\n<total "
          "type=\"mmap\" count=\"%llu\" size=\"%llu\"/>\n<system type=\"current\" "
          "size=\"%llu\"/>\n<system type=\"max\" size=\"%llu\"/>\n</malloc>\n",
          (unsigned long long)s.large_live, (unsigned long long)brisk_huge_live_bytes(),
          (unsigned long long)s.mapped, (unsigned long long)s.peak_mapped,
          (unsigned long long)s.mapped, (unsigned long long)s.large_live,
          (unsigned long long)brisk_huge_live_bytes(), (unsigned long long)s.mapped,
          (unsigned long long)s.peak_mapped);
  return 0;
}

/* --------------------------------------------------- standard names */

#if BRISK_OVERRIDE
BRISK_API void *malloc(size_t n) { return do_malloc(n); }
BRISK_API void free(void *p) { do_free(p); }
BRISK_API void *calloc(size_t c, size_t n) { return do_calloc(c, n); }
BRISK_API void *realloc(void *p, size_t n) { return do_realloc(p, n); }
/* reallocarray, free_sized and free_aligned_sized go through the exported
 * realloc/free symbols, so that a tool that interposes the classic family
 * (valgrind --soname-synonyms=somalloc=*brisk*) sees every block. */
BRISK_API void *reallocarray(void *p, size_t c, size_t n) {
  size_t bytes;
  return array_bytes(c, n, &bytes) ? realloc(p, bytes) : NULL;
}
BRISK_API int posix_memalign(void **out, size_t a, size_t n) { return do_posix_memalign(out, a, n); }
BRISK_API void *aligned_alloc(size_t a, size_t n) { return do_aligned_alloc(a, n); }
BRISK_API void *memalign(size_t a, size_t n) { return do_memalign(a, n); }
BRISK_API void *valloc(size_t n) { return entry_malloc_aligned(n, BRISK_OS_PAGE); }
BRISK_API void *pvalloc(size_t n) { return do_pvalloc(n); }
BRISK_API size_t malloc_usable_size(void *p) { return entry_usable(p); }
BRISK_API void free_sized(void *p, size_t n);
BRISK_API void free_sized(void *p, size_t n) {
  if (BRISK_HARDEN_PATHS) {
    entry_free_sized(p, n);
    return;
  }
  brisk_free_check_size(p, n);
  free(p);
}
BRISK_API void free_aligned_sized(void *p, size_t a, size_t n);
BRISK_API void free_aligned_sized(void *p, size_t a, size_t n) {
  (void)a;
  free_sized(p, n);
}
BRISK_API int malloc_trim(size_t pad) {
  (void)pad;
  return brisk_trim() > 0;
}
BRISK_API struct mallinfo2 mallinfo2(void) { return do_mallinfo2(); }
BRISK_API struct mallinfo mallinfo(void) { return do_mallinfo(); }
BRISK_API void malloc_stats(void) { do_malloc_stats(); }
BRISK_API int mallopt(int param, int value) { return do_mallopt(param, value); }
BRISK_API int malloc_info(int options, FILE *fp) { return do_malloc_info(options, fp); }

/* glibc-internal names some programs and libraries call directly. */
BRISK_API void *__libc_malloc(size_t n);
BRISK_API void *__libc_malloc(size_t n) { return do_malloc(n); }
BRISK_API void __libc_free(void *p);
BRISK_API void __libc_free(void *p) { do_free(p); }
BRISK_API void *__libc_calloc(size_t c, size_t n);
BRISK_API void *__libc_calloc(size_t c, size_t n) { return do_calloc(c, n); }
BRISK_API void *__libc_realloc(void *p, size_t n);
BRISK_API void *__libc_realloc(void *p, size_t n) { return do_realloc(p, n); }
BRISK_API void *__libc_memalign(size_t a, size_t n);
BRISK_API void *__libc_memalign(size_t a, size_t n) { return do_memalign(a, n); }
BRISK_API void *__libc_valloc(size_t n);
BRISK_API void *__libc_valloc(size_t n) { return entry_malloc_aligned(n, BRISK_OS_PAGE); }
BRISK_API void *__libc_pvalloc(size_t n);
BRISK_API void *__libc_pvalloc(size_t n) { return do_pvalloc(n); }
#else
/* The prefix build still offers the glibc extras under brisk_ names. */
BRISK_API struct mallinfo2 brisk_mallinfo2(void);
BRISK_API struct mallinfo2 brisk_mallinfo2(void) { return do_mallinfo2(); }
BRISK_API struct mallinfo brisk_mallinfo(void);
BRISK_API struct mallinfo brisk_mallinfo(void) { return do_mallinfo(); }
BRISK_API void brisk_malloc_stats(void);
BRISK_API void brisk_malloc_stats(void) { do_malloc_stats(); }
BRISK_API int brisk_mallopt(int param, int value);
BRISK_API int brisk_mallopt(int param, int value) { return do_mallopt(param, value); }
BRISK_API int brisk_malloc_info(int options, FILE *fp);
BRISK_API int brisk_malloc_info(int options, FILE *fp) { return do_malloc_info(options, fp); }
#endif
