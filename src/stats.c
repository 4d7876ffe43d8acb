/* stats.c — process-wide statistics: merge, peak tracking, printing.
 *
 * Owns: brisk_stats_get/brisk_stats_print, the estimate of live bytes and
 * its peak, and the report printed at exit when BRISK_STATS=1.
 * Each heap counts its own operations (fast.h STAT_ADD, owner-only
 * writes); this file sums them with relaxed loads, so figures are
 * approximate while other threads run.  Frees made by threads that have
 * no heap yet are counted in orphan_* (atomics).
 */
#include <errno.h>

#include "../include/brisk.h"
#include "internal.h"
#include "os.h"

static uint64_t orphan_frees, orphan_bytes;
static uint64_t peak_allocated;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void brisk_stats_orphan_free(size_t bytes) {
  __atomic_fetch_add(&orphan_frees, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&orphan_bytes, bytes, __ATOMIC_RELAXED);
}

typedef struct totals_s {
  uint64_t malloc_calls, free_calls, bytes_requested, alloc_bytes, freed_bytes, remote_frees;
} totals_t;

static void sum_heaps(totals_t *t) {
  *t = (totals_t){0};
  for (heap_t *h = brisk_heap_list(); h != NULL; h = h->all_next) {
    t->malloc_calls += LOAD(h->stats.malloc_calls);
    t->free_calls += LOAD(h->stats.free_calls);
    t->bytes_requested += LOAD(h->stats.bytes_requested);
    t->alloc_bytes += LOAD(h->stats.alloc_bytes);
    t->freed_bytes += LOAD(h->stats.freed_bytes);
    t->remote_frees += LOAD(h->stats.remote_frees);
  }
  t->free_calls += LOAD(orphan_frees);
  t->freed_bytes += LOAD(orphan_bytes);
}

static uint64_t live_bytes(const totals_t *t) {
  return t->alloc_bytes > t->freed_bytes ? t->alloc_bytes - t->freed_bytes : 0;
}

/* Sample live bytes and raise the peak (called when a heap takes a new
 * page or large span, i.e. once per 64 KiB or more of growth). */
void brisk_stats_note_peak(void) {
  totals_t t;
  sum_heaps(&t);
  uint64_t now = live_bytes(&t);
  uint64_t peak = LOAD(peak_allocated);
  while (now > peak && !__atomic_compare_exchange_n(&peak_allocated, &peak, now, true,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

BRISK_API int brisk_stats_get(brisk_stats_t *out) {
  if (out == NULL) return EINVAL;
  totals_t t;
  sum_heaps(&t);
  os_counters_t c;
  brisk_os_counters(&c);
  brisk_stats_note_peak();
  out->malloc_calls = t.malloc_calls;
  out->free_calls = t.free_calls;
  out->bytes_requested = t.bytes_requested;
  out->allocated = live_bytes(&t);
  out->peak_allocated = LOAD(peak_allocated);
  out->mapped = c.mapped;
  out->peak_mapped = c.peak_mapped;
  out->committed = c.mapped; /* upper bound; purged ranges are not tracked apart */
  out->mmap_calls = c.mmap_calls;
  out->munmap_calls = c.munmap_calls;
  out->madvise_calls = c.madvise_calls;
  out->mremap_calls = c.mremap_calls;
  out->segments = 0;
  out->large_live = brisk_huge_live_count();
  out->remote_frees = t.remote_frees;
  out->threads = brisk_heap_count();
  return 0;
}

static void row_size(outbuf_t *o, const char *name, uint64_t v) {
  brisk_out_str(o, "brisk:   ");
  brisk_out_str(o, name);
  brisk_out_pad(o, 34);
  brisk_out_size(o, v);
  brisk_out_str(o, "\n");
}

static void row_count(outbuf_t *o, const char *name, uint64_t v) {
  brisk_out_str(o, "brisk:   ");
  brisk_out_str(o, name);
  brisk_out_pad(o, 34);
  brisk_out_u64(o, v);
  brisk_out_str(o, "\n");
}

BRISK_API void brisk_stats_print(int fd) {
  brisk_stats_t s;
  brisk_stats_get(&s);
  outbuf_t o = {.fd = fd};
  brisk_out_str(&o, "brisk: heap statistics\n");
  row_count(&o, "allocations", s.malloc_calls);
  row_count(&o, "frees", s.free_calls);
  row_count(&o, "  of which by another thread", s.remote_frees);
  row_size(&o, "bytes requested (total)", s.bytes_requested);
  row_size(&o, "live now (usable bytes)", s.allocated);
  row_size(&o, "live peak (sampled)", s.peak_allocated);
  row_size(&o, "mapped now", s.mapped);
  row_size(&o, "mapped peak", s.peak_mapped);
  row_size(&o, "resident now (RSS)", brisk_os_rss_bytes());
  row_count(&o, "huge blocks live", s.large_live);
  row_count(&o, "thread heaps created", s.threads);
  brisk_out_str(&o, "brisk:   syscalls");
  brisk_out_pad(&o, 34);
  brisk_out_str(&o, "mmap ");
  brisk_out_u64(&o, s.mmap_calls);
  brisk_out_str(&o, ", munmap ");
  brisk_out_u64(&o, s.munmap_calls);
  brisk_out_str(&o, ", madvise ");
  brisk_out_u64(&o, s.madvise_calls);
  brisk_out_str(&o, ", mremap ");
  brisk_out_u64(&o, s.mremap_calls);
  brisk_out_str(&o, "\n");
  brisk_out_flush(&o);
}

void brisk_stats_at_exit(void) {
  if (brisk_options.stats) brisk_stats_print(2);
}
