/* SPDX-License-Identifier: MIT */
/* test/region/badinput.c — bad input: EINVAL and ENOMEM cases, attach of
 * memory that holds no region (and of a region with a damaged header),
 * brisk_region_check reporting damage (EUCLEAN) without aborting. */
#include "heaps/region.h" /* to damage the index on purpose */
#include "rt.h"

#define LEN (256u << 10)

static void t_init(char *mem) {
  errno = 0;
  CHECK(brisk_region_init(NULL, LEN, 0) == NULL && errno == EINVAL);
  errno = 0;
  CHECK(brisk_region_init(mem + 8, LEN - 8, 0) == NULL && errno == EINVAL);
  errno = 0;
  CHECK(brisk_region_init(mem, BRISK_REGION_MIN_SIZE - 1, 0) == NULL && errno == EINVAL);
  errno = 0;
  CHECK(brisk_region_init(mem, LEN, 2) == NULL && errno == EINVAL);
  CHECK(brisk_region_init(mem, BRISK_REGION_MIN_SIZE, 0) == (void *)mem);
  CHECK_CLEAN((brisk_region_t *)mem);
  CHECK(brisk_region_init(mem + 16, LEN - 16, BRISK_REGION_SHARED) == (void *)(mem + 16));
  CHECK_CLEAN((brisk_region_t *)(mem + 16));
}

static void t_attach(char *mem) {
  memset(mem, 0, LEN);
  errno = 0;
  CHECK(brisk_region_attach(mem) == NULL && errno == EINVAL);
  uint64_t x = 42;
  for (size_t i = 0; i < LEN; i++) mem[i] = (char)rt_rand(&x);
  CHECK(brisk_region_attach(mem) == NULL);
  CHECK(brisk_region_attach(NULL) == NULL && brisk_region_attach(mem + 4) == NULL);
  CHECK(brisk_region_check(NULL) == EINVAL && brisk_region_check((brisk_region_t *)mem) == EINVAL);
  brisk_region_t *r = brisk_region_init(mem, LEN, BRISK_REGION_SHARED);
  CHECK(brisk_region_attach(mem) == r);
  /* each byte of the immutable header is covered */
  for (size_t i = 0; i < offsetof(region_t, lock); i++) {
    mem[i] ^= 0x10;
    errno = 0;
    CHECK(brisk_region_attach(mem) == NULL && errno == EINVAL);
    CHECK(brisk_region_check(r) == EINVAL);
    mem[i] ^= 0x10;
  }
  CHECK(brisk_region_attach(mem) == r);
  CHECK_CLEAN(r);
}

static void t_alloc(char *mem) {
  brisk_region_t *r = brisk_region_init(mem, LEN, 0);
  errno = 0;
  CHECK(brisk_region_malloc(NULL, 8) == NULL && errno == EINVAL);
  errno = 0;
  CHECK(brisk_region_malloc(r, SIZE_MAX) == NULL && errno == ENOMEM);
  errno = 0;
  CHECK(brisk_region_malloc(r, LEN) == NULL && errno == ENOMEM);
  errno = 0;
  CHECK(brisk_region_calloc(r, SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
  errno = 0;
  CHECK(brisk_region_aligned_alloc(r, 48, 8) == NULL && errno == EINVAL);
  errno = 0;
  CHECK(brisk_region_aligned_alloc(r, (size_t)1 << 62, 8) == NULL && errno == ENOMEM);
  errno = 0;
  CHECK(brisk_region_aligned_alloc(r, 4096, SIZE_MAX - 100) == NULL && errno == ENOMEM);
  int n = 0;
  while (brisk_region_malloc(r, 1000) != NULL) n++;
  CHECK(errno == ENOMEM && n > 200);
  while (brisk_region_malloc(r, 1) != NULL) n++;
  errno = 0;
  CHECK(brisk_region_malloc(r, 0) == NULL && errno == ENOMEM);
  CHECK(rt_stats(r).free_blocks == 0);
  CHECK_CLEAN(r);
  CHECK(brisk_region_stats(r, NULL) == EINVAL && brisk_region_stats(NULL, NULL) == EINVAL);
}

/* brisk_region_check finds damage of each kind and reports EUCLEAN */
static void t_check_damage(char *mem) {
  brisk_region_t *r = brisk_region_init(mem, LEN, 0);
  char *a = brisk_region_malloc(r, 100), *b = brisk_region_malloc(r, 100),
       *c = brisk_region_malloc(r, 100);
  brisk_region_free(r, b); /* a free block between two in use */
  CHECK_CLEAN(r);
  region_t *h = (region_t *)r;
  uint64_t *w;
#define DAMAGE(ptr)                         \
  do {                                      \
    w = (uint64_t *)(ptr);                  \
    *w ^= 0x100;                            \
    CHECK(brisk_region_check(r) == EUCLEAN); \
    *w ^= 0x100;                            \
    CHECK_CLEAN(r);                         \
  } while (0)
  DAMAGE(b - 16);         /* a free block's size */
  DAMAGE(b - 8);          /* its check value */
  DAMAGE(b + 112 - 8);    /* its footer */
  DAMAGE(b);              /* its next link */
  DAMAGE(c - 16);         /* an in-use block's header */
  DAMAGE(&h->used_bytes); /* a counter */
  DAMAGE(&h->fl_bitmap);  /* the first-level bitmap */
  DAMAGE(&h->sl_bitmap[0]);
  DAMAGE(&h->heads[0][8]); /* the list head of b (128 bytes) */
  (void)a;
}

int main(void) {
  char *mem = rt_map(LEN);
  t_init(mem);
  t_attach(mem);
  t_alloc(mem);
  t_check_damage(mem);
  return 0;
}
