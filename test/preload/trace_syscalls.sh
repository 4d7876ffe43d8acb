# SPDX-License-Identifier: MIT
# trace_syscalls.sh — BRISK_TRACE_SYSCALLS=1 (`brisk run --syscalls`)
# prints every memory system call brisk makes, one line each, as it
# happens: a python3 program that builds and drops a 48 MiB bytearray
# (a huge block: its own mapping) shows the mmap of it and its munmap
# (or its caching, then the munmap at exit is not guaranteed: only the
# mmap of at least 48 MiB is required), every line has the documented
# shape, and without the option no such line appears.
source "$(dirname "$0")/lib.sh"
prog='x = bytearray(48 << 20); x[-1] = 1; del x'
env LD_PRELOAD="$PRELOAD_LIB" BRISK_TRACE_SYSCALLS=1 "$PYTHON" -c "$prog" 2>"$WORK/on.err" ||
  fail "python3 failed with BRISK_TRACE_SYSCALLS=1"
env LD_PRELOAD="$PRELOAD_LIB" "$PYTHON" -c "$prog" 2>"$WORK/off.err" || fail "python3 failed"
lines=$(grep -c '^brisk: ' "$WORK/on.err")
echo "traced $lines system calls"
((lines >= 3)) || { cat "$WORK/on.err"; fail "fewer than 3 traced calls"; }
bad=$(grep '^brisk: ' "$WORK/on.err" |
  grep -Evc '^brisk: (mmap|munmap|madvise|mremap|mprotect) (0x[0-9a-f]+ )?[0-9]+(\.[0-9])? (B|KiB|MiB|GiB|TiB) \([0-9]+\)( failed)?$' || true)
((bad == 0)) || { cat "$WORK/on.err"; fail "$bad trace lines of the wrong shape"; }
grep -Eq '^brisk: mmap 0x[0-9a-f]+ (4[89]|[5-9][0-9])\.[0-9] MiB' "$WORK/on.err" ||
  { cat "$WORK/on.err"; fail "no mmap of the 48 MiB block traced"; }
! grep -q '^brisk: mmap' "$WORK/off.err" || fail "trace lines without BRISK_TRACE_SYSCALLS"
echo ok
