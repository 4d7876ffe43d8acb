/* SPDX-License-Identifier: MIT */
// graph.cpp — adjacency lists, BFS, Dijkstra with a priority queue,
// unordered_map/map/set churn.
#include <algorithm>
#include <functional>
#include <queue>
#include <set>
#include <unordered_map>

#include "proj.hpp"

uint64_t run_graph(int nodes, int edges) {
  std::unordered_map<int, std::vector<std::pair<int, int>>> adj;
  uint64_t s = 88172645463325252ull;
  auto rnd = [&s] { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; };
  for (int e = 0; e < edges; e++) {
    int a = int(rnd() % nodes), b = int(rnd() % nodes), w = int(rnd() % 100) + 1;
    adj[a].push_back({b, w});
    adj[b].push_back({a, w});
  }
  std::vector<uint64_t> dist(nodes, UINT64_MAX);
  using QE = std::pair<uint64_t, int>;
  std::priority_queue<QE, std::vector<QE>, std::greater<QE>> q;
  dist[0] = 0;
  q.push({0, 0});
  while (!q.empty()) {
    auto [d, u] = q.top();
    q.pop();
    if (d != dist[u]) continue;
    for (auto [v, w] : adj[u])
      if (d + w < dist[v]) {
        dist[v] = d + w;
        q.push({dist[v], v});
      }
  }
  uint64_t sum = 0;
  std::map<uint64_t, int> hist;
  for (auto d : dist)
    if (d != UINT64_MAX) {
      sum += d;
      hist[d / 50]++;
    }
  std::set<std::vector<int>> paths;
  for (int i = 0; i < 2000; i++) {
    std::vector<int> p;
    for (int k = 0; k < 1 + i % 9; k++) p.push_back(int(rnd() % 7));
    paths.insert(std::move(p));
  }
  return sum * 31 + hist.size() * 7 + paths.size();
}
