/* SPDX-License-Identifier: MIT */
/* stats_api.c — the counters declared once (include/brisk.h,
 * BRISK_STATS_FIELDS) are reachable three ways that agree: the struct
 * (brisk_stats_get), by name (brisk_stats_value: 0, ENOENT for an unknown
 * name, EINVAL for NULL) and as JSON (brisk_stats_print_json: one object
 * on one line with the pid, the program and every field).  After 1000
 * live 100-byte blocks the allocation count and live bytes say so.
 * Skipped on glibc (looked up with dlsym: brisk's own API). */
#include "check.h"
#include "../../include/brisk.h"
#include <errno.h>
#include <stdint.h>

typedef int (*get_fn)(brisk_stats_t *);
typedef int (*value_fn)(const char *, uint64_t *);
typedef void (*json_fn)(int);

int main(void) {
  get_fn get = (get_fn)dlsym(RTLD_DEFAULT, "brisk_stats_get");
  value_fn value = (value_fn)dlsym(RTLD_DEFAULT, "brisk_stats_value");
  json_fn json = (json_fn)dlsym(RTLD_DEFAULT, "brisk_stats_print_json");
  if (!on_brisk()) {
    NOTE("not on brisk: skipped");
    puts("ok");
    return 0;
  }
  CHECK(get && value && json, "brisk_stats_get/value/print_json not exported");
  static void *v[1000];
  for (int i = 0; i < 1000; i++) {
    v[i] = malloc(opaque(100));
    CHECK(v[i] != NULL, "malloc");
  }
  brisk_stats_t s;
  CHECK(get(&s) == 0, "brisk_stats_get");
  uint64_t calls = 0, live = 0, x = 0;
  CHECK(value("malloc_calls", &calls) == 0, "brisk_stats_value(malloc_calls)");
  CHECK(value("allocated", &live) == 0, "brisk_stats_value(allocated)");
  CHECK(calls >= 1000 && calls >= s.malloc_calls, "malloc_calls %llu (struct %llu)",
        (unsigned long long)calls, (unsigned long long)s.malloc_calls);
  CHECK(live >= 1000 * 100, "allocated %llu with 1000 live 100-byte blocks", (unsigned long long)live);
  CHECK(value("no_such_counter", &x) == ENOENT, "unknown name not ENOENT");
  CHECK(value(NULL, &x) == EINVAL && value("threads", NULL) == EINVAL, "NULL not EINVAL");
#define NAMED(field, kind, label) CHECK(value(#field, &x) == 0, "brisk_stats_value(%s) failed", #field);
  BRISK_STATS_FIELDS(NAMED)
#undef NAMED
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  json(fds[1]);
  close(fds[1]);
  char buf[4096] = {0};
  ssize_t got = 0, k;
  while ((k = read(fds[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) got += k;
  close(fds[0]);
  NOTE("json: %s", buf);
  CHECK(got > 2 && buf[0] == '{' && buf[got - 2] == '}' && buf[got - 1] == '\n', "not one JSON object line");
  CHECK(memchr(buf, '\n', (size_t)got - 1) == NULL, "JSON spans several lines");
  char want[64];
  snprintf(want, sizeof want, "{\"pid\":%d,\"program\":\"stats_api\"", (int)getpid());
  CHECK(strncmp(buf, want, strlen(want)) == 0, "JSON does not start with %s", want);
#define IN_JSON(field, kind, label) CHECK(strstr(buf, "\"" #field "\":") != NULL, "JSON lacks %s", #field);
  BRISK_STATS_FIELDS(IN_JSON)
#undef IN_JSON
  const char *m = strstr(buf, "\"malloc_calls\":");
  unsigned long long jcalls = strtoull(m + 15, NULL, 10);
  CHECK(jcalls >= calls, "JSON malloc_calls %llu < %llu read before", jcalls, (unsigned long long)calls);
  for (int i = 0; i < 1000; i++) free(v[i]);
  puts("ok");
  return 0;
}
