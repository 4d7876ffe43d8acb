/* SPDX-License-Identifier: MIT */
/* unit_options — the BRISK_* option parser (core/options.c).
 *
 * brisk_options_init(env) over environ-style arrays: each known variable
 * sets its field (also at the bounds of its range); a bad value (junk,
 * empty, sign only, '+', spaces, below the minimum, above the maximum,
 * overflowing) keeps the value and prints exactly one line
 * "brisk: invalid value, default kept: <entry>"; an unknown BRISK_ name
 * (also a known name with a suffix or cut short) prints one line
 * "brisk: unknown option ignored: <entry>"; anything not starting with
 * "BRISK_" is ignored silently; the last of two settings wins; NULL env
 * does nothing.  stderr is captured through a temporary file.
 */
#include <string.h>
#include <unistd.h>

#include "unit.h"

static options_t defaults;
static int cap_fd, saved_fd;

static void capture_begin(void) {
  fflush(stderr);
  UCHECK(ftruncate(cap_fd, 0) == 0 && lseek(cap_fd, 0, SEEK_SET) == 0, "truncate");
  saved_fd = dup(2);
  dup2(cap_fd, 2);
}

static const char *capture_end(void) {
  static char buf[4096];
  fflush(stderr);
  dup2(saved_fd, 2);
  close(saved_fd);
  off_t n = lseek(cap_fd, 0, SEEK_END);
  UCHECK(n >= 0 && (size_t)n < sizeof buf, "captured %ld bytes", (long)n);
  UCHECK(pread(cap_fd, buf, (size_t)n, 0) == n, "pread");
  buf[n] = 0;
  return buf;
}

