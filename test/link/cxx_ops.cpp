// SPDX-License-Identifier: MIT
// test/link/cxx_ops.cpp — brisk's C++ operators new and delete
// (src/api/newdelete.c), linked with -lbrisk; run by test/link/run.sh
// cxxops against a library variant (LINK_EXPECT_LIB names its file).
//
//   cxx_ops            every check below; exit 0 when all pass
//   cxx_ops MISUSE     commit one misuse (sized-small, sized-array,
//                      double-delete); brisk must abort with one line
//
// Checks: all 20 replaceable forms (plain, array, nothrow, aligned,
// aligned nothrow; delete plain, sized, nothrow, aligned, sized aligned,
// aligned nothrow, each also as array) resolve to brisk's definitions
// under their mangled names; each form allocates brisk blocks (usable size
// known to brisk, brisk's counters move), aligned as asked, for sizes from
// 0 to 3 MiB; delete of nullptr is a no-op in every form; sized delete of
// arrays with a cookie; an impossible size or a bad alignment throws
// std::bad_alloc from every throwing form; the new handler is called until
// it uninstalls itself, then bad_alloc; an exception thrown by the handler
// passes through brisk; a handler that frees a reserve under RLIMIT_AS
// makes the retry succeed; the nothrow forms return nullptr (without
// calling the handler); blocks new'd on one thread are deleted on another.
#include <brisk.h>
#include <dlfcn.h>
#include <sys/resource.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#define CHECK(cond, ...)                                                      \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                      \
      std::fprintf(stderr, "\n");                                             \
      std::_Exit(1);                                                          \
    }                                                                         \
  } while (0)

static void *volatile sink;
static std::size_t opaque(std::size_t n) {
  volatile std::size_t v = n;
  return v;
}
static std::size_t usable(const void *p) { return brisk_usable_size(p); }

// ------------------------------------------------------------ the forms
using std::align_val_t;
using std::nothrow_t;
struct Form {
  const char *mangled;
  void *addr;
};
#define FORM(name, type, op) {name, reinterpret_cast<void *>(static_cast<type>(op))}
static const Form forms[] = {
    FORM("_Znwm", void *(*)(std::size_t), &::operator new),
    FORM("_Znam", void *(*)(std::size_t), &::operator new[]),
    FORM("_ZnwmRKSt9nothrow_t", void *(*)(std::size_t, const nothrow_t &) noexcept, &::operator new),
    FORM("_ZnamRKSt9nothrow_t", void *(*)(std::size_t, const nothrow_t &) noexcept, &::operator new[]),
    FORM("_ZnwmSt11align_val_t", void *(*)(std::size_t, align_val_t), &::operator new),
    FORM("_ZnamSt11align_val_t", void *(*)(std::size_t, align_val_t), &::operator new[]),
    FORM("_ZnwmSt11align_val_tRKSt9nothrow_t",
         void *(*)(std::size_t, align_val_t, const nothrow_t &) noexcept, &::operator new),
    FORM("_ZnamSt11align_val_tRKSt9nothrow_t",
         void *(*)(std::size_t, align_val_t, const nothrow_t &) noexcept, &::operator new[]),
    FORM("_ZdlPv", void (*)(void *) noexcept, &::operator delete),
    FORM("_ZdaPv", void (*)(void *) noexcept, &::operator delete[]),
    FORM("_ZdlPvm", void (*)(void *, std::size_t) noexcept, &::operator delete),
    FORM("_ZdaPvm", void (*)(void *, std::size_t) noexcept, &::operator delete[]),
    FORM("_ZdlPvRKSt9nothrow_t", void (*)(void *, const nothrow_t &) noexcept, &::operator delete),
    FORM("_ZdaPvRKSt9nothrow_t", void (*)(void *, const nothrow_t &) noexcept, &::operator delete[]),
    FORM("_ZdlPvSt11align_val_t", void (*)(void *, align_val_t) noexcept, &::operator delete),
    FORM("_ZdaPvSt11align_val_t", void (*)(void *, align_val_t) noexcept, &::operator delete[]),
    FORM("_ZdlPvmSt11align_val_t", void (*)(void *, std::size_t, align_val_t) noexcept,
         &::operator delete),
    FORM("_ZdaPvmSt11align_val_t", void (*)(void *, std::size_t, align_val_t) noexcept,
         &::operator delete[]),
    FORM("_ZdlPvSt11align_val_tRKSt9nothrow_t",
         void (*)(void *, align_val_t, const nothrow_t &) noexcept, &::operator delete),
    FORM("_ZdaPvSt11align_val_tRKSt9nothrow_t",
         void (*)(void *, align_val_t, const nothrow_t &) noexcept, &::operator delete[]),
};

