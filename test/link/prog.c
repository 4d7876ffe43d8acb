/* SPDX-License-Identifier: MIT */
/* test/link/prog.c — a C program that allocates only inside the C library
 * (strdup, asprintf, open_memstream, getline) and never names malloc, free
 * or any brisk function strongly, so `cc app.c -lbrisk` under the linker's
 * --as-needed drops libbrisk from it: it shows whether a link line really
 * puts a program on brisk.  brisk's statistics (a weak reference: NULL when
 * brisk is absent) must count every one of N strdup calls.
 *
 * Prints "on brisk: N allocations counted", "malloc from: PATH" (not with
 * -DLINK_STATIC: a static binary has no dynamic symbols) and
 * "version: X.Y.Z" (brisk_version(), when linked).  Exit 0 on brisk, 3 when not on brisk, 1 on any other
 * failure.  Used by test/link/run.sh (aslink, static, cmake, install, deb). */
#define _GNU_SOURCE
#include <brisk.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#pragma weak brisk_stats_get

#define N 1000

int main(void) {
  if (brisk_stats_get == NULL) {
    puts("not on brisk: brisk_stats_get is not linked");
    return 3;
  }
  brisk_stats_t a, b;
  if (brisk_stats_get(&a) != 0) return 1;
  static char *keep[N];
  for (int i = 0; i < N; i++) {
    keep[i] = strdup("a string of forty bytes or so, copied...");
    if (keep[i] == NULL) return 1;
  }
  if (brisk_stats_get(&b) != 0) return 1;
  unsigned long long counted = b.malloc_calls - a.malloc_calls;
  if (counted < N) {
    printf("not on brisk: %d strdup calls, %llu counted by brisk\n", N, counted);
    return 3;
  }
  char *s = NULL, *line = NULL, *buf = NULL;
  size_t len = 0, cap = 0;
  if (asprintf(&s, "%d strings", N) < 0) return 1;
  FILE *m = open_memstream(&buf, &len);
  if (m == NULL) return 1;
  for (int i = 0; i < 100; i++) fprintf(m, "line %d of a memstream\n", i);
  fclose(m);
  FILE *f = fmemopen(buf, len, "r");
  if (f == NULL || getline(&line, &cap, f) < 0 || strcmp(line, "line 0 of a memstream\n")) return 1;
  fclose(f);
  printf("on brisk: %llu allocations counted for %d strdup calls (%s)\n", counted, N, s);
#ifdef LINK_STATIC
  printf("version: %s\n", brisk_version());
#else
  Dl_info info;
  void *m_ = dlsym(RTLD_DEFAULT, "malloc");
  if (m_ == NULL || !dladdr(m_, &info) || info.dli_fname == NULL) return 1;
  printf("malloc from: %s\n", info.dli_fname);
  const char *(*version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "brisk_version");
  if (version != NULL) printf("version: %s\n", version()); /* (not linked from libbrisk.a) */
  /* free through the dynamic symbol: naming free would make libbrisk needed */
  void (*free_)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "free");
  for (int i = 0; i < N; i++) free_(keep[i]);
  free_(s);
  free_(line);
  free_(buf);
#endif
  return 0;
}
