// SPDX-License-Identifier: MIT
// test/link/prog.cpp — a C++ program whose only allocations are new and
// delete (it never names malloc or a brisk function strongly).  brisk's
// statistics (a weak reference: NULL when brisk is absent) must count every
// new and delete, and operator new must resolve into libbrisk.
// An impossible size must throw std::bad_alloc (in a static binary too,
// where brisk's operator new has to reach libstdc++.a's thrower).
// Prints "on brisk: ...", "operator new from: PATH", "malloc from: PATH"
// (not with -DLINK_STATIC: a static binary has no dynamic symbols).
// Exit 0 on brisk, 3 when not on brisk, 1 on any other failure.
#include <brisk.h>
#include <dlfcn.h>
#include <cstdio>
#include <new>

extern "C" int brisk_stats_get(brisk_stats_t *) __attribute__((weak));

struct Node {
  Node *next;
  int v;
  virtual ~Node() {}
};
static void *volatile sink;

int main() {
  if (brisk_stats_get == nullptr) {
    std::puts("not on brisk: brisk_stats_get is not linked");
    return 3;
  }
  const int n = 1000;
  brisk_stats_t a, b;
  if (brisk_stats_get(&a) != 0) return 1;
  Node *head = nullptr;
  for (int i = 0; i < n; i++) {
    Node *x = new Node;
    x->next = head;
    x->v = i;
    head = x;
    int *arr = new int[i % 50 + 1];
    sink = arr;
    delete[] arr;
  }
  while (head) {
    Node *x = head->next;
    delete head; // sized delete through the virtual destructor
    head = x;
  }
  if (brisk_stats_get(&b) != 0) return 1;
  unsigned long long na = b.malloc_calls - a.malloc_calls, nf = b.free_calls - a.free_calls;
  if (na < 2u * n || nf < 2u * n) {
    std::printf("not on brisk: %d new and delete, brisk counted %llu / %llu\n", 2 * n, na, nf);
    return 3;
  }
  std::printf("on brisk: %llu allocations, %llu frees counted for %d new/delete\n", na, nf, 2 * n);
  volatile std::size_t impossible = std::size_t(1) << 60;
  try {
    sink = ::operator new(impossible);
    std::puts("operator new(2^60) returned");
    return 1;
  } catch (const std::bad_alloc &) {
    std::puts("operator new(2^60) threw std::bad_alloc");
  }
#ifndef LINK_STATIC
  Dl_info info;
  void *(*op_new)(std::size_t) = &::operator new;
  if (!dladdr(reinterpret_cast<void *>(op_new), &info) || info.dli_fname == nullptr) return 1;
  std::printf("operator new from: %s\n", info.dli_fname);
  void *m = dlsym(RTLD_DEFAULT, "malloc");
  if (m == nullptr || !dladdr(m, &info) || info.dli_fname == nullptr) return 1;
  std::printf("malloc from: %s\n", info.dli_fname);
#endif
  return 0;
}
