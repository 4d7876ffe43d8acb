// SPDX-License-Identifier: MIT
/* delete_sized_base.cpp — a 216-byte derived object deleted through a
 * pointer to its 16-byte base without a virtual destructor: the compiler
 * calls operator delete(p, 16), a size of another class than the block's.
 * Survives: exit 3 (the mismatch went unnoticed). */
/* expect default: any */
/* expect hardened: abort "^brisk: sized delete: size does not match the block \(pointer PTR\)$" */
/* expect sampled: any */
#include <cstdio>

struct Base {
  char tag[16];
};
struct Derived : Base {
  char payload[200];
};

static Base *volatile sink;

int main() {
  sink = new Derived();
  std::printf("PTR=%p\n", static_cast<void *>(sink));
  std::fflush(stdout);
  Base *b = sink;
  delete b;  // undefined behaviour: sized delete with sizeof(Base)
  return 3;
}
