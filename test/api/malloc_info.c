/* SPDX-License-Identifier: MIT */
/* malloc_info.c — malloc_info(0, f) returns 0 and writes an XML document
 * containing <malloc (the format programs parse); options other than 0
 * fail: glibc returns EINVAL as the return value, the man page documents
 * -1 with errno EINVAL; either is accepted. */
#include "check.h"
#include <malloc.h>

int main(void) {
  void *p = malloc(5000);
  CHECK(p != NULL, "malloc");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  CHECK(f != NULL, "open_memstream");
  int rc = malloc_info(0, f);
  fclose(f);
  CHECK(rc == 0, "malloc_info(0) returned %d", rc);
  CHECK(len > 0 && buf != NULL, "malloc_info wrote nothing");
  NOTE("malloc_info: %.120s", buf);
  CHECK(strstr(buf, "<malloc") != NULL, "no <malloc element in output");
  free(buf);
  f = fopen("/dev/null", "w");
  CHECK(f != NULL, "fopen /dev/null");
  errno = 0;
  rc = malloc_info(1, f);
  int e = errno;
  fclose(f);
  CHECK(rc == EINVAL || (rc == -1 && e == EINVAL), "malloc_info(1, f) = %d "
        "errno %d, want EINVAL (glibc) or -1 with errno EINVAL (man page)",
        rc, e);
  free(p);
  puts("ok");
  return 0;
}
