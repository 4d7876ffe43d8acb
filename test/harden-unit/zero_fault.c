/* SPDX-License-Identifier: MIT */
/* zero_fault.c — BRISK_ZERO_FAULT: malloc(0), calloc(0, n), calloc(n, 0)
 * and realloc(NULL, 0) return distinct pointers into a PROT_NONE region:
 * reading or writing one faults (SIGSEGV).  free accepts them and a slot
 * is reused after its free; malloc_usable_size is 0; realloc(p0, n) gives
 * an ordinary block; realloc(p0, 0) frees it.  A second free of one aborts
 * with "brisk: double free (pointer 0x...)", a misaligned pointer into the
 * region with "brisk: free(): invalid pointer (pointer 0x...)".  C++
 * new(0) is not affected (test/api/cxx).  Fails on a build where malloc(0)
 * returns an ordinary, accessible block. */
#include "hu.h"

#include <malloc.h>
#include <pthread.h>

static void *ptr;
static void do_free(void *arg) { free(arg); }
static void do_double_free(void *arg) {
  free(arg);
  free(arg);
}
static void do_usable(void *arg) { printf("%zu\n", malloc_usable_size(arg)); }
static void do_realloc(void *arg) { printf("%p\n", realloc(arg, 10)); }

static void expect_abort(void (*fn)(void *), void *arg, const char *msg, const char *what) {
  char err[512], want[128];
  snprintf(want, sizeof want, "brisk: %s (pointer %p)\n", msg, arg);
  int st = in_child(fn, arg, err, sizeof err);
  CHECK(aborted(st), "%s: no abort (status %#x)", what, st);
  CHECK(strcmp(err, want) == 0, "%s: stderr '%s', expected '%s'", what, err, want);
}

static void *zero_thread(void *arg) {
  (void)arg;
  for (int i = 0; i < 20000; i++) {
    void *p = malloc(0);
    CHECK(p != NULL, "malloc(0) in a thread");
    free(p);
  }
  return NULL;
}

int main(void) {
  CHECK(on_brisk(), "not running on brisk");
  void *z[4] = {malloc(0), calloc(0, 16), calloc(16, 0), realloc(NULL, 0)};
  for (int i = 0; i < 4; i++) {
    CHECK(z[i] != NULL, "zero-size allocation %d returned NULL", i);
    CHECK(((uintptr_t)z[i] & 15) == 0, "zero-size pointer %p not 16-byte aligned", z[i]);
    CHECK(malloc_usable_size(z[i]) == 0, "malloc_usable_size = %zu", malloc_usable_size(z[i]));
    CHECK(is_guard(z[i]), "zero-size pointer %p is not in a PROT_NONE mapping", z[i]);
    CHECK(touch_faults(read_span, z[i], (char *)z[i] + 1), "reading through %p did not fault", z[i]);
    CHECK(touch_faults(write_span, z[i], (char *)z[i] + 1), "writing through %p did not fault", z[i]);
    for (int j = 0; j < i; j++) CHECK(z[i] != z[j], "zero-size pointer %p handed out twice", z[i]);
  }
  /* distinct while live, from each other and from real blocks */
  enum { M = 5000 };
  static void *v[M];
  for (int i = 0; i < M; i++) v[i] = malloc(0);
  char *real = malloc(1);
  for (int i = 0; i < M; i++) {
    CHECK(v[i] != real && v[i] != NULL, "malloc(0) %d", i);
    if (i > 0) CHECK(v[i] != v[i - 1], "malloc(0) returned %p twice", v[i]);
  }
  for (int i = 0; i < M; i++) free(v[i]);
  free(real);
  /* reuse after free: a free/malloc(0) cycle takes the freed slot again */
  void *a = malloc(0);
  free(a);
  void *b = malloc(0);
  CHECK(b == a, "the freed slot %p was not reused (got %p)", a, b);
  /* realloc: to a real block (nothing copied) and to 0 (frees) */
  char *r = realloc(z[0], 100);
  CHECK(r != NULL && !is_guard(r), "realloc(p0, 100) = %p", (void *)r);
  memset(r, 7, 100);
  CHECK(malloc_usable_size(r) >= 100, "usable of the realloc'd block");
  free(r);
  CHECK(realloc(z[1], 0) == NULL, "realloc(p0, 0) returned non-NULL");
  free(z[2]);
  free(z[3]);
  /* misuse */
  ptr = malloc(0);
  expect_abort(do_double_free, ptr, "double free", "double free of a malloc(0) pointer");
  expect_abort(do_free, (char *)ptr + 8, "free(): invalid pointer", "free of a misaligned zero-region pointer");
  free(ptr);
  expect_abort(do_free, ptr, "double free", "free of a freed malloc(0) pointer");
  expect_abort(do_usable, ptr, "double free", "malloc_usable_size of a freed malloc(0) pointer");
  expect_abort(do_realloc, ptr, "double free", "realloc of a freed malloc(0) pointer");
  /* threads */
  pthread_t t[4];
  for (int i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, zero_thread, NULL) == 0, "thread");
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  puts("ok");
  return 0;
}
