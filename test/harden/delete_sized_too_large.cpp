// SPDX-License-Identifier: MIT
/* delete_sized_too_large.cpp — C++14 sized operator delete of a 32-byte
 * operator new block with a size of 4096.
 * Survives: exit 3 (the mismatch went unnoticed). */
/* expect default: abort "^brisk: sized delete: size does not match the block \(pointer PTR\)$" */
/* expect hardened: abort "^brisk: sized delete: size does not match the block \(pointer PTR\)$" */
/* expect sampled: any */
#include <cstddef>
#include <cstdio>
#include <new>

static void *volatile sink;
static volatile std::size_t wrong = 4096;

int main() {
  void *p = ::operator new(32);
  sink = p;
  std::printf("PTR=%p\n", sink);
  std::fflush(stdout);
  ::operator delete(sink, static_cast<std::size_t>(wrong));
  return 3;
}
