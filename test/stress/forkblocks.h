/* SPDX-License-Identifier: MIT */
/* forkblocks.h — the allocation work of the fork tests (stress_forksig.c,
 * stress_forkstdio.c): a table of NBLK pattern-checked blocks of random
 * sizes (16 B .. 1 MiB, one in 64 a 2-8 MiB huge block), replaced at
 * random, with every step reported to the watchdog (forkwatch.h), and
 * the reaping of a fork child.
 * Include after check.h, alloc.h, pattern.h and forkwatch.h. */
#ifndef BRISK_TEST_FORKBLOCKS_H
#define BRISK_TEST_FORKBLOCKS_H

static size_t rand_size(uint64_t *rs) {
  uint64_t r = rng_next(rs);
  if (r % 64 == 0) return 2 * MiB + 1 + (size_t)((r >> 8) % (6 * MiB));
  unsigned sh = 4 + (unsigned)((r >> 8) % 17); /* 16 B .. 1 MiB */
  size_t lo = (size_t)1 << sh, n = lo + (size_t)((r >> 16) % lo);
  return n > MiB ? MiB : n;
}

#define NBLK 24
struct blocks {
  unsigned char *p[NBLK];
  size_t n[NBLK];
};

/* steps random replacements in b; tick: report progress to the watchdog
 * after each step rather than leaving that to the caller. */
static void alloc_steps(uint64_t *rs, struct blocks *b, int steps, int tick) {
  for (int k = 0; k < steps; k++) {
    int i = (int)(rng_next(rs) % NBLK);
    if (b->p[i]) {
      size_t bad = pat_check(b->p[i], b->n[i], b->n[i], pat_tag(b->p[i], b->n[i]));
      CHECK(bad == SIZE_MAX, "block of %zu bytes corrupted at %zu", b->n[i], bad);
      fw_phase(FW_FREE);
      T_free(b->p[i]);
      b->p[i] = NULL;
    } else {
      size_t n = rand_size(rs);
      fw_phase(FW_MALLOC);
      unsigned char *p = T_malloc(n);
      fw_phase(FW_IDLE);
      CHECK(p != NULL, "malloc(%zu)", n);
      pat_fill(p, n, pat_tag(p, n));
      b->p[i] = p;
      b->n[i] = n;
    }
    fw_phase(FW_IDLE);
    if (tick) fw_tick();
  }
}

static void free_all(struct blocks *b) {
  fw_phase(FW_FREE);
  for (int i = 0; i < NBLK; i++) T_free(b->p[i]);
  memset(b, 0, sizeof *b);
  fw_phase(FW_IDLE);
}

/* Wait for the child of a fork (pid from fork(): checked) and require
 * that it exited 0. */
static void fork_reap(pid_t pid) {
  CHECK(pid > 0, "fork: %s", strerror(errno));
  fw_phase(FW_WAITPID);
  int st = 0;
  pid_t w;
  while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {}
  fw_phase(FW_IDLE);
  CHECK(w == pid, "waitpid: %s", strerror(errno));
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork child %s %d",
        WIFEXITED(st) ? "exited" : "died by signal",
        WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

#endif
