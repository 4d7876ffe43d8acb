/* SPDX-License-Identifier: MIT */
/* objects.h — numbered heap objects whose every byte is a function of
 * (index, offset, salt), for tests that move memory behind the program's
 * back (meshing): fill(i, salt) writes object i, verify(i, salt, when)
 * checks every byte of it.  Also stat_of(name), one of brisk's counters
 * by name (brisk_stats_value, looked up with dlsym: fails the test when
 * missing or unknown).  Define OBJECTS_N (the number of objects) before
 * including; include check.h first.
 */
#ifndef BRISK_TEST_OBJECTS_H
#define BRISK_TEST_OBJECTS_H

static unsigned char *obj[OBJECTS_N];
static unsigned short len[OBJECTS_N];

static unsigned char byte_of(long i, size_t k, unsigned salt) { return (unsigned char)(i * 7 + k * 13 + salt); }

__attribute__((unused)) static void fill(long i, unsigned salt) {
  for (size_t k = 0; k < len[i]; k++) obj[i][k] = byte_of(i, k, salt);
}

__attribute__((unused)) static void verify(long i, unsigned salt, const char *when) {
  for (size_t k = 0; k < len[i]; k++)
    CHECK(obj[i][k] == byte_of(i, k, salt), "%s: object %ld (%u B) byte %zu is %u, not %u", when, i,
          (unsigned)len[i], k, obj[i][k], byte_of(i, k, salt));
}

typedef int (*objects_value_fn)(const char *, uint64_t *);

/* NULL when not on brisk. */
__attribute__((unused)) static objects_value_fn stats_value_fn(void) {
  return (objects_value_fn)dlsym(RTLD_DEFAULT, "brisk_stats_value");
}

__attribute__((unused)) static uint64_t stat_of(const char *name) {
  objects_value_fn value = stats_value_fn();
  uint64_t v = 0;
  CHECK(value != NULL && value(name, &v) == 0, "brisk_stats_value(%s)", name);
  return v;
}

#endif
