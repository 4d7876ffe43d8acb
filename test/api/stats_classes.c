/* SPDX-License-Identifier: MIT */
/* stats_classes.c — the counters added for observability, each compared
 * with what the program did:
 *  - large_spans: three live 500 KiB blocks are three more, freed: back;
 *  - brisk_stats_class: 1000 live 3000-byte blocks hold at least
 *    ceil(1000 / blocks per page) pages of the class serving 3000 bytes,
 *    and after free + malloc_trim at most one stays; ENOENT past the end;
 *  - malloc_info's <sizes> has an entry for that class while they live;
 *  - resident > 0, metadata > 0 (at least one segment header),
 *    fragmentation_pct = resident * 100 / allocated (same snapshot),
 *    mmap_bytes >= mapped, purged grows when malloc_trim purges freed
 *    pages.
 * Skipped on glibc (brisk's own API, looked up with dlsym). */
#include "check.h"
#include "../../include/brisk.h"
#include <errno.h>
#include <malloc.h>
#include <stdint.h>

static int (*sget)(brisk_stats_t *);
static int (*sclass)(unsigned, size_t *, uint64_t *, size_t *);

static brisk_stats_t now(void) {
  brisk_stats_t s;
  CHECK(sget(&s) == 0, "brisk_stats_get");
  return s;
}

/* The class serving n bytes: its index, pages now, blocks per page. */
static unsigned class_for(size_t n, uint64_t *pages, size_t *per_page) {
  for (unsigned i = 0;; i++) {
    size_t size, page_bytes;
    uint64_t p;
    int rc = sclass(i, &size, &p, &page_bytes);
    CHECK(rc == 0, "no class serves %zu bytes (rc %d)", n, rc);
    if (size >= n) {
      *pages = p;
      *per_page = page_bytes / size;
      return i;
    }
  }
}

int main(void) {
  if (!on_brisk()) {
    NOTE("not on brisk: skipped");
    puts("ok");
    return 0;
  }
  *(void **)&sget = dlsym(RTLD_DEFAULT, "brisk_stats_get");
  *(void **)&sclass = dlsym(RTLD_DEFAULT, "brisk_stats_class");
  CHECK(sget && sclass, "brisk_stats_get / brisk_stats_class not exported");
  size_t a, c;
  uint64_t b;
  CHECK(sclass(1000, &a, &b, &c) == ENOENT, "class 1000: ENOENT");
  CHECK(sclass(0, NULL, &b, &c) == EINVAL, "NULL argument: EINVAL");

  /* large spans */
  uint64_t l0 = now().large_spans;
  void *big[3];
  for (int i = 0; i < 3; i++) {
    big[i] = malloc(opaque(500 * 1024));
    CHECK(big[i] != NULL, "malloc(500 KiB)");
  }
  CHECK(now().large_spans == l0 + 3, "large_spans %llu, want %llu", (unsigned long long)now().large_spans,
        (unsigned long long)l0 + 3);
  for (int i = 0; i < 3; i++) free(big[i]);
  CHECK(now().large_spans == l0, "large_spans %llu after the frees, want %llu",
        (unsigned long long)now().large_spans, (unsigned long long)l0);

  /* pages of one class */
  uint64_t p0;
  size_t per_page;
  unsigned cls = class_for(3000, &p0, &per_page);
  static void *v[1000];
  for (int i = 0; i < 1000; i++) {
    v[i] = malloc(opaque(3000));
    CHECK(v[i] != NULL, "malloc(3000)");
  }
  uint64_t p1;
  size_t dummy;
  CHECK(class_for(3000, &p1, &dummy) == cls, "class lookup");
  uint64_t need = (1000 + per_page - 1) / per_page;
  CHECK(p1 >= need && p1 <= p0 + 2 * need, "pages of the 3000-byte class %llu (before %llu, need %llu)",
        (unsigned long long)p1, (unsigned long long)p0, (unsigned long long)need);
  char *xml = NULL;
  size_t xlen = 0;
  FILE *f = open_memstream(&xml, &xlen);
  CHECK(f != NULL && malloc_info(0, f) == 0, "malloc_info");
  fclose(f);
  CHECK(strstr(xml, "<sizes>") && strstr(xml, "</sizes>"), "malloc_info has no <sizes>: %s", xml);
  size_t size, page_bytes;
  uint64_t pages;
  sclass(cls, &size, &pages, &page_bytes);
  char want[64];
  snprintf(want, sizeof want, "to=\"%zu\"", size);
  CHECK(strstr(xml, want) != NULL, "<sizes> has no entry %s: %s", want, xml);
  free(xml);

  brisk_stats_t s = now();
  CHECK(s.resident > 0 && s.metadata > 0, "resident %llu metadata %llu", (unsigned long long)s.resident,
        (unsigned long long)s.metadata);
  CHECK(s.allocated > 0 && s.fragmentation_pct == s.resident * 100 / s.allocated,
        "fragmentation_pct %llu, resident %llu, allocated %llu", (unsigned long long)s.fragmentation_pct,
        (unsigned long long)s.resident, (unsigned long long)s.allocated);
  CHECK(s.mmap_bytes >= s.mapped, "mmap_bytes %llu < mapped %llu", (unsigned long long)s.mmap_bytes,
        (unsigned long long)s.mapped);

  for (int i = 0; i < 1000; i++) free(v[i]);
  uint64_t purged0 = now().purged;
  malloc_trim(0);
  uint64_t p2;
  class_for(3000, &p2, &dummy);
  CHECK(p2 <= p0 + 1, "pages of the class %llu after free + trim (before %llu)", (unsigned long long)p2,
        (unsigned long long)p0);
  CHECK(now().purged > purged0, "purged %llu did not grow with malloc_trim", (unsigned long long)now().purged);
  puts("ok");
  return 0;
}
