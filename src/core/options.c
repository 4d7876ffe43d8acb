/* SPDX-License-Identifier: MIT */
/* core/options.c — runtime options, one table, read once from `environ`.
 *
 * Each option `name` is set by the environment variable BRISK_<NAME>
 * (docs/tuning.md lists them).  Values are decimal integers; -1 means
 * "never"/"unlimited" where documented.  A misspelt BRISK_ variable or a
 * bad value prints one warning line and keeps the default.
 * Reading happens in the library constructor, without allocating (no
 * getenv: it is not safe before libc is fully initialised).  Until then
 * the static defaults apply.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/options.h"
#include "observe/output.h"
#include "safety/ro.h"

/* BRISK_RO_GLOBALS: read-only once the constructor has read them. */
options_t brisk_options BRISK_RO_DATA = {
    .purge_delay_ms = 50,
    .dirty_max_kib = 32 * 1024,
    .huge_cache_kib = 64 * 1024,
    .huge_thp_min_kib = -1,
    .stats = 0,
    .guard_sample = 0,
    .guard_slots = 256,
};

typedef struct option_desc_s {
  const char *env; /* full variable name */
  long *value;
  long min, max;
} option_desc_t;

static const option_desc_t table[] = {
    {"BRISK_PURGE_DELAY_MS", &brisk_options.purge_delay_ms, 0, 3600000},
    {"BRISK_DIRTY_MAX_KIB", &brisk_options.dirty_max_kib, 0, 1L << 30},
    {"BRISK_HUGE_CACHE_KIB", &brisk_options.huge_cache_kib, 0, 1L << 30},
    {"BRISK_HUGE_THP_MIN_KIB", &brisk_options.huge_thp_min_kib, -1, 1L << 30},
    {"BRISK_STATS", &brisk_options.stats, 0, 1},
    {"BRISK_GUARD_SAMPLE", &brisk_options.guard_sample, 0, 1L << 30},
    {"BRISK_GUARD_SLOTS", &brisk_options.guard_slots, 1, 16384},
};

/* Parse a decimal long; false on junk or overflow. */
static bool parse_long(const char *s, long *out) {
  bool neg = false;
  if (*s == '-') {
    neg = true;
    s++;
  }
  if (*s == 0) return false;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (1L << 52)) return false;
    v = v * 10 + (*s - '0');
  }
  *out = neg ? -v : v;
  return true;
}

/* If `entry` is "NAME=value", return value; else NULL. */
static const char *match(const char *entry, const char *name) {
  while (*name && *entry == *name) {
    entry++;
    name++;
  }
  return (*name == 0 && *entry == '=') ? entry + 1 : NULL;
}

void brisk_options_init(char **env) {
  if (env == NULL) return;
  for (char **e = env; *e != NULL; e++) {
    if ((*e)[0] != 'B' || match(*e, "BRISK") != NULL) continue;
    const char *s = *e;
    if (!(s[0] == 'B' && s[1] == 'R' && s[2] == 'I' && s[3] == 'S' && s[4] == 'K' && s[5] == '_'))
      continue;
    bool known = false;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
      const char *v = match(s, table[i].env);
      if (v == NULL) continue;
      known = true;
      long x;
      if (parse_long(v, &x) && x >= table[i].min && x <= table[i].max)
        *table[i].value = x;
      else
        brisk_output_warn("invalid value, default kept: ", s);
    }
    if (!known) brisk_output_warn("unknown option ignored: ", s);
  }
}
