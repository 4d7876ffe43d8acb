/* SPDX-License-Identifier: MIT */
/* observe/output.h — text output without allocation: a fixed buffer on
 * the caller's stack, number formatting, warnings and fatal errors.
 * Every message brisk prints starts with "brisk: " and fits on one line. */
#ifndef BRISK_OBSERVE_OUTPUT_H
#define BRISK_OBSERVE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct outbuf_s {
  char buf[1024];
  size_t len;
  int fd;
  size_t col; /* column of the next character on the current line */
} outbuf_t;
void brisk_output_str(outbuf_t *o, const char *s);
void brisk_output_u64(outbuf_t *o, uint64_t v);
void brisk_output_hex(outbuf_t *o, uint64_t v);
void brisk_output_size(outbuf_t *o, uint64_t bytes); /* "1.5 MiB" style */
void brisk_output_pad(outbuf_t *o, size_t col);      /* spaces up to column col */
void brisk_output_flush(outbuf_t *o);
/* "brisk: <what> (pointer 0x...)" on stderr, then abort; never returns. */
_Noreturn void brisk_output_fatal(const char *what, const void *p);
/* "brisk: <before><size><after> (block 0x...)" on stderr, then abort:
 * damaged metadata or contents of a block of `size` bytes. */
_Noreturn void brisk_output_fatal_block(const char *before, uint64_t size, const char *after,
                                        const void *block);
/* "brisk: double free (pointer 0x...)", then abort. */
_Noreturn void brisk_output_double_free(const void *p);
/* One warning line "brisk: <msg><detail>". */
void brisk_output_warn(const char *msg, const char *detail);

#endif