static void check_resolution() {
  const char *want = std::getenv("LINK_EXPECT_LIB");
  char wantp[PATH_MAX], got[PATH_MAX];
  CHECK(want && realpath(want, wantp), "LINK_EXPECT_LIB unset or missing");
  for (const Form &f : forms) {
    Dl_info info;
    CHECK(dladdr(f.addr, &info) && info.dli_fname && info.dli_sname, "dladdr(%s)", f.mangled);
    CHECK(realpath(info.dli_fname, got) && !std::strcmp(got, wantp), "%s comes from %s, not %s",
          f.mangled, info.dli_fname, wantp);
    CHECK(!std::strcmp(info.dli_sname, f.mangled), "%s resolves to symbol %s", f.mangled,
          info.dli_sname);
    CHECK(dlsym(RTLD_DEFAULT, f.mangled) == f.addr, "dlsym(%s) differs", f.mangled);
  }
  std::printf("all %zu operator forms resolve into %s\n", sizeof forms / sizeof forms[0], wantp);
}

// --------------------------------------------------- every form works
static const std::size_t sizes[] = {0, 1, 16, 24, 100, 1000, 1024, 1025, 5000, 70000,
                                    200000, 3u << 20};
static const std::size_t aligns[] = {1, 8, 16, 32, 64, 256, 4096, 1u << 16, 1u << 21};

static void use(void *p, std::size_t n, std::size_t align, const char *what) {
  CHECK(p != nullptr, "%s(%zu) returned nullptr", what, n);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % (align < 16 ? 16 : align) == 0,
        "%s(%zu, align %zu) = %p misaligned", what, n, align, p);
  CHECK(usable(p) >= n, "%s(%zu): usable size %zu", what, n, usable(p));
  std::memset(p, 0xa5, n);
  sink = p;
}

static void check_forms() {
  brisk_stats_t a, b;
  CHECK(brisk_stats_get(&a) == 0, "brisk_stats_get");
  unsigned long calls = 0;
  for (std::size_t n : sizes) {
    void *p;
    p = ::operator new(n); use(p, n, 16, "new"); ::operator delete(p);
    p = ::operator new(n); use(p, n, 16, "new"); ::operator delete(p, n);
    p = ::operator new(n); use(p, n, 16, "new"); ::operator delete(p, std::nothrow);
    p = ::operator new[](n); use(p, n, 16, "new[]"); ::operator delete[](p);
    p = ::operator new[](n); use(p, n, 16, "new[]"); ::operator delete[](p, n);
    p = ::operator new[](n); use(p, n, 16, "new[]"); ::operator delete[](p, std::nothrow);
    p = ::operator new(n, std::nothrow); use(p, n, 16, "new nothrow"); ::operator delete(p);
    p = ::operator new[](n, std::nothrow); use(p, n, 16, "new[] nothrow"); ::operator delete[](p, n);
    calls += 8;
    for (std::size_t al : aligns) {
      align_val_t A{al};
      p = ::operator new(n, A); use(p, n, al, "new aligned"); ::operator delete(p, A);
      p = ::operator new(n, A); use(p, n, al, "new aligned"); ::operator delete(p, n, A);
      p = ::operator new(n, A); use(p, n, al, "new aligned"); ::operator delete(p, A, std::nothrow);
      p = ::operator new[](n, A); use(p, n, al, "new[] aligned"); ::operator delete[](p, A);
      p = ::operator new[](n, A); use(p, n, al, "new[] aligned"); ::operator delete[](p, n, A);
      p = ::operator new[](n, A); use(p, n, al, "new[] aligned"); ::operator delete[](p, A, std::nothrow);
      p = ::operator new(n, A, std::nothrow); use(p, n, al, "new aligned nothrow"); ::operator delete(p, n, A);
      p = ::operator new[](n, A, std::nothrow); use(p, n, al, "new[] aligned nothrow"); ::operator delete[](p, A);
      calls += 8;
    }
  }
  CHECK(brisk_stats_get(&b) == 0, "brisk_stats_get");
  CHECK(b.malloc_calls - a.malloc_calls >= calls && b.free_calls - a.free_calls >= calls,
        "%lu new/delete pairs, brisk counted %llu allocations, %llu frees", calls,
        (unsigned long long)(b.malloc_calls - a.malloc_calls),
        (unsigned long long)(b.free_calls - a.free_calls));
  // delete of nullptr: every form is a no-op
  ::operator delete(nullptr); ::operator delete[](nullptr);
  ::operator delete(nullptr, std::size_t(16)); ::operator delete[](nullptr, std::size_t(16));
  ::operator delete(nullptr, std::nothrow); ::operator delete[](nullptr, std::nothrow);
  ::operator delete(nullptr, align_val_t{64}); ::operator delete[](nullptr, align_val_t{64});
  ::operator delete(nullptr, 16, align_val_t{64}); ::operator delete[](nullptr, 16, align_val_t{64});
  ::operator delete(nullptr, align_val_t{64}, std::nothrow);
  ::operator delete[](nullptr, align_val_t{64}, std::nothrow);
  std::printf("every form: %lu new/delete pairs on brisk (sizes 0..3 MiB, alignments to 2 MiB)\n",
              calls);
}

