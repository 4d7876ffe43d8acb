/* SPDX-License-Identifier: MIT */
/* observe/stats.c — process-wide statistics, merged on read.
 *
 * Each heap counts its own operations (owner-only writes through the event
 * hook); this file sums them with relaxed loads, so figures are a moment's
 * snapshot while other threads run.  Frees by threads that have no heap
 * come from the event hook's orphan counters.  The live peak is the
 * maximum of the process peak and every heap's peak_seen (observe/event.c
 * explains why that is exact for one thread and close for several).
 * Calls: core/heaplist (heap list), core/segment and core/huge (counts),
 * observe/event (totals), os (RSS, pid, program name, the statistics
 * file).  Takes no lock.
 * Every table starts with one line naming the process ("brisk: heap
 * statistics: pid 1234 (sort)"), wherever it is printed (exit,
 * brisk_stats_print, malloc_stats).  At exit BRISK_STATS_FILE sends it to
 * a file instead of stderr, which programs such as ls and sort close
 * before they exit.
 */
#include <errno.h>
#include <stdbool.h>

#include "core/heaplist.h"
#include "core/huge.h"
#include "core/mesh.h"
#include "core/options.h"
#include "core/segment.h"
#include "core/sizeclass.h"
#include "observe/event.h"
#include "observe/output.h"
#include "observe/stats.h"
#include "os/os.h"

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

typedef struct totals_s {
  uint64_t malloc_calls, free_calls, bytes_requested, alloc_bytes, freed_bytes, remote_frees;
  uint64_t peak_seen, clean_bytes, large_spans;
  uint64_t class_pages[BRISK_BIN_COUNT];
} totals_t;

static void sum_heaps(totals_t *t) {
  *t = (totals_t){0};
  for (heap_t *h = brisk_heaplist_first(); h != NULL; h = h->all_next) {
    t->malloc_calls += LOAD(h->stats.malloc_calls) + event_fast_calls(h);
    t->free_calls += event_free_calls(h);
    t->bytes_requested += LOAD(h->stats.bytes_requested);
    t->alloc_bytes += event_alloc_bytes(h);
    t->freed_bytes += event_freed_bytes(h);
    t->remote_frees += event_remote_frees(h);
    t->clean_bytes += LOAD(h->clean_bytes);
    t->large_spans += LOAD(h->stats.large_spans);
    for (unsigned b = 1; b < BRISK_BIN_COUNT; b++) t->class_pages[b] += LOAD(h->stats.class_pages[b]);
    uint64_t seen = LOAD(h->stats.peak_seen);
    if (seen > t->peak_seen) t->peak_seen = seen;
  }
}

BRISK_API int brisk_stats_get(brisk_stats_t *out) {
  if (out == NULL) return EINVAL;
  totals_t t;
  sum_heaps(&t);
  event_totals_t e;
  brisk_event_totals(&e);
  uint64_t freed = t.freed_bytes + e.orphan_bytes;
  uint64_t alloc = t.alloc_bytes + e.orphan_resized; /* mod 2^64: resizes may shrink */
  uint64_t live = (int64_t)(alloc - freed) > 0 ? alloc - freed : 0;
  uint64_t peak = e.peak_live > t.peak_seen ? e.peak_live : t.peak_seen;
  if (live > peak) peak = live;
  out->malloc_calls = t.malloc_calls;
  out->free_calls = t.free_calls + e.orphan_frees;
  out->bytes_requested = t.bytes_requested;
  out->allocated = live;
  out->peak_allocated = peak;
  out->mapped = e.mapped;
  out->peak_mapped = e.peak_mapped;
  /* Known not committed: free spans that read as zero, cached segments. */
  uint64_t uncommitted = t.clean_bytes + brisk_segment_cached_bytes();
  out->committed = e.mapped > uncommitted ? e.mapped - uncommitted : 0;
  out->mmap_calls = e.sys_calls[BRISK_SYS_MMAP];
  out->munmap_calls = e.sys_calls[BRISK_SYS_MUNMAP];
  out->madvise_calls = e.sys_calls[BRISK_SYS_MADVISE];
  out->mremap_calls = e.sys_calls[BRISK_SYS_MREMAP];
  out->segments = brisk_segment_count();
  out->large_live = brisk_huge_live_count();
  out->remote_frees = t.remote_frees + e.orphan_frees;
  out->threads = brisk_heaplist_count();
  out->large_spans = t.large_spans - e.orphan_large; /* (per-heap counts may wrap: mod 2^64) */
  out->resident = brisk_os_rss_bytes();
  /* Segment headers: slice 0's header and descriptors, rounded to pages;
   * heap descriptors; one header page per huge block. */
  out->metadata = out->segments * ((sizeof(segment_t) + BRISK_OS_PAGE - 1) & ~(BRISK_OS_PAGE - 1)) +
                  (uint64_t)out->threads * sizeof(heap_t) + out->large_live * BRISK_OS_PAGE;
  out->fragmentation_pct = live > 0 ? out->resident * 100 / live : 0;
  out->purged = e.purged;
  out->mmap_bytes = e.sys_bytes[BRISK_SYS_MMAP];
  out->munmap_bytes = e.sys_bytes[BRISK_SYS_MUNMAP];
  out->madvise_bytes = e.sys_bytes[BRISK_SYS_MADVISE];
  return 0;
}

