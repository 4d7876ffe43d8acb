/* SPDX-License-Identifier: MIT */
/* unit_output — the allocation-free formatter (observe/output.h).
 *
 * brisk_output_u64/hex/size/pad/str into an outbuf_t whose fd is a temporary
 * file, checked byte for byte after brisk_output_flush: decimal and hex
 * extremes, sizes in B/KiB/MiB/GiB/TiB with one (truncated) decimal,
 * padding to a column (also after a newline, and never backwards), strings
 * longer than the 1024-byte buffer (flushed in order, nothing lost or
 * doubled), flush of an empty buffer; brisk_output_warn's one line on stderr;
 * brisk_output_fatal and brisk_output_double_free print their line and die of SIGABRT
 * (in a forked child).
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

static int tmp_fd(void) {
  FILE *f = tmpfile();
  UCHECK(f != NULL, "tmpfile");
  return dup(fileno(f)); /* the FILE (and its fd) is leaked on purpose: tiny */
}

/* Read back everything written to fd since the last call and reset it. */
static char *take(int fd, size_t *len) {
  static char buf[16384];
  off_t end = lseek(fd, 0, SEEK_END);
  UCHECK(end >= 0 && (size_t)end < sizeof buf, "output size %ld", (long)end);
  UCHECK(pread(fd, buf, (size_t)end, 0) == end, "pread");
  buf[end] = 0;
  UCHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0, "truncate");
  if (len) *len = (size_t)end;
  return buf;
}

static int fd;

static void expect(outbuf_t *o, const char *want, const char *what) {
  brisk_output_flush(o);
  UCHECK(o->len == 0, "%s: len %zu after flush", what, o->len);
  size_t n;
  const char *got = take(fd, &n);
  UCHECK(n == strlen(want) && memcmp(got, want, n) == 0, "%s: got \"%s\", want \"%s\"", what, got,
         want);
  o->col = 0; /* each case is checked as a line of its own */
}

static void size_is(uint64_t bytes, const char *want) {
  outbuf_t o = {.fd = fd};
  brisk_output_size(&o, bytes);
  char what[64];
  snprintf(what, sizeof what, "size %llu", (unsigned long long)bytes);
  expect(&o, want, what);
}

/* Run fn in a child with stderr on a temp file; expect SIGABRT and `want`. */
static void dies_with(void (*fn)(void), const char *want) {
  int efd = tmp_fd();
  fflush(NULL);
  pid_t pid = fork();
  UCHECK(pid >= 0, "fork");
  if (pid == 0) {
    dup2(efd, 2);
    fn();
    _exit(0); /* not reached */
  }
  int st;
  UCHECK(waitpid(pid, &st, 0) == pid, "waitpid");
  UCHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "child status %#x, want SIGABRT", st);
  const char *got = take(efd, NULL);
  UCHECK(strcmp(got, want) == 0, "fatal line \"%s\", want \"%s\"", got, want);
  close(efd);
}

static void fatal_ptr(void) { brisk_output_fatal("something broke", (void *)(uintptr_t)0x1234abcd); }
static void fatal_null(void) { brisk_output_fatal("no pointer here", NULL); }
static void dfree(void) { brisk_output_double_free((void *)(uintptr_t)0x7f0000001000); }

