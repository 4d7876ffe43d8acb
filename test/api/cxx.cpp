/* SPDX-License-Identifier: MIT */
// cxx.cpp — C++ on top of the allocator: new/delete, new[]/delete[],
// over-aligned new (alignas(64), alignas(4096)), sized delete, std::string,
// vector, map, unordered_map, list, shared_ptr; exceptions thrown and caught
// in worker threads and passed across threads with exception_ptr; nothrow
// new of an impossible size returns nullptr and plain new throws bad_alloc.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <list>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#define CHECK(cond, msg)                                                    \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: FAILED: %s: %s\n", __FILE__, __LINE__,   \
                   #cond, msg);                                             \
      std::_Exit(1);                                                        \
    }                                                                       \
  } while (0)

struct alignas(64) Line { char b[64]; };
// storing into a volatile global makes every block escape, so the compiler
// cannot elide a new/delete pair (C++14 allows it otherwise)
static void *volatile sink;
struct alignas(4096) Page { char b[100]; };

static void containers(int seed) {
  std::vector<std::string> v;
  std::map<std::string, int> m;
  std::unordered_map<int, std::string> u;
  std::list<std::vector<int>> l;
  for (int i = 0; i < 20000; i++) {
    std::string s = "key-" + std::to_string(i * 7 + seed) +
                    std::string(static_cast<size_t>(i % 50), 'x');
    v.push_back(s);
    m[s] = i;
    u[i] = s;
    if (i % 10 == 0) l.emplace_back(static_cast<size_t>(i % 300), i);
  }
  for (int i = 0; i < 20000; i++) {
    CHECK(m[v[static_cast<size_t>(i)]] == i, "map lookup");
    CHECK(u[i] == v[static_cast<size_t>(i)], "unordered_map lookup");
  }
  for (auto &x : l)
    for (int y : x) CHECK(y == x[0], "list of vectors");
  v.erase(v.begin(), v.begin() + 10000);
  v.shrink_to_fit();
  CHECK(v.size() == 10000, "vector size");
}

int main() {
  for (int i = 0; i < 1000; i++) {
    int *p = new int(i);
    sink = p;
    CHECK(*p == i, "new int");
    delete p;
    char *a = new char[static_cast<size_t>(i) + 1];
    sink = a;
    std::memset(a, 1, static_cast<size_t>(i) + 1);
    delete[] a;
  }
  for (int i = 0; i < 1000; i++) {
    Line *l = new Line;
    sink = l;
    CHECK((reinterpret_cast<uintptr_t>(l) & 63) == 0, "alignas(64) new");
    delete l;
    Page *pg = new Page[3];
    sink = pg;
    CHECK((reinterpret_cast<uintptr_t>(pg) & 4095) == 0, "alignas(4096) new[]");
    delete[] pg;
  }
  containers(0);

  // exceptions thrown and caught inside threads, and handed across
  const int T = 8;
  std::vector<std::exception_ptr> errs(T);
  std::atomic<int> caught{0};
  std::vector<std::thread> th;
  for (int t = 0; t < T; t++)
    th.emplace_back([t, &errs, &caught] {
      for (int i = 0; i < 2000; i++) {
        try {
          throw std::runtime_error("thread " + std::to_string(t) + " error " +
                                   std::to_string(i) + std::string(100, 'e'));
        } catch (const std::runtime_error &e) {
          if (std::strstr(e.what(), "error")) caught++;
        }
      }
      containers(t);
      try {
        throw std::out_of_range("from thread " + std::to_string(t));
      } catch (...) {
        errs[static_cast<size_t>(t)] = std::current_exception();
      }
    });
  for (auto &x : th) x.join();
  CHECK(caught == T * 2000, "not all exceptions caught");
  for (int t = 0; t < T; t++) {
    try {
      std::rethrow_exception(errs[static_cast<size_t>(t)]);
    } catch (const std::out_of_range &e) {
      CHECK(std::string(e.what()) == "from thread " + std::to_string(t),
            "exception message across threads");
    }
  }
  errs.clear();

  // shared_ptr freed on another thread
  std::vector<std::shared_ptr<std::string>> sp;
  for (int i = 0; i < 10000; i++)
    sp.push_back(std::make_shared<std::string>(std::string(64, 'a' + i % 26)));
  std::thread consumer([&sp] { sp.clear(); });
  consumer.join();

  // impossible sizes
  volatile size_t huge = SIZE_MAX / 2;
  char *q = new (std::nothrow) char[huge];
  sink = q;
  CHECK(q == nullptr, "nothrow new of SIZE_MAX/2 did not return nullptr");
  bool threw = false;
  try {
    char *r = new char[huge];
    sink = r;
    delete[] r;
  } catch (const std::bad_alloc &) {
    threw = true;
  }
  CHECK(threw, "new of SIZE_MAX/2 did not throw bad_alloc");
  std::puts("ok");
  return 0;
}