BRISK_API int brisk_stats_class(unsigned index, size_t *block_size, uint64_t *pages, size_t *page_bytes) {
  if (block_size == NULL || pages == NULL || page_bytes == NULL) return EINVAL;
  unsigned bin = index + 1; /* bin 0 is unused */
  if (bin >= BRISK_BIN_COUNT) return ENOENT;
  uint64_t n = 0;
  for (heap_t *h = brisk_heaplist_first(); h != NULL; h = h->all_next) n += LOAD(h->stats.class_pages[bin]);
  *block_size = brisk_sizeclass_size[bin];
  *pages = n;
  *page_bytes = (size_t)brisk_sizeclass_slices(bin) << BRISK_SLICE_SHIFT;
  return 0;
}

/* The table's value column: after "brisk:   " and the longest label
 * (BRISK_STATS_FIELDS in include/brisk.h) and two spaces. */
#define STATS_VALUE_COL 37

/* A row's label, padded to the value column (at least one space: a label
 * that reaches it must not run into its value). */
static void row_label(outbuf_t *o, const char *name) {
  brisk_output_str(o, "brisk:   ");
  brisk_output_str(o, name);
  brisk_output_str(o, " ");
  brisk_output_pad(o, STATS_VALUE_COL);
}

static void row_size(outbuf_t *o, const char *name, uint64_t v) {
  row_label(o, name);
  brisk_output_size(o, v);
  brisk_output_str(o, "\n");
}

static void row_count(outbuf_t *o, const char *name, uint64_t v) {
  row_label(o, name);
  brisk_output_u64(o, v);
  brisk_output_str(o, "\n");
}

/* "pages by size class": block size x pages, the classes in use only,
 * wrapped onto further lines. */
static void print_classes(outbuf_t *o) {
  bool any = false;
  for (unsigned i = 0;; i++) {
    size_t size, page_bytes;
    uint64_t pages;
    if (brisk_stats_class(i, &size, &pages, &page_bytes) != 0) break;
    if (pages == 0) continue;
    if (!any || o->col > 100) {
      brisk_output_str(o, any ? "\n" : "");
      row_label(o, any ? "" : "pages by size class");
    } else {
      brisk_output_str(o, ", ");
    }
    any = true;
    brisk_output_u64(o, size);
    brisk_output_str(o, " B x ");
    brisk_output_u64(o, pages);
  }
  if (any) brisk_output_str(o, "\n");
}

/* The table's first line, naming the process. */
static void print_header(outbuf_t *o) {
  char name[128];
  brisk_os_program_name(name, sizeof name);
  brisk_output_str(o, "brisk: heap statistics: pid ");
  brisk_output_u64(o, (uint64_t)brisk_os_pid());
  brisk_output_str(o, " (");
  brisk_output_str(o, name);
  brisk_output_str(o, ")\n");
}

BRISK_API void brisk_stats_print(int fd) {
  brisk_stats_t s;
  brisk_stats_get(&s);
  outbuf_t o = {.fd = fd};
  print_header(&o);
#define ROW_COUNT(field, label) row_count(&o, label, s.field);
#define ROW_BYTES(field, label) row_size(&o, label, s.field);
#define ROW_SYSCALL(field, label)
#define ROW(field, kind, label) ROW_##kind(field, label)
  BRISK_STATS_FIELDS(ROW)
#undef ROW
  row_label(&o, "syscalls");
  const char *sep = "";
#undef ROW_SYSCALL
#undef ROW_COUNT
#undef ROW_BYTES
#define ROW_COUNT(field, label)
#define ROW_BYTES(field, label)
#define ROW_SYSCALL(field, label)       \
  brisk_output_str(&o, sep);            \
  brisk_output_str(&o, label " ");      \
  brisk_output_u64(&o, s.field);        \
  sep = ", ";
#define ROW(field, kind, label) ROW_##kind(field, label)
  BRISK_STATS_FIELDS(ROW)
#undef ROW
#undef ROW_SYSCALL
#undef ROW_COUNT
#undef ROW_BYTES
  event_totals_t e; /* mprotect: guard pages, read-only globals (not in brisk_stats_t) */
  brisk_event_totals(&e);
  if (e.sys_calls[BRISK_SYS_MPROTECT] != 0) {
    brisk_output_str(&o, ", mprotect ");
    brisk_output_u64(&o, e.sys_calls[BRISK_SYS_MPROTECT]);
  }
  brisk_output_str(&o, "\n");
  if (brisk_mesh_enabled) {
    mesh_stats_t m;
    brisk_mesh_stats(&m);
    row_count(&o, "mesh passes", m.passes);
    row_size(&o, "meshed now", m.meshed_pages * BRISK_OS_PAGE);
    row_size(&o, "  of which purged", m.zero_pages * BRISK_OS_PAGE);
    row_size(&o, "  held by file pages", m.file_pages * BRISK_OS_PAGE);
    row_count(&o, "meshed pages taken back", m.reclaimed);
  }
  print_classes(&o);
  brisk_output_flush(&o);
}

