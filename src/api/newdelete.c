/* SPDX-License-Identifier: MIT */
/* api/newdelete.c — the replaceable global C++ operators new and delete,
 * every form (plain, array, nothrow, sized, aligned, sized + aligned),
 * written in C under their Itanium-ABI mangled names so that libbrisk
 * needs no C++ compiler and no libstdc++.  Exported only by the
 * overriding builds (BRISK_OVERRIDE=1), like malloc itself.
 *
 * new: the malloc fast path inlined (core/fast.h); aligned forms go to
 * brisk_alloc_aligned when the alignment exceeds 16.  new(0) returns a
 * unique block, as malloc(0) does.
 * Failure, as [new.delete.single] requires of the throwing forms: while
 * std::get_new_handler() is non-null, call the handler and retry; when it
 * is null, throw std::bad_alloc.  libbrisk.so reaches libstdc++ through
 * weak references (std::get_new_handler, std::__throw_bad_alloc): present
 * in every C++ program, absent in C ones, which never call these
 * operators.  libbrisk.a's copy of this file (BRISK_NEWDELETE_STRONG=1,
 * see the Makefile) names them strongly instead: an archive member is
 * linked only into a program that uses new or delete, which links
 * libstdc++, and a static link takes a member of libstdc++.a only for a
 * strong reference.  Where libstdc++ is missing all the same (libbrisk.so
 * in a C program that dlopens C++ code later), a throwing new that cannot
 * allocate prints one "brisk:" line and aborts.
 * The nothrow forms return NULL once brisk itself has failed (it gives its
 * cached memory back and retries before that) without calling the new
 * handler: a handler usually throws std::bad_alloc, which C code cannot
 * catch, and that exception would then escape a noexcept function.
 * An alignment that is not a power of two is a failure (C++ leaves it
 * undefined).
 *
 * delete: the free fast path; NULL is a no-op.  Sized delete is checked:
 * the block must be live (a double or invalid delete aborts as free does)
 * and the size the program passes must not exceed the block's usable size
 * counted from the pointer — a larger size means the program deletes
 * through the wrong type or the wrong pointer, and brisk aborts with
 * "brisk: sized delete: size does not match the block (pointer 0x...)".
 * A smaller size is accepted: size classes round requests up, so usable
 * size alone cannot tell a too-small size from a correct one — except in
 * the hardened build (BRISK_SIZED_FREE_CHECK with canaries), which knows
 * every block's requested size and requires it exactly.
 * Every form reaches the allocator through api/entry.h.
 * The alignment passed to an aligned delete is not needed (any brisk
 * pointer is freed by address) and is not checked.
 */
#include "config.h"

#if BRISK_OVERRIDE

#include <stddef.h>

#include "api/entry.h"
#include "observe/output.h"

#ifndef BRISK_NEWDELETE_STRONG
#define BRISK_NEWDELETE_STRONG 0
#endif

/* libstdc++: std::get_new_handler() and std::__throw_bad_alloc(). */
typedef void (*new_handler_t)(void);
#if BRISK_NEWDELETE_STRONG
extern new_handler_t _ZSt15get_new_handlerv(void);
extern _Noreturn void _ZSt17__throw_bad_allocv(void);
static inline new_handler_t get_new_handler(void) { return _ZSt15get_new_handlerv(); }
static NOINLINE _Noreturn void throw_bad_alloc(void) { _ZSt17__throw_bad_allocv(); }
#else
extern new_handler_t _ZSt15get_new_handlerv(void) __attribute__((weak));
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));
static inline new_handler_t get_new_handler(void) {
  return _ZSt15get_new_handlerv != NULL ? _ZSt15get_new_handlerv() : NULL;
}
/* Throws std::bad_alloc; aborts with one line when libstdc++ is absent. */
static NOINLINE _Noreturn void throw_bad_alloc(void) {
  if (_ZSt17__throw_bad_allocv != NULL) _ZSt17__throw_bad_allocv();
  brisk_output_fatal("operator new: out of memory, and no libstdc++ to throw std::bad_alloc", NULL);
}
#endif

static inline bool is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* The throwing forms' failure path: the new-handler loop. */
static NOINLINE void *new_failed(size_t size, size_t align) {
  if (!is_pow2(align)) throw_bad_alloc();
  for (;;) {
    new_handler_t h = get_new_handler();
    if (h == NULL) throw_bad_alloc();
    h();
    void *p = entry_malloc_aligned(size, align);
    if (p != NULL) return p;
  }
}

static ALWAYS_INLINE void *new_plain(size_t size) {
  void *p = entry_malloc(size);
  if (likely(p != NULL)) return p;
  return new_failed(size, BRISK_ALIGN);
}

static ALWAYS_INLINE void *new_aligned(size_t size, size_t align) {
  void *p = is_pow2(align) ? entry_malloc_aligned(size, align) : NULL;
  if (likely(p != NULL)) return p;
  return new_failed(size, align);
}

static ALWAYS_INLINE void *new_aligned_nothrow(size_t size, size_t align) {
  return is_pow2(align) ? entry_malloc_aligned(size, align) : NULL;
}

/* Sized delete: live block, size within its usable bytes (see above). */
static NOINLINE void delete_sized_slow(void *p, size_t size) {
  if (size > brisk_free_usable_checked(p, "sized delete: invalid pointer"))
    brisk_output_fatal("sized delete: size does not match the block", p);
  fast_free(p);
}

