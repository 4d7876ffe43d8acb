/* SPDX-License-Identifier: MIT */
/* core/options.c — runtime options, one table, read once from `environ`.
 *
 * Each option `name` is set by the environment variable BRISK_<NAME>
 * (docs/tuning.md lists them), or inside the one variable
 * BRISK_OPTIONS="name=value,name=value" (the name without BRISK_, any
 * case); a separate BRISK_<NAME> wins over the list.  Values are decimal
 * integers; -1 means "never"/"unlimited" where documented; stats_file
 * and trace_file take a path.  A misspelt name or a bad value prints one warning line
 * and keeps the value it had (the default, or the list's); the rest is
 * still read.
 * Reading happens in the library constructor, without allocating (no
 * getenv: it is not safe before libc is fully initialised; the list is cut
 * into items in a fixed buffer on the stack).  Until then the static
 * defaults apply.
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
    .stats_file = "",
    .trace_file = "",
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
    {"BRISK_TRACE_SYSCALLS", &brisk_options.trace_syscalls, 0, 1},
    {"BRISK_GUARD_SAMPLE", &brisk_options.guard_sample, 0, 1L << 30},
    {"BRISK_GUARD_SLOTS", &brisk_options.guard_slots, 1, 16384},
    {"BRISK_MESH", &brisk_options.mesh, 0, 1},
    {"BRISK_TRACE_STACKS", &brisk_options.trace_stacks, 0, 1},
    {"BRISK_TRACE_ROOT", &brisk_options.trace_root, 0, 1L << 31},
};

/* Options that take a path. */
typedef struct option_path_s {
  const char *name; /* without BRISK_ */
  char *buf;
  size_t cap;
} option_path_t;

static const option_path_t paths[] = {
    {"STATS_FILE", brisk_options.stats_file, sizeof brisk_options.stats_file},
    {"TRACE_FILE", brisk_options.trace_file, sizeof brisk_options.trace_file},
};

#define PREFIX_LEN 6 /* "BRISK_" */
#define LIST "OPTIONS"

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

static char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

/* Is name[0, len) the upper-case `want` (case-insensitive when fold)? */
static bool name_is(const char *name, size_t len, const char *want, bool fold) {
  for (size_t i = 0; i < len; i++, want++)
    if (*want == 0 || (fold ? upper(name[i]) : name[i]) != *want) return false;
  return *want == 0;
}

/* Set option name[0, len) (without BRISK_) to value (NULL: none given);
 * `shown` names the setting in a warning. */
static void set_option(const char *name, size_t len, const char *value, bool fold,
                       const char *shown) {
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    if (!name_is(name, len, paths[i].name, fold)) continue;
    size_t n = 0;
    while (value != NULL && value[n] != 0) n++;
    if (value == NULL || n >= paths[i].cap) {
      brisk_output_warn("invalid value, default kept: ", shown);
      return;
    }
    for (size_t k = 0; k <= n; k++) paths[i].buf[k] = value[k];
    return;
  }
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (!name_is(name, len, table[i].env + PREFIX_LEN, fold)) continue;
    long x;
    if (value != NULL && parse_long(value, &x) && x >= table[i].min && x <= table[i].max)
      *table[i].value = x;
    else
      brisk_output_warn("invalid value, default kept: ", shown);
    return;
  }
  brisk_output_warn("unknown option ignored: ", shown);
}

/* Copy src (up to its end or `stop`) to dst[cap]; returns the length
 * copied; stops one short of cap (dst stays a string). */
static size_t copy(char *dst, size_t cap, const char *src, char stop) {
  size_t n = 0;
  while (n + 1 < cap && src[n] != 0 && src[n] != stop) {
    dst[n] = src[n];
    n++;
  }
  dst[n] = 0;
  return n;
}

/* BRISK_OPTIONS: "name=value,name=value"; items are separated by commas,
 * blanks around them and empty items are ignored. */
static void read_list(const char *s) {
  char item[320];                      /* one item, NUL-terminated */
  char shown[sizeof item + 32];        /* "item (in BRISK_OPTIONS)" */
  static const char where[] = " (in BRISK_OPTIONS)";
  while (*s) {
    while (*s == ',' || *s == ' ' || *s == '\t') s++;
    if (*s == 0) break;
    size_t n = copy(item, sizeof item, s, ',');
    bool too_long = s[n] != 0 && s[n] != ',';
    while (s[n] != 0 && s[n] != ',') n++;
    s += n;
    size_t len = 0;
    while (item[len]) len++;
    while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t')) item[--len] = 0;
    size_t k = copy(shown, sizeof shown, item, 0);
    copy(shown + k, sizeof shown - k, where, 0);
    size_t eq = 0;
    while (item[eq] != 0 && item[eq] != '=') eq++;
    if (too_long) {
      brisk_output_warn("invalid value, default kept: ", shown);
      continue;
    }
    set_option(item, eq, item[eq] == '=' ? item + eq + 1 : NULL, true, shown);
  }
}

static bool is_brisk_var(const char *s) {
  return s[0] == 'B' && s[1] == 'R' && s[2] == 'I' && s[3] == 'S' && s[4] == 'K' && s[5] == '_';
}

void brisk_options_init(char **env) {
  if (env == NULL) return;
  /* The list first: a separate variable, read after it, wins. */
  for (char **e = env; *e != NULL; e++) {
    const char *s = *e;
    if (!is_brisk_var(s)) continue;
    size_t len = 0;
    while (s[PREFIX_LEN + len] != 0 && s[PREFIX_LEN + len] != '=') len++;
    if (s[PREFIX_LEN + len] == '=' && name_is(s + PREFIX_LEN, len, LIST, false)) {
      read_list(s + PREFIX_LEN + len + 1);
      break; /* the first one, as getenv would */
    }
  }
  for (char **e = env; *e != NULL; e++) {
    const char *s = *e;
    if (!is_brisk_var(s)) continue;
    size_t len = 0;
    while (s[PREFIX_LEN + len] != 0 && s[PREFIX_LEN + len] != '=') len++;
    if (s[PREFIX_LEN + len] != '=') continue; /* not NAME=value */
    if (name_is(s + PREFIX_LEN, len, LIST, false)) continue;
    set_option(s + PREFIX_LEN, len, s + PREFIX_LEN + len + 1, false, s);
  }
}
