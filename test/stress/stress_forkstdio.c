/* SPDX-License-Identifier: MIT */
/* stress_forkstdio.c — fork while other threads mix malloc with stdio (the
 * idea of glibc's tst-malloc-fork-deadlock, our own code).
 *
 * stdio calls malloc and free while it holds FILE locks (the first write
 * to a stream allocates its buffer, open_memstream grows its buffer by
 * malloc/copy/free, getline reallocs the line, fclose frees), fflush(NULL)
 * holds the list lock of all streams while it takes each stream's lock, and
 * glibc's fork takes that list lock after running the atfork prepare
 * handlers.  An allocator whose prepare handler takes a lock that a malloc
 * slow path also takes (while its caller holds a FILE lock) deadlocks
 * against that order.
 *
 * One scenario: -t N stdio threads (default 4) loop over random steps:
 * malloc/free of random sizes (16 B .. 1 MiB log-uniform, 1 in 64 a huge
 * 2..8 MiB block), fprintf to the thread's own stream (on /dev/null) and to
 * one stream shared by all, fflush(NULL), fclose + fopen of the own stream,
 * a short-lived fopen/fputs/fclose, open_memstream written up to 3 MiB, and
 * getline over a data file whose lines go up to 2.5 MiB.  The main thread
 * forks -n times (the child _exit(0)s; every third child first mallocs and
 * frees a small, a large and a huge block, then fopens /dev/null, writes,
 * fflushes and fcloses it — a stream of its own, not fflush(NULL): a stream
 * that another thread had locked at the fork stays locked in the child),
 * writing its own stream in between.
 *
 * The scenario runs -r times, each in a fresh process watched from outside
 * (forkwatch.h): no progress of a thread for -w seconds = deadlock, exit 2.
 *
 * usage: stress_forkstdio [-t threads] [-r reps] [-n forks | -s seconds]
 *                         [-w watchdog_s] [-S seed] */
#include "check.h"
#include "alloc.h"
#include "pattern.h"
#include "forkwatch.h"
#include "forkblocks.h"
#include <getopt.h>

enum { C_FORKS, C_CHILD_WORK, C_STEPS, C_FFLUSH, C_MEMSTREAM_BYTES,
       C_GETLINE_BYTES, C_REOPEN };

static int nthreads = 4, nforks = 10;
static double seconds = 0, watchdog_s = 10;
static uint64_t base_seed = 1;
static int data_fd = -1;     /* the getline data file (unlinked) */
static FILE *shared_fp;      /* written by every stdio thread */
static atomic_int stop;
static int cur_rep;

static FILE *open_null(void) {
  fw_phase(FW_FOPEN);
  FILE *f = fopen("/dev/null", "w");
  CHECK(f != NULL, "fopen /dev/null: %s", strerror(errno));
  fw_phase(FW_IDLE);
  return f;
}

static void write_some(FILE *f, uint64_t *rs, int lines) {
  fw_phase(FW_FPRINTF);
  for (int i = 0; i < lines; i++)
    CHECK(fprintf(f, "line %d of thread %d: %016llx %.3f %s\n", i, fw_me,
                  (unsigned long long)rng_next(rs), (double)i / 7.0,
                  "some text to fill the stream buffer") > 0,
          "fprintf");
  fw_phase(FW_IDLE);
}

/* open_memstream written up to `want` bytes: the stream grows its buffer
 * (malloc, copy, free) while it holds its lock */
static void memstream_step(uint64_t *rs) {
  char *buf = NULL, chunk[4096];
  size_t len = 0;
  size_t want = (size_t)1024 << (rng_next(rs) % 12); /* 1 KiB .. 2 MiB */
  want += (size_t)(rng_next(rs) % want);             /* .. 4 MiB */
  if (want > 3 * MiB) want = 3 * MiB;
  memset(chunk, 'm', sizeof chunk);
  fw_phase(FW_MEMSTREAM);
  FILE *m = open_memstream(&buf, &len);
  CHECK(m != NULL, "open_memstream: %s", strerror(errno));
  for (size_t done = 0; done < want; done += sizeof chunk)
    CHECK(fwrite(chunk, 1, sizeof chunk, m) == sizeof chunk, "fwrite");
  CHECK(fclose(m) == 0, "fclose memstream");
  CHECK(len >= want && buf && buf[0] == 'm' && buf[len - 1] == 'm',
        "memstream has %zu bytes, wanted %zu", len, want);
  fw_phase(FW_FREE);
  free(buf);
  fw_phase(FW_IDLE);
  fw_count(C_MEMSTREAM_BYTES, (long)len);
}