/* The common case costs one compare more than free: a block the calling
 * thread owns (or may keep in its foreign cache) on a one-slice page
 * (core/fast.h, fast_free_page), whose usable size is then the page's
 * block size.  Everything else (large and huge blocks, bad pointers, a
 * size above the block size) takes the checked lookup. */
static ALWAYS_INLINE void delete_sized(void *p, size_t size) {
  if (BRISK_HARDEN_PATHS) {
    brisk_harden_free_sized(p, size, "sized delete");
    return;
  }
  heap_t *heap = brisk_heap_tls;
  segment_t *seg;
  page_t *page = fast_free_page(p, &seg);
  if (likely(page != NULL && size <= page->block_size)) {
    fast_free_valid(heap, seg, page, p);
    return;
  }
  if (p == NULL) return;
  delete_sized_slow(p, size);
}

/* std::nothrow_t and std::align_val_t as the ABI passes them. */
typedef struct nothrow_s nothrow_t;
typedef size_t align_val_t;

#define NEW_API BRISK_API __attribute__((malloc, alloc_size(1)))

/* operator new / new[] (size_t) */
NEW_API void *_Znwm(size_t n);
NEW_API void *_Znwm(size_t n) { return new_plain(n); }
NEW_API void *_Znam(size_t n);
NEW_API void *_Znam(size_t n) { return new_plain(n); }
/* (size_t, const std::nothrow_t&) */
NEW_API void *_ZnwmRKSt9nothrow_t(size_t n, const nothrow_t *t);
NEW_API void *_ZnwmRKSt9nothrow_t(size_t n, const nothrow_t *t) { (void)t; return entry_malloc(n); }
NEW_API void *_ZnamRKSt9nothrow_t(size_t n, const nothrow_t *t);
NEW_API void *_ZnamRKSt9nothrow_t(size_t n, const nothrow_t *t) { (void)t; return entry_malloc(n); }
/* (size_t, std::align_val_t) */
NEW_API void *_ZnwmSt11align_val_t(size_t n, align_val_t a);
NEW_API void *_ZnwmSt11align_val_t(size_t n, align_val_t a) { return new_aligned(n, a); }
NEW_API void *_ZnamSt11align_val_t(size_t n, align_val_t a);
NEW_API void *_ZnamSt11align_val_t(size_t n, align_val_t a) { return new_aligned(n, a); }
/* (size_t, std::align_val_t, const std::nothrow_t&) */
NEW_API void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, align_val_t a, const nothrow_t *t);
NEW_API void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, align_val_t a, const nothrow_t *t) {
  (void)t;
  return new_aligned_nothrow(n, a);
}
NEW_API void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, align_val_t a, const nothrow_t *t);
NEW_API void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, align_val_t a, const nothrow_t *t) {
  (void)t;
  return new_aligned_nothrow(n, a);
}

/* operator delete / delete[] (void*) */
BRISK_API void _ZdlPv(void *p);
BRISK_API void _ZdlPv(void *p) { entry_free(p); }
BRISK_API void _ZdaPv(void *p);
BRISK_API void _ZdaPv(void *p) { entry_free(p); }
/* (void*, size_t) */
BRISK_API void _ZdlPvm(void *p, size_t n);
BRISK_API void _ZdlPvm(void *p, size_t n) { delete_sized(p, n); }
BRISK_API void _ZdaPvm(void *p, size_t n);
BRISK_API void _ZdaPvm(void *p, size_t n) { delete_sized(p, n); }
/* (void*, const std::nothrow_t&) */
BRISK_API void _ZdlPvRKSt9nothrow_t(void *p, const nothrow_t *t);
BRISK_API void _ZdlPvRKSt9nothrow_t(void *p, const nothrow_t *t) { (void)t; entry_free(p); }
BRISK_API void _ZdaPvRKSt9nothrow_t(void *p, const nothrow_t *t);
BRISK_API void _ZdaPvRKSt9nothrow_t(void *p, const nothrow_t *t) { (void)t; entry_free(p); }
/* (void*, std::align_val_t) */
BRISK_API void _ZdlPvSt11align_val_t(void *p, align_val_t a);
BRISK_API void _ZdlPvSt11align_val_t(void *p, align_val_t a) { (void)a; entry_free(p); }
BRISK_API void _ZdaPvSt11align_val_t(void *p, align_val_t a);
BRISK_API void _ZdaPvSt11align_val_t(void *p, align_val_t a) { (void)a; entry_free(p); }
/* (void*, size_t, std::align_val_t) */
BRISK_API void _ZdlPvmSt11align_val_t(void *p, size_t n, align_val_t a);
BRISK_API void _ZdlPvmSt11align_val_t(void *p, size_t n, align_val_t a) { (void)a; delete_sized(p, n); }
BRISK_API void _ZdaPvmSt11align_val_t(void *p, size_t n, align_val_t a);
BRISK_API void _ZdaPvmSt11align_val_t(void *p, size_t n, align_val_t a) { (void)a; delete_sized(p, n); }
/* (void*, std::align_val_t, const std::nothrow_t&) */
BRISK_API void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, align_val_t a, const nothrow_t *t);
BRISK_API void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, align_val_t a, const nothrow_t *t) {
  (void)a;
  (void)t;
  entry_free(p);
}
BRISK_API void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, align_val_t a, const nothrow_t *t);
BRISK_API void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, align_val_t a, const nothrow_t *t) {
  (void)a;
  (void)t;
  entry_free(p);
}

#endif /* BRISK_OVERRIDE */
