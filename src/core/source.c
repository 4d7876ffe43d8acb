/* SPDX-License-Identifier: MIT */
/* core/source.c — the default memory source: the kernel, via os/os.h.
 * Stateless; safe from any thread. */
#include "core/source.h"
#include "os/os.h"

static void *os_map(void *ctx, size_t size, size_t align) {
  (void)ctx;
  return brisk_os_map_aligned(size, align);
}
static void os_unmap(void *ctx, void *p, size_t size) {
  (void)ctx;
  brisk_os_unmap(p, size);
}
static size_t os_purge(void *ctx, void *p, size_t size) {
  (void)ctx;
  return brisk_os_purge(p, size);
}
static int os_protect(void *ctx, void *p, size_t size, bool accessible) {
  (void)ctx;
  return brisk_os_protect(p, size, accessible);
}

const brisk_source_t brisk_source_os = {
    .map = os_map,
    .unmap = os_unmap,
    .purge = os_purge,
    .protect = os_protect,
    .ctx = NULL,
    .shares_cache = true,
};
