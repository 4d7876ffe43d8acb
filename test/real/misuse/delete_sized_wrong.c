/* SPDX-License-Identifier: MIT */
/* delete_sized_wrong.c — C++ sized operator delete with a size larger than
 * the block (a delete through the wrong type), release build.  Written in
 * C: brisk's operators are found at run time under their mangled names
 * (operator new(size_t) = _Znwm, operator delete(void*, size_t) = _ZdlPvm).
 * Expected: SIGABRT and one stderr line matching delete_sized_wrong.expect. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *(*op_new)(size_t) = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "_Znwm");
  void (*op_delete)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "_ZdlPvm");
  if (op_new == NULL || op_delete == NULL) return 2; /* not on brisk */
  void *p = op_new(32);
  printf("PTR=%p\n", p);
  fflush(stdout);
  op_delete(p, 4096);
  return 0; /* not reached when the bug is caught */
}