int main(void) {
  fd = tmp_fd();

  /* ---- decimal */
  outbuf_t o = {.fd = fd};
  brisk_output_u64(&o, 0);
  expect(&o, "0", "u64 0");
  brisk_output_u64(&o, 7);
  brisk_output_str(&o, " ");
  brisk_output_u64(&o, 1234567890);
  expect(&o, "7 1234567890", "u64 small");
  brisk_output_u64(&o, UINT64_MAX);
  expect(&o, "18446744073709551615", "u64 max");

  /* ---- hex */
  brisk_output_hex(&o, 0);
  expect(&o, "0x0", "hex 0");
  brisk_output_hex(&o, 255);
  expect(&o, "0xff", "hex 255");
  brisk_output_hex(&o, 0x7f00deadbeefULL);
  expect(&o, "0x7f00deadbeef", "hex pointer");
  brisk_output_hex(&o, UINT64_MAX);
  expect(&o, "0xffffffffffffffff", "hex max");

  /* ---- sizes: one decimal, truncated (not rounded) */
  size_is(0, "0 B");
  size_is(1, "1 B");
  size_is(812, "812 B");
  size_is(1023, "1023 B");
  size_is(1024, "1.0 KiB");
  size_is(1536, "1.5 KiB");
  size_is(1048575, "1023.9 KiB"); /* truncated: never "1024.0 KiB" */
  size_is(1048576, "1.0 MiB");
  size_is(1572864, "1.5 MiB");
  size_is((uint64_t)3 << 29, "1.5 GiB");
  size_is((uint64_t)9 << 28, "2.2 GiB"); /* 2.25 GiB: one decimal, truncated */
  size_is((uint64_t)1 << 40, "1.0 TiB");
  size_is((uint64_t)1 << 50, "1024.0 TiB"); /* no unit above TiB */
  size_is(UINT64_MAX, "16777215.9 TiB");

  /* ---- padding */
  brisk_output_str(&o, "abc");
  brisk_output_pad(&o, 10);
  brisk_output_str(&o, "|");
  expect(&o, "abc       |", "pad to 10");
  { /* a line that crosses a buffer flush still pads to its own column */
    static char want[1100], filler[1020];
    memset(filler, 'x', sizeof filler - 2);
    filler[sizeof filler - 2] = '\n';
    filler[sizeof filler - 1] = 0;
    brisk_output_str(&o, filler);
    brisk_output_str(&o, "abcdef");
    brisk_output_pad(&o, 10);
    brisk_output_str(&o, "|");
    snprintf(want, sizeof want, "%sabcdef    |", filler);
    expect(&o, want, "pad across a flush");
  }
  brisk_output_str(&o, "abcdefghijkl");
  brisk_output_pad(&o, 10); /* already past: nothing */
  brisk_output_str(&o, "|");
  expect(&o, "abcdefghijkl|", "pad past column");
  brisk_output_str(&o, "0123456789");
  brisk_output_pad(&o, 10); /* exactly at the column */
  brisk_output_str(&o, "|");
  expect(&o, "0123456789|", "pad at column");
  brisk_output_str(&o, "first line is long\nab");
  brisk_output_pad(&o, 5); /* counts from the last newline */
  brisk_output_str(&o, "|\n");
  brisk_output_pad(&o, 3); /* at a line start */
  brisk_output_str(&o, "x");
  expect(&o, "first line is long\nab   |\n   x", "pad after newline");
  /* table rows as observe/stats.c prints them */
  brisk_output_str(&o, "brisk:   ");
  brisk_output_str(&o, "segments");
  brisk_output_pad(&o, 34);
  brisk_output_u64(&o, 3);
  brisk_output_str(&o, "\nbrisk:   ");
  brisk_output_str(&o, "mapped now");
  brisk_output_pad(&o, 34);
  brisk_output_size(&o, 12u << 20);
  brisk_output_str(&o, "\n");
  expect(&o,
         "brisk:   segments                 3\n"
         "brisk:   mapped now               12.0 MiB\n",
         "stats rows");

  /* ---- strings longer than the buffer */
  static char big[5000], want[5000 + 16];
  for (size_t i = 0; i < sizeof big - 1; i++) big[i] = (char)('a' + i % 26);
  size_t lens[] = {1023, 1024, 1025, 2048, 4999};
  for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
    char save = big[lens[k]];
    big[lens[k]] = 0;
    brisk_output_str(&o, "<");
    brisk_output_str(&o, big);
    brisk_output_str(&o, ">");
    UCHECK(o.len <= sizeof o.buf, "len %zu beyond the buffer", o.len);
    snprintf(want, sizeof want, "<%s>", big);
    char what[32];
    snprintf(what, sizeof what, "string of %zu", lens[k]);
    expect(&o, want, what);
    big[lens[k]] = save;
  }
  /* many numbers across several flushes */
  for (uint64_t v = 0; v < 2000; v++) {
    brisk_output_u64(&o, v);
    brisk_output_str(&o, ",");
  }
  brisk_output_flush(&o);
  size_t n;
  const char *got = take(fd, &n);
  size_t pos = 0;
  for (uint64_t v = 0; v < 2000; v++) {
    char tmp[32];
    int l = snprintf(tmp, sizeof tmp, "%llu,", (unsigned long long)v);
    UCHECK(pos + (size_t)l <= n && memcmp(got + pos, tmp, (size_t)l) == 0, "number %llu at %zu",
           (unsigned long long)v, pos);
    pos += (size_t)l;
  }
  UCHECK(pos == n, "numbers: %zu bytes, want %zu", n, pos);

  /* ---- empty flush writes nothing */
  brisk_output_flush(&o);
  take(fd, &n);
  UCHECK(n == 0, "empty flush wrote %zu bytes", n);

  /* ---- warnings on stderr: one line, "brisk: " first */
  int efd = tmp_fd();
  int saved = dup(2);
  fflush(stderr);
  dup2(efd, 2);
  brisk_output_warn("unknown option ignored: ", "BRISK_X=1");
  brisk_output_warn("plain message", NULL);
  dup2(saved, 2);
  close(saved);
  got = take(efd, NULL);
  UCHECK(strcmp(got, "brisk: unknown option ignored: BRISK_X=1\nbrisk: plain message\n") == 0,
         "warn wrote \"%s\"", got);
  close(efd);

  /* ---- fatal errors */
  dies_with(fatal_ptr, "brisk: something broke (pointer 0x1234abcd)\n");
  dies_with(fatal_null, "brisk: no pointer here\n");
  dies_with(dfree, "brisk: double free (pointer 0x7f0000001000)\n");
  return 0;
}