/* Whether two NUL-terminated names are equal. */
static bool same_name(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

BRISK_API int brisk_stats_value(const char *name, uint64_t *out) {
  if (name == NULL || out == NULL) return EINVAL;
  brisk_stats_t s;
  brisk_stats_get(&s);
#define LOOKUP(field, kind, label)  \
  if (same_name(name, #field)) {    \
    *out = s.field;                 \
    return 0;                       \
  }
  BRISK_STATS_FIELDS(LOOKUP)
#undef LOOKUP
  /* meshing's counters (core/mesh.h): by name only, the struct stays as it is */
  mesh_stats_t m;
  brisk_mesh_stats(&m);
  const struct { const char *name; uint64_t v; } extra[] = {
      {"mesh_enabled", brisk_mesh_enabled}, {"mesh_passes", m.passes},
      {"mesh_pages", m.meshed_pages},       {"mesh_zero_pages", m.zero_pages},
      {"mesh_file_pages", m.file_pages},    {"mesh_reclaimed", m.reclaimed},
  };
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
    if (same_name(name, extra[i].name)) {
      *out = extra[i].v;
      return 0;
    }
  return ENOENT;
}

BRISK_API void brisk_stats_print_json(int fd) {
  brisk_stats_t s;
  brisk_stats_get(&s);
  outbuf_t o = {.fd = fd};
  char name[128];
  brisk_os_program_name(name, sizeof name);
  brisk_output_str(&o, "{\"pid\":");
  brisk_output_u64(&o, (uint64_t)brisk_os_pid());
  brisk_output_str(&o, ",\"program\":\"");
  for (const char *c = name; *c; c++) /* a file name: escape what JSON needs */
    if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
      char esc[3] = {'\\', *c == '"' || *c == '\\' ? *c : '?', 0};
      brisk_output_str(&o, esc);
    } else {
      char one[2] = {*c, 0};
      brisk_output_str(&o, one);
    }
  brisk_output_str(&o, "\"");
#define JSON(field, kind, label)              \
  brisk_output_str(&o, ",\"" #field "\":");   \
  brisk_output_u64(&o, s.field);
  BRISK_STATS_FIELDS(JSON)
#undef JSON
  brisk_output_str(&o, "}\n");
  brisk_output_flush(&o);
}

/* Expand BRISK_STATS_FILE's pattern into out[cap]: %p the pid, %e the
 * program name, %% a '%' (any other % stays as written).  False when the
 * result does not fit. */
static bool expand_path(const char *pat, char *out, size_t cap) {
  size_t n = 0;
  for (const char *s = pat; *s; s++) {
    char num[24], name[128];
    const char *add = NULL;
    char one[2] = {*s, 0};
    if (s[0] == '%' && s[1] == 'p') {
      uint64_t v = (uint64_t)brisk_os_pid();
      int k = (int)sizeof num - 1;
      num[k] = 0;
      do {
        num[--k] = (char)('0' + v % 10);
        v /= 10;
      } while (v != 0);
      add = num + k;
      s++;
    } else if (s[0] == '%' && s[1] == 'e') {
      brisk_os_program_name(name, sizeof name);
      add = name;
      s++;
    } else {
      if (s[0] == '%' && s[1] == '%') s++;
      add = one;
    }
    for (; *add; add++) {
      if (n + 1 >= cap) return false;
      out[n++] = *add;
    }
  }
  out[n] = 0;
  return n > 0;
}

void brisk_stats_at_exit(void) {
  const char *pat = brisk_options.stats_file;
  if (!brisk_options.stats && pat[0] == 0) return;
  if (pat[0] != 0) { /* BRISK_STATS_FILE: implies BRISK_STATS=1 */
    char path[sizeof brisk_options.stats_file + 256];
    bool fits = expand_path(pat, path, sizeof path);
    int fd = fits ? brisk_os_open_write(path) : -1;
    if (fd >= 0) {
      brisk_stats_print(fd);
      brisk_os_close(fd);
      return;
    }
    brisk_output_warn("cannot open BRISK_STATS_FILE, statistics on stderr: ",
                      fits ? path : pat);
  }
  brisk_stats_print(2);
}