/* read the data file line by line with getline from a NULL buffer */
static void getline_step(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", data_fd);
  fw_phase(FW_FOPEN);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL, "fopen %s: %s", path, strerror(errno));
  fw_phase(FW_GETLINE);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long total = 0;
  while ((n = getline(&line, &cap, f)) > 0) total += n;
  CHECK(total > 2 * (long)MiB, "getline read only %ld bytes", total);
  fw_phase(FW_FCLOSE);
  fclose(f);
  fw_phase(FW_FREE);
  free(line);
  fw_phase(FW_IDLE);
  fw_count(C_GETLINE_BYTES, total);
}

static void *stdio_thread(void *arg) {
  int id = (int)(uintptr_t)arg;
  char name[16];
  snprintf(name, sizeof name, "stdio%d", id);
  fw_register(name, 0);
  uint64_t rs = pat_mix(base_seed * 7919 + (uint64_t)cur_rep * 104729 +
                        (uint64_t)id * 31 + 1);
  struct blocks b;
  memset(&b, 0, sizeof b);
  FILE *own = open_null();
  long steps = 0;
  while (!atomic_load(&stop)) {
    unsigned r = (unsigned)(rng_next(&rs) % 32);
    if (r < 10) {
      alloc_steps(&rs, &b, 4, 0);
    } else if (r < 16) {
      write_some(own, &rs, 1 + (int)(rng_next(&rs) % 40));
    } else if (r < 19) {
      write_some(shared_fp, &rs, 1 + (int)(rng_next(&rs) % 10));
    } else if (r < 23) {
      fw_phase(FW_FFLUSH_ALL);
      CHECK(fflush(NULL) == 0, "fflush(NULL): %s", strerror(errno));
      fw_phase(FW_IDLE);
      fw_count(C_FFLUSH, 1);
    } else if (r < 26) {
      fw_phase(FW_FCLOSE);
      CHECK(fclose(own) == 0, "fclose");
      own = open_null();
      if (rng_next(&rs) % 2) {
        /* a buffer of a chosen size, allocated by stdio on first write */
        CHECK(setvbuf(own, NULL, _IOFBF, 512 << (rng_next(&rs) % 8)) == 0,
              "setvbuf");
      }
      fw_count(C_REOPEN, 1);
    } else if (r < 28) {
      FILE *f = open_null();
      fw_phase(FW_FPRINTF);
      CHECK(fputs("short-lived stream\n", f) >= 0, "fputs");
      fw_phase(FW_FCLOSE);
      CHECK(fclose(f) == 0, "fclose");
      fw_phase(FW_IDLE);
    } else if (r < 31) {
      memstream_step(&rs);
    } else {
      getline_step();
    }
    steps++;
    fw_tick();
  }
  free_all(&b);
  fw_phase(FW_FCLOSE);
  fclose(own);
  fw_count(C_STEPS, steps);
  fw_done();
  return NULL;
}

static FILE *forker_fp; /* written by the forking thread between forks */

static void fork_once(uint64_t *rs) {
  int child_work = rng_next(rs) % 3 == 0;
  fw_phase(FW_FORK);
  pid_t pid = fork();
  if (pid == 0) {
    if (child_work) {
      size_t sz[3] = {100, 300000, 3 * MiB};
      for (int i = 0; i < 3; i++) {
        unsigned char *p = T_malloc(sz[i]);
        if (!p) _exit(3);
        p[0] = p[sz[i] - 1] = 1;
        T_free(p);
      }
      /* a stream of its own: any other one may be locked for good */
      FILE *f = fopen("/dev/null", "w");
      if (!f) _exit(4);
      if (fprintf(f, "child %d\n", (int)getpid()) <= 0) _exit(5);
      if (fflush(f) != 0) _exit(6);
      if (fclose(f) != 0) _exit(7);
    }
    _exit(0);
  }
  fork_reap(pid);
  fw_count(C_FORKS, 1);
  if (child_work) fw_count(C_CHILD_WORK, 1);
  fw_tick();
}

