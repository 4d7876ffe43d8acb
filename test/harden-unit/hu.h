/* SPDX-License-Identifier: MIT */
/* test/harden-unit/hu.h — helpers for the tests of the hardened build's
 * mitigations (run only on build/hardened/libbrisk.so, test/run.sh).
 *
 * in_child(fn, arg, err, len): runs fn(arg) in a forked child whose stderr
 * is captured into err; returns the child's wait status (the child exits
 * 0 when fn returns).  perms_at(addr, out): the permission field ("rw-p",
 * "---p", ...) of the /proc/self/maps line holding addr, or NULL when no
 * mapping holds it.  faulted(st): the child died of SIGSEGV.
 * Header-only; include once per program, after check.h.
 */
#ifndef BRISK_TEST_HU_H
#define BRISK_TEST_HU_H

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "check.h"

__attribute__((unused)) static int in_child(void (*fn)(void *), void *arg, char *err, size_t len) {
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  CHECK(pid >= 0, "fork");
  if (pid == 0) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    close(fds[0]);
    dup2(fds[1], 2);
    fn(arg);
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  ssize_t n;
  while (got + 1 < len && (n = read(fds[0], err + got, len - 1 - got)) > 0) got += (size_t)n;
  err[got] = 0;
  close(fds[0]);
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
  return st;
}

__attribute__((unused)) static int faulted(int st) { return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV; }
__attribute__((unused)) static int aborted(int st) { return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT; }

__attribute__((unused)) static const char *perms_at(uintptr_t addr, char out[8]) {
  FILE *f = fopen("/proc/self/maps", "r");
  CHECK(f != NULL, "/proc/self/maps");
  char line[512];
  const char *found = NULL;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) continue;
    if (addr >= lo && addr < hi) {
      memcpy(out, perms, 8);
      found = out;
      break;
    }
  }
  fclose(f);
  return found;
}

/* Whether the page holding addr is a PROT_NONE mapping. */
__attribute__((unused)) static int is_guard(const void *addr) {
  char perms[8];
  const char *p = perms_at((uintptr_t)addr, perms);
  return p != NULL && strncmp(p, "---", 3) == 0;
}

/* Write [from, to) byte by byte (volatile: never folded away). */
typedef struct span_arg_s {
  unsigned char *from, *to;
} span_arg_t;
__attribute__((unused)) static void write_span(void *arg) {
  span_arg_t *a = arg;
  for (volatile unsigned char *q = a->from; q < a->to; q++) *q = 0x41;
}
__attribute__((unused)) static void read_span(void *arg) {
  span_arg_t *a = arg;
  unsigned sum = 0;
  for (volatile unsigned char *q = a->from; q < a->to; q++) sum += *q;
  printf("read %u\n", sum);
}

/* st: the child faulted when it touched [from, to). */
__attribute__((unused)) static int touch_faults(void (*fn)(void *), void *from, void *to) {
  span_arg_t a = {from, to};
  char err[512];
  return faulted(in_child(fn, &a, err, sizeof err));
}

#endif
