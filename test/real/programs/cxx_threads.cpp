/* SPDX-License-Identifier: MIT */
// cxx_threads.cpp — a C++ program that allocates across threads: a thread
// pool passes tasks (std::function, shared_ptr payloads, strings, maps)
// through a mutex/condvar queue; results and exceptions cross threads via
// std::future/std::promise and std::exception_ptr; objects are created on
// one thread and destroyed on another.  Output is deterministic (results
// are gathered by task index), so it must be identical with and without
// brisk.  argv[1]: scale (default 1).
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

class Pool {
 public:
  explicit Pool(int n) {
    for (int i = 0; i < n; i++) workers_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto &t : workers_) t.join();
  }
  template <typename F>
  auto submit(F f) -> std::future<decltype(f())> {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto fut = task->get_future();
    {
      std::lock_guard<std::mutex> g(m_);
      q_.emplace_back([task] { (*task)(); });
    }
    cv_.notify_one();
    return fut;
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [this] { return stop_ || !q_.empty(); });
        if (stop_ && q_.empty()) return;
        job = std::move(q_.front());
        q_.pop_front();
      }
      job();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

struct Node {
  std::string key;
  std::vector<int> vals;
  std::map<std::string, std::shared_ptr<Node>> kids;
};

std::shared_ptr<Node> build(int id, int depth) {
  auto n = std::make_shared<Node>();
  n->key = "node-" + std::to_string(id) + std::string(id % 23, '*');
  for (int i = 0; i < 5 + id % 40; i++) n->vals.push_back(id * i);
  if (depth > 0)
    for (int k = 0; k < 3; k++) n->kids[std::to_string(k) + n->key] = build(id * 3 + k, depth - 1);
  return n;
}

uint64_t walk(const Node &n) {
  uint64_t h = std::hash<std::string>{}(n.key) % 1000003;
  h += std::accumulate(n.vals.begin(), n.vals.end(), 0ull);
  for (auto &kv : n.kids) h = h * 31 + walk(*kv.second) + kv.first.size();
  return h;
}

std::string task(int i) {
  if (i % 53 == 7) throw std::runtime_error("task " + std::to_string(i) + " failed on purpose");
  if (i % 101 == 3) throw std::out_of_range(std::string(200 + i % 300, 'x'));
  auto tree = build(i, 3 + i % 3);
  std::unordered_map<std::string, int> words;
  std::string text;
  for (int k = 0; k < 500 + i % 700; k++) {
    std::string w = std::to_string((k * 7919 + i) % 997);
    words[w]++;
    text += w;
    text += ' ';
  }
  std::set<std::string> uniq;
  std::istringstream in(text);
  for (std::string w; in >> w;) uniq.insert(w + "/" + std::to_string(w.size()));
  std::vector<std::string> v(uniq.begin(), uniq.end());
  std::sort(v.begin(), v.end(), std::greater<std::string>());
  std::ostringstream o;
  o << i << ":" << walk(*tree) << ":" << words.size() << ":" << v.front() << ":" << text.size();
  return o.str();
}

}  // namespace

int main(int argc, char **argv) {
  int scale = argc > 1 ? std::atoi(argv[1]) : 1;
  const int N = 3000 * scale;
  std::vector<std::string> results(N);
  std::atomic<int> thrown{0};
  {
    Pool pool(4);
    std::vector<std::future<std::string>> futs;
    for (int i = 0; i < N; i++) futs.push_back(pool.submit([i] { return task(i); }));
    // Objects created here, destroyed by pool threads (and vice versa).
    std::list<std::future<std::shared_ptr<Node>>> handoff;
    std::vector<std::shared_ptr<Node>> mine;
    for (int i = 0; i < 200; i++) {
      auto n = build(i, 2);
      handoff.push_back(pool.submit([n] { return build(int(walk(*n) % 1000), 2); }));
    }
    for (int i = 0; i < N; i++) {
      try {
        results[i] = futs[i].get();
      } catch (const std::exception &e) {
        results[i] = std::to_string(i) + ": exception " + std::string(e.what()).substr(0, 40);
        thrown++;
      }
    }
    for (auto &f : handoff) mine.push_back(f.get());
    uint64_t h = 0;
    for (auto &n : mine) h += walk(*n);
    std::printf("handoff %llu\n", (unsigned long long)h);
    // exception_ptr carried from one thread to another and rethrown there.
    std::exception_ptr ep;
    std::thread t([&ep] {
      try {
        throw std::logic_error(std::string(1000, 'e'));
      } catch (...) {
        ep = std::current_exception();
      }
    });
    t.join();
    std::thread t2([ep] {
      try {
        std::rethrow_exception(ep);
      } catch (const std::logic_error &e) {
        std::printf("rethrown %zu\n", std::string(e.what()).size());
      }
    });
    t2.join();
  }
  uint64_t h = 0;
  for (auto &r : results) h = h * 1000003 + std::hash<std::string>{}(r);
  std::printf("tasks %d thrown %d hash %llu\n", N, thrown.load(), (unsigned long long)h);
  for (int i = 0; i < N; i += N / 10) std::printf("%s\n", results[i].c_str());
  return 0;
}