// new-expressions: sized delete through virtual destructors, array cookies,
// over-aligned types, containers
struct Base {
  virtual ~Base() {}
  char b[8];
};
struct Derived : Base {
  char d[200];
};
struct WithDtor {
  int v = 1;
  ~WithDtor() { v = 0; }
};
struct alignas(128) Wide {
  char c[40];
};
static void check_expressions() {
  for (int i = 0; i < 1000; i++) {
    Base *b = (i & 1) ? new Derived : new Base;
    delete b; // _ZdlPvm with the dynamic type's size
    WithDtor *w = new WithDtor[opaque(i % 40 + 1)];
    delete[] w; // _ZdaPvm, size includes the cookie
    Wide *x = new Wide;
    CHECK(reinterpret_cast<std::uintptr_t>(x) % 128 == 0, "alignas(128) new misaligned");
    delete x;
    Wide *xs = new Wide[opaque(5)];
    delete[] xs;
  }
  std::vector<std::string> v;
  for (int i = 0; i < 10000; i++) v.push_back(std::string(i % 100, 'x'));
  v.clear();
  v.shrink_to_fit();
  std::printf("new-expressions: virtual and array sized deletes, alignas(128), containers\n");
}

// --------------------------------------------------------- failure paths
static const std::size_t huge = std::size_t(1) << 60;
template <class F> static bool throws_bad_alloc(F f) {
  try {
    sink = f();
  } catch (const std::bad_alloc &) {
    return true;
  }
  return false;
}

static int handler_calls;
static void counting_handler() {
  if (++handler_calls == 3) std::set_new_handler(nullptr);
}
struct Oops {};
static void throwing_handler() { throw Oops(); }
static void *reserve;
static void releasing_handler() {
  handler_calls++;
  ::operator delete(reserve);
  reserve = nullptr;
  std::set_new_handler(nullptr);
}

