/* SPDX-License-Identifier: MIT */
/* observe/output.c — text output without allocation: a fixed buffer, number
 * formatting, and the fatal-error path.
 *
 * Every message brisk prints starts with "brisk: " and fits on one line.
 * Thread-safety: an outbuf_t lives on the caller's stack; nothing shared.
 */
#include "observe/output.h"
#include "os/os.h"

void brisk_output_flush(outbuf_t *o) {
  if (o->len > 0) brisk_os_write_fd(o->fd, o->buf, o->len);
  o->len = 0;
}

static void out_char(outbuf_t *o, char c) {
  if (o->len == sizeof o->buf) brisk_output_flush(o);
  o->buf[o->len++] = c;
  o->col = c == '\n' ? 0 : o->col + 1;
}

void brisk_output_str(outbuf_t *o, const char *s) {
  while (*s) out_char(o, *s++);
}

void brisk_output_u64(outbuf_t *o, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out_char(o, tmp[--n]);
}

void brisk_output_hex(outbuf_t *o, uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = digits[v & 15];
    v >>= 4;
  } while (v != 0);
  brisk_output_str(o, "0x");
  while (n > 0) out_char(o, tmp[--n]);
}

/* Bytes as "812 B", "4.0 KiB", "1.5 MiB", "2.2 GiB" (one decimal, truncated). */
void brisk_output_size(outbuf_t *o, uint64_t bytes) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  unsigned u = 0;
  uint64_t whole = bytes, tenths = 0;
  while (whole >= 1024 && u < 4) {
    tenths = (whole % 1024) * 10 / 1024;
    whole /= 1024;
    u++;
  }
  brisk_output_u64(o, whole);
  if (u > 0) {
    out_char(o, '.');
    out_char(o, (char)('0' + tenths));
  }
  out_char(o, ' ');
  brisk_output_str(o, units[u]);
}

/* Pad with spaces up to column col of the current line. */
void brisk_output_pad(outbuf_t *o, size_t col) {
  while (o->col < col) out_char(o, ' ');
}

/* Print "brisk: <what> (<p>)" and abort.  Used for heap misuse and
 * corrupted metadata; never returns, never allocates. */
_Noreturn void brisk_output_fatal(const char *what, const void *p) {
  outbuf_t o = {.fd = 2};
  brisk_output_str(&o, "brisk: ");
  brisk_output_str(&o, what);
  if (p != NULL) {
    brisk_output_str(&o, " (pointer ");
    brisk_output_hex(&o, (uint64_t)(uintptr_t)p);
    brisk_output_str(&o, ")");
  }
  brisk_output_str(&o, "\n");
  brisk_output_flush(&o);
  brisk_os_abort();
}

_Noreturn void brisk_output_fatal_block(const char *before, uint64_t size, const char *after,
                                        const void *block) {
  outbuf_t o = {.fd = 2};
  brisk_output_str(&o, "brisk: ");
  brisk_output_str(&o, before);
  brisk_output_u64(&o, size);
  brisk_output_str(&o, after);
  brisk_output_str(&o, " (block ");
  brisk_output_hex(&o, (uint64_t)(uintptr_t)block);
  brisk_output_str(&o, ")\n");
  brisk_output_flush(&o);
  brisk_os_abort();
}

/* A block freed twice: the message names the pointer. */
_Noreturn void brisk_output_double_free(const void *p) { brisk_output_fatal("double free", p); }

/* Print one warning line "brisk: <msg><detail>". */
void brisk_output_warn(const char *msg, const char *detail) {
  outbuf_t o = {.fd = 2};
  brisk_output_str(&o, "brisk: ");
  brisk_output_str(&o, msg);
  if (detail) brisk_output_str(&o, detail);
  brisk_output_str(&o, "\n");
  brisk_output_flush(&o);
}
