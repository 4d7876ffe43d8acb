/* SPDX-License-Identifier: MIT */
/* malloc_stats.c — malloc_stats() writes a non-empty report to stderr (fd 2,
 * captured here in a temporary file) and the program continues normally. */
#include "check.h"
#include <malloc.h>

int main(void) {
  void *p[100];
  for (int i = 0; i < 100; i++) {
    p[i] = malloc(1000);
    CHECK(p[i] != NULL, "malloc");
  }
  char path[] = "/tmp/brisk-test-statsXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  unlink(path);
  fflush(stderr);
  int saved = dup(2);
  CHECK(saved >= 0, "dup");
  CHECK(dup2(fd, 2) == 2, "dup2");
  malloc_stats();
  fflush(stderr);
  CHECK(dup2(saved, 2) == 2, "dup2 back");
  off_t len = lseek(fd, 0, SEEK_END);
  char buf[4096] = {0};
  ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
  NOTE("malloc_stats wrote %lld bytes; starts: %.200s", (long long)len,
       got > 0 ? buf : "");
  CHECK(len > 0, "malloc_stats wrote nothing to stderr");
  int printable = 1;
  for (ssize_t i = 0; i < got; i++)
    if (buf[i] == 0) printable = 0;
  CHECK(printable, "malloc_stats output contains NUL bytes");
  for (int i = 0; i < 100; i++) free(p[i]);
  puts("ok");
  return 0;
}
