/* SPDX-License-Identifier: MIT */
/* common.h — helpers for the fault programs in test/real/faults/.
 *
 * Each program exercises one fault condition, prints a short summary on
 * stdout and exits 0 when every check holds; it runs under glibc's malloc
 * and under LD_PRELOAD=libbrisk.so (test/real/run.sh), so the checks must
 * hold for any correct malloc.  A watchdog (alarm) turns a hang into exit
 * status 124 with a message, so a deadlock fails instead of stalling.
 */
#ifndef REAL_FAULTS_COMMON_H
#define REAL_FAULTS_COMMON_H

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c)                                                             \
  do {                                                                       \
    if (!(c)) {                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
      _exit(1);                                                              \
    }                                                                        \
  } while (0)

static void watchdog_fired(int sig) {
  (void)sig;
  static const char msg[] = "TIMEOUT: watchdog fired (deadlock or hang)\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
  _exit(124);
}

/* Arm a watchdog: SIGALRM after secs seconds ends the process (124). */
static inline void watchdog(unsigned secs) {
  signal(SIGALRM, watchdog_fired);
  alarm(secs);
}

/* True when malloc is brisk's (the preloaded library exports brisk_*). */
static inline int under_brisk(void) { return dlsym(RTLD_DEFAULT, "brisk_malloc") != NULL; }

/* Fill/verify a block with a pattern derived from its seed. */
static inline void fill(void *p, size_t n, uint32_t seed) {
  unsigned char *c = (unsigned char *)p;
  for (size_t i = 0; i < n; i++) c[i] = (unsigned char)(seed * 31u + i * 7u);
}
static inline int verify(const void *p, size_t n, uint32_t seed) {
  const unsigned char *c = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++)
    if (c[i] != (unsigned char)(seed * 31u + i * 7u)) return 0;
  return 1;
}

/* Cheap per-thread PRNG. */
static inline uint32_t rnd(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*s >> 33);
}

#endif