static void check_failures() {
  align_val_t A{64};
  // no handler: bad_alloc from every throwing form
  CHECK(throws_bad_alloc([] { return ::operator new(opaque(huge)); }), "new");
  CHECK(throws_bad_alloc([] { return ::operator new[](opaque(huge)); }), "new[]");
  CHECK(throws_bad_alloc([&] { return ::operator new(opaque(huge), A); }), "new aligned");
  CHECK(throws_bad_alloc([&] { return ::operator new[](opaque(huge), A); }), "new[] aligned");
  CHECK(throws_bad_alloc([] { return new char[opaque(huge)]; }), "new char[huge]");
  CHECK(throws_bad_alloc([] { return ::operator new(opaque(SIZE_MAX)); }), "new(SIZE_MAX)");
  CHECK(throws_bad_alloc([] { return ::operator new(16, align_val_t{opaque(48)}); }),
        "alignment 48 (not a power of two)");
  // nothrow: nullptr
  CHECK(::operator new(opaque(huge), std::nothrow) == nullptr, "new nothrow");
  CHECK(::operator new[](opaque(huge), std::nothrow) == nullptr, "new[] nothrow");
  CHECK(::operator new(opaque(huge), A, std::nothrow) == nullptr, "new aligned nothrow");
  CHECK(::operator new[](opaque(huge), A, std::nothrow) == nullptr, "new[] aligned nothrow");
  CHECK(new (std::nothrow) char[opaque(huge)] == nullptr, "new (nothrow) char[huge]");
  CHECK(::operator new(16, align_val_t{opaque(48)}, std::nothrow) == nullptr, "nothrow, align 48");
  std::printf("impossible sizes: std::bad_alloc from the throwing forms, nullptr from nothrow\n");

  // the handler is called until it uninstalls itself, then bad_alloc
  handler_calls = 0;
  std::set_new_handler(counting_handler);
  CHECK(throws_bad_alloc([] { return ::operator new(opaque(huge)); }), "new with handler");
  CHECK(handler_calls == 3, "handler called %d times, want 3", handler_calls);
  handler_calls = 0;
  std::set_new_handler(counting_handler);
  CHECK(throws_bad_alloc([&] { return ::operator new[](opaque(huge), A); }), "aligned, handler");
  CHECK(handler_calls == 3, "aligned: handler called %d times, want 3", handler_calls);
  // nothrow forms do not call it (it may throw; see newdelete.c)
  handler_calls = 0;
  std::set_new_handler(counting_handler);
  CHECK(::operator new(opaque(huge), std::nothrow) == nullptr, "nothrow with handler");
  CHECK(::operator new(opaque(huge), A, std::nothrow) == nullptr, "aligned nothrow, handler");
  CHECK(handler_calls == 0, "nothrow forms called the handler %d times", handler_calls);
  std::set_new_handler(nullptr);
  std::printf("new handler: called 3 times, then std::bad_alloc; not called by nothrow\n");

  // an exception from the handler passes through brisk's frames
  std::set_new_handler(throwing_handler);
  bool caught = false;
  try {
    sink = ::operator new(opaque(huge));
  } catch (const Oops &) {
    caught = true;
  }
  std::set_new_handler(nullptr);
  CHECK(caught, "exception from the new handler not propagated");

  // a handler that frees memory: the retry succeeds (RLIMIT_AS)
  struct rlimit old;
  CHECK(getrlimit(RLIMIT_AS, &old) == 0, "getrlimit");
  if (old.rlim_cur == RLIM_INFINITY) {
    FILE *f = std::fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    CHECK(f && std::fscanf(f, "%lu", &pages) == 1, "statm");
    std::fclose(f);
    const std::size_t MiB = 1u << 20;
    reserve = ::operator new(256 * MiB);
    struct rlimit lim = old;
    lim.rlim_cur = pages * 4096ul + 256 * MiB + 128 * MiB;
    CHECK(setrlimit(RLIMIT_AS, &lim) == 0, "setrlimit");
    handler_calls = 0;
    std::set_new_handler(releasing_handler);
    void *p = nullptr;
    bool threw = throws_bad_alloc([&] { return p = ::operator new(200 * MiB); });
    std::set_new_handler(nullptr);
    CHECK(setrlimit(RLIMIT_AS, &old) == 0, "setrlimit restore");
    CHECK(!threw && p != nullptr, "new(200 MiB) failed after the handler freed 256 MiB");
    CHECK(handler_calls == 1, "releasing handler called %d times, want 1", handler_calls);
    ::operator delete(p, 200 * MiB);
    std::printf("new handler that frees a reserve under RLIMIT_AS: the retry succeeds\n");
  } else {
    std::printf("RLIMIT_AS already set: reserve-releasing handler check not run\n");
  }
}

static void check_threads() {
  std::vector<void *> blocks(20000);
  std::thread t([&] {
    for (std::size_t i = 0; i < blocks.size(); i++) blocks[i] = new char[i % 300 + 1];
  });
  t.join();
  for (std::size_t i = 0; i < blocks.size(); i++)
    ::operator delete[](blocks[i], i % 300 + 1);
  std::printf("cross-thread sized delete of 20000 blocks\n");
}

// ---------------------------------------------------------------- misuse
struct Small {
  char b[32];
};
static int misuse(const char *what) {
  if (!std::strcmp(what, "sized-small")) {
    // deleting through the wrong type: 4096 bytes claimed for a 32-byte block
    Small *s = new Small;
    std::printf("PTR=%p\n", static_cast<void *>(s));
    std::fflush(stdout);
    ::operator delete(s, 4096);
  } else if (!std::strcmp(what, "sized-array")) {
    char *s = new char[opaque(100)];
    std::printf("PTR=%p\n", static_cast<void *>(s));
    std::fflush(stdout);
    ::operator delete[](s, 100000);
  } else if (!std::strcmp(what, "double-delete")) {
    Small *s = new Small;
    std::printf("PTR=%p\n", static_cast<void *>(s));
    std::fflush(stdout);
    ::operator delete(s, sizeof(Small));
    ::operator delete(s, sizeof(Small));
  } else {
    std::fprintf(stderr, "unknown misuse %s\n", what);
    return 2;
  }
  return 0; // not reached when brisk catches it
}

int main(int argc, char **argv) {
  if (argc > 1) return misuse(argv[1]);
  check_resolution();
  check_forms();
  check_expressions();
  check_failures();
  check_threads();
  std::printf("cxx_ops: all checks passed\n");
  return 0;
}
