/* SPDX-License-Identifier: MIT */
/* options_string.c — BRISK_OPTIONS="name=value,...": options set inside the
 * one string take effect, a bad item costs one warning line and the rest
 * is still read, and a separate BRISK_<NAME> variable wins over the string.
 *
 * The test re-executes itself (/proc/self/exe) with an environment of its
 * own making: every BRISK_ variable the runner or the sidecar set is
 * dropped, and the child's stdout and stderr come back through pipes.
 *   rss child:   allocates ~96 MiB of small and medium blocks, frees them
 *                all, makes a few hundred more malloc/free calls and prints
 *                "rss START PEAK END" (KiB).
 *   plain child: prints "ok".
 * Cases (brisk-only assertions are skipped on glibc, where the children
 * still run and must print their line):
 *   1. BRISK_OPTIONS=no_such_option=1,Purge_Delay_MS=0,DIRTY_MAX_KIB=0:
 *      stderr is exactly the one "unknown option ignored" line, and RSS
 *      falls back within 12 MiB of its start right after the frees (with
 *      the defaults up to 32 MiB stay committed);
 *   2. the same string with BRISK_PURGE_DELAY_MS=3600000 and
 *      BRISK_DIRTY_MAX_KIB=1048576 set separately: they win, RSS stays
 *      over 40 MiB above its start (the defaults leave about 30 MiB);
 *   3. BRISK_OPTIONS=purge_delay_ms=abc,stats=1 on the plain child: the
 *      "invalid value" line, then the statistics table (stats=1 was still
 *      read) whose first line names the child's pid and program name.
 * No sidecar: the children's environments are built here, so the option
 * sets the runner applies (release+opts0, +optsbig) cannot interfere. */
#include "check.h"
#include <stdint.h>
#include <sys/wait.h>

extern char **environ;

enum { N = 120000 };

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int rss_child(void) {
  static void *v[N];
  size_t rss0 = rss_bytes();
  for (int i = 0; i < N; i++) {
    uint64_t r = next();
    size_t n = (r % 100 < 90) ? 16 + r % 500 : 1000 + r % 20000;
    v[i] = malloc(n);
    if (v[i] == NULL) return 3;
    memset(v[i], 0x5A, n);
  }
  size_t peak = rss_bytes();
  for (int i = 0; i < N; i++) free(v[i]);
  /* a program that goes on working: the purge checks run on its slow paths */
  for (int i = 0; i < 400; i++) free(malloc(opaque(16 + (size_t)(i % 40) * 1000)));
  size_t end = rss_bytes();
  printf("rss %zu %zu %zu\n", rss0 >> 10, peak >> 10, end >> 10);
  return 0;
}

typedef struct result_s {
  int status;
  pid_t pid;
  char out[4096], err[8192];
} result_t;

static void read_all(int fd, char *buf, size_t cap) {
  size_t n = 0;
  ssize_t r;
  while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) != 0) {
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    n += (size_t)r;
  }
  buf[n] = 0;
  char rest[256];
  while (read(fd, rest, sizeof rest) > 0) {
  }
}

/* Run this program as `self MODE` with environ minus every BRISK_ variable
 * plus the NULL-terminated list `extra`. */