static unsigned lines(const char *s) {
  unsigned n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* Parse env from the defaults; return what was printed on stderr. */
static const char *parse(char **env) {
  brisk_options = defaults;
  capture_begin();
  brisk_options_init(env);
  return capture_end();
}

static bool same(const options_t *a, const options_t *b) {
  return a->purge_delay_ms == b->purge_delay_ms && a->dirty_max_kib == b->dirty_max_kib &&
         a->huge_cache_kib == b->huge_cache_kib && a->stats == b->stats;
}

/* One entry that must be rejected with "brisk: <why><entry>\n". */
static void rejected(const char *entry, const char *why) {
  char *env[] = {(char *)entry, NULL};
  const char *err = parse(env);
  char want[512];
  snprintf(want, sizeof want, "brisk: %s%s\n", why, entry);
  UCHECK(strcmp(err, want) == 0, "%s: stderr \"%s\", want \"%s\"", entry, err, want);
  UCHECK(same(&brisk_options, &defaults), "%s changed an option", entry);
}

static void accepted(const char *entry, long *field, long want) {
  char *env[] = {(char *)entry, NULL};
  const char *err = parse(env);
  UCHECK(err[0] == 0, "%s: unexpected warning \"%s\"", entry, err);
  UCHECK(*field == want, "%s: value %ld, want %ld", entry, *field, want);
}

#define INVALID "invalid value, default kept: "
#define UNKNOWN "unknown option ignored: "

int main(void) {
  FILE *f = tmpfile();
  UCHECK(f != NULL, "tmpfile");
  cap_fd = fileno(f);
  /* The constructor already read the real environment; start from the
   * documented defaults whatever it held. */
  defaults = (options_t){.purge_delay_ms = 50, .dirty_max_kib = 32 * 1024,
                         .huge_cache_kib = 64 * 1024, .stats = 0};

  /* ---- valid values */
  accepted("BRISK_PURGE_DELAY_MS=10", &brisk_options.purge_delay_ms, 10);
  accepted("BRISK_PURGE_DELAY_MS=0", &brisk_options.purge_delay_ms, 0);
  accepted("BRISK_PURGE_DELAY_MS=3600000", &brisk_options.purge_delay_ms, 3600000);
  accepted("BRISK_DIRTY_MAX_KIB=0", &brisk_options.dirty_max_kib, 0);
  accepted("BRISK_DIRTY_MAX_KIB=1073741824", &brisk_options.dirty_max_kib, 1L << 30);
  accepted("BRISK_HUGE_CACHE_KIB=1024", &brisk_options.huge_cache_kib, 1024);
  accepted("BRISK_HUGE_CACHE_KIB=007", &brisk_options.huge_cache_kib, 7); /* leading zeros */
  accepted("BRISK_STATS=1", &brisk_options.stats, 1);
  accepted("BRISK_STATS=0", &brisk_options.stats, 0);

  /* several at once, others untouched */
  char *multi[] = {"BRISK_PURGE_DELAY_MS=5", "HOME=/root", "BRISK_HUGE_CACHE_KIB=2048", NULL};
  const char *err = parse(multi);
  UCHECK(err[0] == 0, "multi: warning \"%s\"", err);
  UCHECK(brisk_options.purge_delay_ms == 5 && brisk_options.huge_cache_kib == 2048 &&
             brisk_options.dirty_max_kib == defaults.dirty_max_kib && brisk_options.stats == 0,
         "multi: %ld %ld %ld %ld", brisk_options.purge_delay_ms, brisk_options.dirty_max_kib,
         brisk_options.huge_cache_kib, brisk_options.stats);
  /* the last setting wins */
  char *twice[] = {"BRISK_STATS=1", "BRISK_STATS=0", "BRISK_PURGE_DELAY_MS=7",
                   "BRISK_PURGE_DELAY_MS=8", NULL};
  err = parse(twice);
  UCHECK(err[0] == 0 && brisk_options.stats == 0 && brisk_options.purge_delay_ms == 8,
         "twice: stats %ld delay %ld \"%s\"", brisk_options.stats, brisk_options.purge_delay_ms, err);

  /* ---- bad values: one warning, value kept */
  rejected("BRISK_PURGE_DELAY_MS=abc", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=-", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=-5", INVALID); /* below min 0 */
  rejected("BRISK_PURGE_DELAY_MS=-1", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=+5", INVALID);
  rejected("BRISK_PURGE_DELAY_MS= 5", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=5 ", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=12ms", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=0x10", INVALID);
  rejected("BRISK_PURGE_DELAY_MS=3600001", INVALID); /* above max */
  rejected("BRISK_PURGE_DELAY_MS=99999999999999999999999", INVALID); /* overflows a long */
  rejected("BRISK_PURGE_DELAY_MS=-99999999999999999999999", INVALID);
  rejected("BRISK_DIRTY_MAX_KIB=1073741825", INVALID);
  rejected("BRISK_HUGE_CACHE_KIB=-1", INVALID);
  rejected("BRISK_STATS=2", INVALID);
  rejected("BRISK_STATS=yes", INVALID);

  /* ---- unknown BRISK_ names */
  rejected("BRISK_FOO=1", UNKNOWN);
  rejected("BRISK_=1", UNKNOWN);
  rejected("BRISK_STATSX=1", UNKNOWN);       /* a known name plus a suffix */
  rejected("BRISK_STAT=1", UNKNOWN);         /* a known name cut short */
  rejected("BRISK_purge_delay_ms=1", UNKNOWN); /* names are case-sensitive */

  /* ---- not brisk's: ignored silently */
  char *others[] = {"PATH=/usr/bin", "BRISK=1", "BRISKY=1", "XBRISK_STATS=1", "brisk_stats=1",
                    "B=1", "BR", "", "BRISKSTATS=1", NULL};
  err = parse(others);
  UCHECK(err[0] == 0, "non-BRISK_ variables warned: \"%s\"", err);
  UCHECK(same(&brisk_options, &defaults), "non-BRISK_ variables changed an option");

  /* ---- a mix: one line per bad entry, good ones applied */
  char *mix[] = {"BRISK_FOO=1", "BRISK_PURGE_DELAY_MS=abc", "BRISK_STATS=1", "LANG=C",
                 "BRISK_DIRTY_MAX_KIB=64", NULL};
  err = parse(mix);
  UCHECK(lines(err) == 2, "mix: %u lines: \"%s\"", lines(err), err);
  UCHECK(strncmp(err, "brisk: ", 7) == 0 && strstr(err, "\nbrisk: ") != NULL,
         "mix: lines do not start with \"brisk: \": \"%s\"", err);
  UCHECK(strstr(err, "BRISK_FOO=1\n") && strstr(err, "BRISK_PURGE_DELAY_MS=abc\n"), "mix: \"%s\"", err);
  UCHECK(brisk_options.stats == 1 && brisk_options.dirty_max_kib == 64 &&
             brisk_options.purge_delay_ms == defaults.purge_delay_ms,
         "mix: stats %ld dirty %ld delay %ld", brisk_options.stats, brisk_options.dirty_max_kib,
         brisk_options.purge_delay_ms);

  /* ---- NULL and empty environments */
  err = parse(NULL);
  UCHECK(err[0] == 0 && same(&brisk_options, &defaults), "NULL env");
  char *empty[] = {NULL};
  err = parse(empty);
  UCHECK(err[0] == 0 && same(&brisk_options, &defaults), "empty env");

  brisk_options = defaults;
  return 0;
}
