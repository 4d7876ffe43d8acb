/* SPDX-License-Identifier: MIT */
/* check.h — shared helpers for brisk's api and stress tests.
 *
 * CHECK(cond, fmt, ...) prints "file:line: FAILED: cond: message" on stderr
 * and exits 1.  Also: on_brisk() (is malloc served by libbrisk?),
 * rss_bytes() (resident set from /proc/self/statm), now_s(), and a
 * constructor that enforces TEST_EXPECT_BRISK: when the runner says the test
 * must run on brisk (=1) or on glibc (=0), a test that finds the other
 * allocator fails at once instead of passing vacuously.
 *
 * Header-only: every function is static; include it once per program.
 */
#ifndef BRISK_TEST_CHECK_H
#define BRISK_TEST_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    if (!(cond)) check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);         \
  } while (0)

__attribute__((noreturn, format(printf, 4, 5), unused)) static void
check_fail(const char *file, int line, const char *cond, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fflush(stdout);
  fprintf(stderr, "%s:%d: FAILED: %s: %s\n", file, line, cond, msg);
  fflush(stderr);
  _exit(1);
}

/* Informational line (kept in the test's log, shown on failure). */
#define NOTE(...)                                                            \
  do {                                                                       \
    printf("note: " __VA_ARGS__);                                            \
    printf("\n");                                                            \
    fflush(stdout);                                                          \
  } while (0)

/* Does the symbol `malloc` that this program calls live in a libbrisk
 * object?  (True under LD_PRELOAD=libbrisk.so and when linked -lbrisk;
 * false on glibc and for the prefix-only build.) */
__attribute__((unused)) static int on_brisk(void) {
#ifdef USE_BRISK_PREFIX
  return 1; /* the prefixed build calls brisk_* directly */
#else
  Dl_info info;
  void *(*volatile fn)(size_t) = malloc;
  if (!dladdr((void *)fn, &info) || !info.dli_fname) return 0;
  return strstr(info.dli_fname, "libbrisk") != NULL;
#endif
}

/* Resident set size in bytes (second field of /proc/self/statm). */
__attribute__((unused)) static size_t rss_bytes(void) {
  char buf[128];
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, res = 0;
  if (!f) return 0;
  if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
  fclose(f);
  if (sscanf(buf, "%lu %lu", &size, &res) != 2) return 0;
  return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

__attribute__((unused)) static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define MiB ((size_t)1 << 20)

/* Make an allocation size opaque to the compiler so that it can neither
 * warn about nor fold calls such as malloc(SIZE_MAX). */
__attribute__((unused)) static size_t opaque(size_t n) {
  volatile size_t v = n;
  return v;
}

#ifndef USE_BRISK_PREFIX
/* TEST_EXPECT_BRISK: "0" = must run on glibc, "1" = on any libbrisk, or a
 * path = malloc must come from exactly that file (the runner passes the
 * variant's libbrisk.so, so a debug run cannot silently use release). */
__attribute__((constructor, unused)) static void check_expectation(void) {
  const char *want = getenv("TEST_EXPECT_BRISK");
  if (!want || !*want) return;
  int have = on_brisk();
  if (!strcmp(want, "0")) {
    if (have) {
      fprintf(stderr, "FAILED: TEST_EXPECT_BRISK=0 but malloc is brisk's\n");
      _exit(1);
    }
    return;
  }
  if (!have) {
    fprintf(stderr, "FAILED: TEST_EXPECT_BRISK=%s but malloc is not "
            "brisk's\n", want);
    _exit(1);
  }
  if (!strcmp(want, "1")) return;
  Dl_info info;
  void *(*volatile fn)(size_t) = malloc;
  char a[4096], b[4096];
  if (!dladdr((void *)fn, &info) || !realpath(info.dli_fname, a) ||
      !realpath(want, b) || strcmp(a, b)) {
    fprintf(stderr, "FAILED: malloc comes from %s, expected %s\n",
            info.dli_fname ? info.dli_fname : "?", want);
    _exit(1);
  }
}
#endif

#endif /* BRISK_TEST_CHECK_H */