static void scenario(int rep) {
  uint64_t rs = pat_mix(base_seed * 1000003 + (uint64_t)rep);
  cur_rep = rep;
  shared_fp = open_null();
  forker_fp = open_null();
  pthread_t th[FW_SLOTS];
  for (int t = 0; t < nthreads; t++)
    CHECK(pthread_create(&th[t], NULL, stdio_thread, (void *)(uintptr_t)t) ==
          0, "pthread_create");
  struct blocks b;
  memset(&b, 0, sizeof b);
  double t0 = now_s();
  for (int f = 0; seconds > 0 ? now_s() - t0 < seconds : f < nforks; f++) {
    fork_once(&rs);
    write_some(forker_fp, &rs, 1 + (int)(rng_next(&rs) % 20));
    alloc_steps(&rs, &b, 2, 0);
  }
  free_all(&b);
  atomic_store(&stop, 1);
  fw_phase(FW_JOIN);
  for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
  fw_phase(FW_FCLOSE);
  CHECK(fclose(forker_fp) == 0, "fclose");
  CHECK(fclose(shared_fp) == 0, "fclose");
}

/* the getline data file: lines from 1 byte to 2.5 MiB (> 2 MiB: huge) */
static void make_data_file(void) {
  FILE *f = tmpfile();
  CHECK(f != NULL, "tmpfile: %s", strerror(errno));
  size_t lens[] = {1, 80, 3000, 70000, 200000, 20, 2 * MiB + MiB / 2, 5};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    for (size_t j = 0; j + 1 < lens[i]; j++) fputc('a' + (int)(j % 26), f);
    fputc('\n', f);
  }
  CHECK(fflush(f) == 0, "fflush data file");
  data_fd = fileno(f); /* stays open (and unlinked) until exit */
}

int main(int argc, char **argv) {
  int reps = 1, c;
  while ((c = getopt(argc, argv, "t:r:n:s:w:S:")) != -1) {
    switch (c) {
    case 't': nthreads = atoi(optarg); break;
    case 'r': reps = atoi(optarg); break;
    case 'n': nforks = atoi(optarg); break;
    case 's': seconds = atof(optarg); break;
    case 'w': watchdog_s = atof(optarg); break;
    case 'S': base_seed = strtoull(optarg, NULL, 0); break;
    default:
      fprintf(stderr, "usage: %s [-t threads] [-r reps] [-n forks | -s "
              "seconds] [-w watchdog_s] [-S seed]\n", argv[0]);
      return 2;
    }
  }
  CHECK(nthreads >= 1 && nthreads <= FW_SLOTS - 1, "-t %d: 1..%d", nthreads,
        FW_SLOTS - 1);
  make_data_file();
  double t0 = now_s();
  fw_run(reps, watchdog_s, scenario);
  double dt = now_s() - t0;
  long *k = (long *)fw->ctr;
  printf("%s, -t %d: %d repetitions in %.2f s (%.1f ms each): %ld forks "
         "(%ld children allocated and used stdio), %ld stdio-thread steps, "
         "%ld fflush(NULL), %ld reopens, %ld MiB through memstreams, %ld MiB "
         "through getline\n",
         T_LIBNAME, nthreads, reps, dt, dt * 1e3 / (reps ? reps : 1),
         k[C_FORKS], k[C_CHILD_WORK], k[C_STEPS], k[C_FFLUSH], k[C_REOPEN],
         k[C_MEMSTREAM_BYTES] >> 20, k[C_GETLINE_BYTES] >> 20);
  CHECK(k[C_FORKS] >= reps, "only %ld forks", k[C_FORKS]);
  puts("ok");
  return 0;
}
