/* SPDX-License-Identifier: MIT */
// tls_dtor.cpp — allocation inside thread-exit destructors: pthread_key
// destructors (which malloc, realloc and free, and re-set the key so they
// run again) and C++ thread_local objects whose destructors allocate and
// free; blocks allocated in destructors are handed to main, which frees
// them after the threads are gone.  Also covers the main thread's exit.
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>
#include <signal.h>

static pthread_key_t key;
static std::atomic<void *> handoff[4096];
static std::atomic<int> nhand{0}, dtor_runs{0}, tl_dtors{0};

static void give(void *p) {
  int i = nhand.fetch_add(1);
  if (i < 4096) handoff[i] = p; else free(p);
}

static void key_dtor(void *v) {
  char *s = static_cast<char *>(v);
  if (std::strncmp(s, "key-", 4) != 0) { std::fprintf(stderr, "key value corrupted\n"); _exit(1); }
  char *t = static_cast<char *>(realloc(s, 5000));
  std::strcat(t, "-grown");
  int round = t[4] - '0';
  void *x = malloc(100000);
  std::memset(x, 1, 100000);
  free(x);
  give(malloc(48));
  dtor_runs++;
  if (round < 2) {  // re-set: the destructor runs again (PTHREAD_DESTRUCTOR_ITERATIONS)
    t[4] = static_cast<char>('0' + round + 1);
    pthread_setspecific(key, t);
  } else {
    free(t);
  }
}

struct Tl {
  std::vector<std::string> v;
  std::map<int, std::string> m;
  Tl() {
    for (int i = 0; i < 50; i++) v.emplace_back(std::string(i * 10, 'x'));
  }
  ~Tl() {
    // Allocate during destruction, then release everything.
    for (int i = 0; i < 100; i++) m[i] = std::string(i * 3 + 20, 'y');
    std::string *s = new std::string(300, 'z');
    give(s->data() == nullptr ? nullptr : malloc(s->size()));
    delete s;
    tl_dtors++;
  }
};
static thread_local Tl tl;

static void body(int i) {
  char *s = static_cast<char *>(malloc(16));
  std::snprintf(s, 16, "key-0-%d", i % 10);
  pthread_setspecific(key, s);
  tl.v.push_back(std::to_string(i));  // constructs the thread_local
}

static void alarm_handler(int) { _exit(124); }

int main() {
  signal(SIGALRM, alarm_handler);
  alarm(120);
  pthread_key_create(&key, key_dtor);
  const int N = 600;
  for (int r = 0; r < N / 6; r++) {
    std::vector<std::thread> ts;
    for (int i = 0; i < 6; i++) ts.emplace_back(body, r * 6 + i);
    for (auto &t : ts) t.join();
  }
  int n = nhand.load();
  for (int i = 0; i < n && i < 4096; i++) free(handoff[i].load());
  if (dtor_runs != 3 * N || tl_dtors != N) {
    std::fprintf(stderr, "dtor runs %d (want %d), thread_local dtors %d (want %d)\n",
                 dtor_runs.load(), 3 * N, tl_dtors.load(), N);
    return 1;
  }
  std::printf("tls_dtor: %d threads, %d key dtor runs, %d thread_local dtors ok\n", N,
              dtor_runs.load(), tl_dtors.load());
  body(9999);  // main's own thread_local and key: destroyed at exit
  return 0;
}
