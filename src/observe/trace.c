/* SPDX-License-Identifier: MIT */
/* observe/trace.c — the system-call tracer (observe/trace.h). */
#include "observe/event.h"
#include "observe/output.h"
#include "observe/trace.h"

void brisk_trace_syscall(unsigned kind, const void *addr, size_t bytes, bool ok) {
  static const char *const names[BRISK_SYS_KINDS] = {"mmap", "munmap", "madvise", "mremap", "mprotect"};
  outbuf_t o = {.fd = 2};
  brisk_output_str(&o, "brisk: ");
  brisk_output_str(&o, kind < BRISK_SYS_KINDS ? names[kind] : "?");
  brisk_output_str(&o, " ");
  if (addr != NULL) {
    brisk_output_hex(&o, (uint64_t)(uintptr_t)addr);
    brisk_output_str(&o, " ");
  }
  brisk_output_size(&o, bytes);
  brisk_output_str(&o, " (");
  brisk_output_u64(&o, bytes);
  brisk_output_str(&o, ok ? ")\n" : ") failed\n");
  brisk_output_flush(&o);
}
