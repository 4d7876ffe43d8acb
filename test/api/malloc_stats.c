/* SPDX-License-Identifier: MIT */
/* malloc_stats.c — malloc_stats() writes a non-empty report to stderr (fd 2,
 * captured here in a temporary file) and the program continues normally.
 * Its glibc-format "max mmap regions" / "max mmap bytes" lines are peaks,
 * as glibc's are: three 8 MiB blocks (own mappings on glibc and brisk)
 * allocated together and freed before the call still count. */
#include "check.h"
#include <malloc.h>

int main(void) {
  void *p[100];
  for (int i = 0; i < 100; i++) {
    p[i] = malloc(1000);
    CHECK(p[i] != NULL, "malloc");
  }
  void *big[3];
  for (int i = 0; i < 3; i++) {
    big[i] = malloc(8 << 20);
    CHECK(big[i] != NULL, "malloc(8 MiB)");
    memset(big[i], 1, 4096);
  }
  for (int i = 0; i < 3; i++) free(big[i]);
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
  const char *mr = strstr(buf, "max mmap regions = ");
  const char *mb = strstr(buf, "max mmap bytes   = ");
  CHECK(mr != NULL && mb != NULL, "no glibc-format max mmap lines");
  long regions = atol(mr + 19), bytes = atol(mb + 19);
  NOTE("max mmap regions %ld, max mmap bytes %ld", regions, bytes);
  CHECK(regions >= 3, "max mmap regions = %ld after three 8 MiB blocks were live at once", regions);
  CHECK(bytes >= 3L * (8 << 20), "max mmap bytes = %ld after 24 MiB of them were live", bytes);
  for (int i = 0; i < 100; i++) free(p[i]);
  puts("ok");
  return 0;
}