static void run_child(const char *mode, const char *const *extra, result_t *res) {
  static char *envp[4096];
  size_t n = 0;
  for (char **e = environ; *e != NULL && n < 4000; e++)
    if (strncmp(*e, "BRISK_", 6) != 0) envp[n++] = *e;
  for (; *extra != NULL; extra++) envp[n++] = (char *)*extra;
  envp[n] = NULL;
  int po[2], pe[2];
  CHECK(pipe(po) == 0 && pipe(pe) == 0, "pipe: %s", strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    dup2(po[1], 1);
    dup2(pe[1], 2);
    close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
    char *argv[] = {"options_string", (char *)mode, NULL};
    execve("/proc/self/exe", argv, envp);
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  /* small outputs (a table at most): read stderr, then stdout */
  read_all(pe[0], res->err, sizeof res->err);
  read_all(po[0], res->out, sizeof res->out);
  close(po[0]);
  close(pe[0]);
  CHECK(waitpid(pid, &res->status, 0) == pid, "waitpid: %s", strerror(errno));
  res->pid = pid;
  NOTE("child %s: status %d, stdout: %s  stderr: %.300s", mode, res->status, res->out,
       res->err);
}

static void parse_rss(const result_t *r, size_t *start, size_t *peak, size_t *end) {
  CHECK(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, "rss child failed: status %d",
        r->status);
  CHECK(sscanf(r->out, "rss %zu %zu %zu", start, peak, end) == 3, "rss child printed: %s",
        r->out);
  CHECK(*peak > *start + 64 * 1024, "allocations did not raise RSS (%zu -> %zu KiB)", *start,
        *peak);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "rss")) return rss_child();
  if (argc > 1 && !strcmp(argv[1], "plain")) {
    free(malloc(opaque(100)));
    puts("ok");
    return 0;
  }
  int brisk = on_brisk();
  static result_t r;
  size_t start, peak, end;

  /* 1: options from the string, a bad name before them */
  const char *const env1[] = {
      "BRISK_OPTIONS=no_such_option=1,Purge_Delay_MS=0,DIRTY_MAX_KIB=0", NULL};
  run_child("rss", env1, &r);
  parse_rss(&r, &start, &peak, &end);
  NOTE("string 0/0: rss KiB start %zu, peak %zu, after free %zu", start, peak, end);
  if (brisk) {
    CHECK(!strcmp(r.err, "brisk: unknown option ignored: no_such_option=1 (in BRISK_OPTIONS)\n"),
          "stderr is not exactly the one warning line: [%s]", r.err);
    CHECK(end < start + 12 * 1024,
          "purge_delay_ms=0,dirty_max_kib=0 from BRISK_OPTIONS not in effect: %zu KiB "
          "resident after free (start %zu, peak %zu)", end, start, peak);
  }

  /* 2: separate variables win over the string */
  const char *const env2[] = {"BRISK_OPTIONS=purge_delay_ms=0,dirty_max_kib=0",
                              "BRISK_PURGE_DELAY_MS=3600000", "BRISK_DIRTY_MAX_KIB=1048576",
                              NULL};
  run_child("rss", env2, &r);
  parse_rss(&r, &start, &peak, &end);
  NOTE("separate vars big: rss KiB start %zu, peak %zu, after free %zu", start, peak, end);
  if (brisk) {
    CHECK(r.err[0] == 0, "unexpected stderr: [%s]", r.err);
    CHECK(end > start + 40 * 1024,
          "BRISK_PURGE_DELAY_MS/BRISK_DIRTY_MAX_KIB did not win over BRISK_OPTIONS: %zu KiB "
          "resident after free (start %zu, peak %zu)", end, start, peak);
  }

  /* 3: a bad value, then stats=1 still read: the table names the child */
  const char *const env3[] = {"BRISK_OPTIONS=purge_delay_ms=abc,stats=1", NULL};
  run_child("plain", env3, &r);
  CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "plain child failed: status %d",
        r.status);
  CHECK(!strcmp(r.out, "ok\n"), "plain child printed: %s", r.out);
  if (brisk) {
    const char *warn = "brisk: invalid value, default kept: purge_delay_ms=abc (in BRISK_OPTIONS)\n";
    CHECK(!strncmp(r.err, warn, strlen(warn)), "stderr does not start with the warning: [%s]",
          r.err);
    char head[128];
    snprintf(head, sizeof head, "%sbrisk: heap statistics: pid %d (options_string)\n", warn,
             (int)r.pid);
    CHECK(!strncmp(r.err, head, strlen(head)), "no statistics header naming pid %d: [%s]",
          (int)r.pid, r.err);
    CHECK(strstr(r.err, "\nbrisk:   allocations ") != NULL, "no allocations row: [%s]", r.err);
  }
  puts("ok");
  return 0;
}
