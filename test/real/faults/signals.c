/* SPDX-License-Identifier: MIT */
/* signals.c — signals arriving during allocation.  A helper thread sends
 * SIGUSR1 to the allocating threads as fast as it can while they malloc,
 * realloc and free; the handler does not allocate (it counts, and touches
 * errno and a sigsetjmp-free local).  The program must neither deadlock
 * (watchdog) nor corrupt blocks, and errno must survive free(). */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "common.h"

static atomic_int stop;
static atomic_long hits;

static void on_usr1(int sig) {
  (void)sig;
  int e = errno;
  atomic_fetch_add(&hits, 1);
  errno = EINTR; /* clobber errno as handlers may; must be restored */
  errno = e;
}

static void *alloc_loop(void *arg) {
  uint64_t s = (uintptr_t)arg * 11 + 5;
  void *v[128] = {0};
  size_t n[128] = {0};
  long ops = 0;
  while (!atomic_load(&stop)) {
    unsigned i = rnd(&s) % 128;
    if (v[i]) {
      CHECK(verify(v[i], n[i] < 48 ? n[i] : 48, i));
      if (rnd(&s) % 4 == 0) {
        size_t m = rnd(&s) % 100000 + 1;
        void *q = realloc(v[i], m);
        CHECK(q);
        CHECK(verify(q, (n[i] < m ? n[i] : m) < 48 ? (n[i] < m ? n[i] : m) : 48, i));
        v[i] = q;
        n[i] = m;
        fill(v[i], n[i] < 48 ? n[i] : 48, i);
        continue;
      }
      errno = 1234;
      free(v[i]);
      CHECK(errno == 1234);
    }
    unsigned r = rnd(&s);
    n[i] = r % 16 == 0 ? r % 3000000 + 1 : r % 2048 + 1;
    v[i] = (r % 5 == 0) ? calloc(1, n[i]) : malloc(n[i]);
    CHECK(v[i]);
    fill(v[i], n[i] < 48 ? n[i] : 48, i);
    ops++;
  }
  for (int i = 0; i < 128; i++) free(v[i]);
  return (void *)ops;
}

int main(int argc, char **argv) {
  watchdog(60);
  double secs = argc > 1 ? atof(argv[1]) : 3;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t th[2];
  for (long i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, alloc_loop, (void *)i) == 0);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long sent = 0;
  do {
    for (int k = 0; k < 200; k++) {
      pthread_kill(th[k % 2], SIGUSR1);
      sent++;
    }
    kill(getpid(), SIGUSR1); /* any thread, main included */
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
  atomic_store(&stop, 1);
  long ops = 0;
  for (int i = 0; i < 2; i++) {
    void *r;
    pthread_join(th[i], &r);
    ops += (long)r;
  }
  CHECK(atomic_load(&hits) > 0);
  printf("signals: %ld signals sent, %s allocations interrupted, ok\n", sent,
         ops > 1000 ? "many" : "few");
  return 0;
}
