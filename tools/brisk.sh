#!/bin/sh
# SPDX-License-Identifier: MIT
# brisk — run a program on the brisk allocator.
#
#   brisk run [--stats] [--syscalls] [--trace-syscalls] -- PROGRAM [ARGS...]
#   brisk trace [--stacks] [-o FILE] -- PROGRAM [ARGS...]
#   brisk report FILE [-o report.html] [--json] [--collapsed OUT]
#   brisk --version | --help
#
# Preloads brisk's shared library (found next to this script in the build
# tree, or in the library directory `make install` wrote below) into
# PROGRAM and its children.  --stats prints brisk's statistics table when
# each process exits (BRISK_STATS=1); --syscalls prints every memory
# system call brisk itself makes as it happens (BRISK_TRACE_SYSCALLS=1);
# --trace-syscalls counts all of the process's memory system calls with
# strace (if installed).  `trace` runs PROGRAM on the tracing library
# (libbrisk-trace.so: every allocation, free and brisk system call recorded
# to FILE, docs/trace-format.md); `report` reads such a file
# (brisk_report.py, docs/report.md).  See brisk(1).
# `make` writes build/brisk from this file (@VERSION@, @SONAME@ filled in);
# `make install` also sets rel_libdir and rel_reportdir: the library
# directory (the tracing library lives in its brisk/ subdirectory) and the
# report tool's directory, relative to the installed script's own.
set -eu
version=@VERSION@
soname=@SONAME@
rel_libdir=../lib
rel_reportdir=../share/brisk
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<USAGE
usage: brisk run [--stats] [--syscalls] [--trace-syscalls] [--] PROGRAM [ARGS...]
       brisk trace [--stacks] [-o FILE] [--] PROGRAM [ARGS...]
       brisk report FILE [-o report.html] [--json] [--collapsed OUT]
       brisk --version
       brisk --help

Runs PROGRAM (and the programs it starts) with brisk's malloc, free and
C++ new/delete in place of the C library's, through LD_PRELOAD.

  --stats            print brisk's statistics table to stderr when each
                     process exits (BRISK_STATS=1)
  --syscalls         print each mmap, munmap, madvise, mremap and mprotect
                     that brisk itself makes, as it happens, on stderr
                     (BRISK_TRACE_SYSCALLS=1)
  --trace-syscalls   count all the process's memory system calls (mmap,
                     munmap, mremap, madvise, brk) with strace -c, if installed

trace: records every malloc, calloc, realloc, aligned allocation and free
of PROGRAM, and every system call brisk makes, with time, thread, size and
address, into FILE (default brisk.trace); children write FILE.<pid>.
  --stacks           also record each call's stack (needs libunwind.so.8:
                     Debian's libunwind8); symbolised later by report
  -o FILE            where the trace goes

report: reads FILE (and FILE.<pid> of the children) and prints a summary;
  -o report.html     writes a self-contained HTML report (charts, flame graph)
  --json             prints the figures as JSON (allocations, frees,
                     peak_bytes, leaked_bytes, leaked_blocks, top_sites, ...)
  --collapsed OUT    writes collapsed stacks (FlameGraph, speedscope)

  --version          print the version and the library used, then exit
  --help             print this help, then exit

Options are environment variables (BRISK_PURGE_DELAY_MS, BRISK_DIRTY_MAX_KIB,
BRISK_HUGE_CACHE_KIB, BRISK_STATS, BRISK_STATS_FILE, or all in BRISK_OPTIONS);
see brisk(1) and brisk(3).
USAGE
}
bad_usage() {
  echo "usage: brisk run [--stats] [--syscalls] [--trace-syscalls] [--] PROGRAM [ARGS...] (brisk --help)" >&2
  exit 2
}

# find_lib FILE...: the absolute path of the first FILE that exists, or "".
find_lib() {
  for c in "$@"; do
    [ -f "$c" ] && { echo "$(cd "$(dirname "$c")" && pwd)/${c##*/}"; return; }
  done
  echo ""
}
lib=$(find_lib "$here/libbrisk.so" "$here/$rel_libdir/$soname" "$here/../lib/$soname")

# brisk trace [--stacks] [-o FILE] [--] PROGRAM [ARGS...]
do_trace() {
  out=brisk.trace stacks=0
  while [ $# -gt 0 ]; do
    case $1 in
      --stacks) stacks=1 ;;
      -o) [ $# -ge 2 ] || bad_usage; out=$2; shift ;;
      -o*) out=${1#-o} ;;
      --) shift; break ;;
      -*) bad_usage ;;
      *) break ;;
    esac
    shift
  done
  [ $# -ge 1 ] || bad_usage
  tlib=$(find_lib "$here/libbrisk-trace.so" "$here/$rel_libdir/brisk/libbrisk-trace.so")
  [ -n "$tlib" ] || { echo "brisk: libbrisk-trace.so not found next to $0 or in $here/$rel_libdir/brisk" >&2; exit 1; }
  case $out in /*) ;; *) out=$PWD/$out ;; esac
  rm -f "$out" "$out".[0-9]*
  pre=$tlib
  if [ $stacks = 1 ]; then
    unw=$(/sbin/ldconfig -p 2>/dev/null | awk '/libunwind\.so\.8 .*x86-64|libunwind\.so\.8 .*AArch64/ { print $NF; exit }')
    [ -n "$unw" ] || { echo "brisk: --stacks needs libunwind.so.8 (Debian: apt-get install libunwind8)" >&2; exit 1; }
    pre="$unw:$tlib"
    export BRISK_TRACE_STACKS=1
  fi
  export BRISK_TRACE_FILE="$out" BRISK_TRACE_ROOT=$$
  export LD_PRELOAD="$pre${LD_PRELOAD:+:$LD_PRELOAD}"
  exec "$@"
}

# brisk report FILE [...]: the report tool beside the launcher (build
# tree) or in the shared data directory (installed: rel_reportdir).
do_report() {
  for c in "$here/brisk_report.py" "$here/$rel_reportdir/brisk_report.py"; do
    [ -f "$c" ] && exec python3 "$c" "$@"
  done
  echo "brisk: brisk_report.py not found next to $0 or in $here/$rel_reportdir" >&2
  exit 1
}

[ $# -ge 1 ] || bad_usage
case $1 in
  --help | -h | help) usage; exit 0 ;;
  --version | -V | version)
    echo "brisk $version"
    [ -n "$lib" ] && echo "library: $lib"
    exit 0 ;;
  run) shift ;;
  trace) shift; do_trace "$@" ;;
  report) shift; do_report "$@" ;;
  *) bad_usage ;;
esac
[ -n "$lib" ] || { echo "brisk: libbrisk not found next to $0 or in $here/$rel_libdir" >&2; exit 1; }
stats=0 trace=0
while [ $# -gt 0 ]; do
  case $1 in
    --stats) stats=1 ;;
    --syscalls) export BRISK_TRACE_SYSCALLS=1 ;;
    --trace-syscalls) trace=1 ;;
    --help | -h) usage; exit 0 ;;
    --) shift; break ;;
    -*) bad_usage ;;
    *) break ;;
  esac
  shift
done
[ $# -ge 1 ] || bad_usage
[ $stats = 1 ] && export BRISK_STATS=1
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
if [ $trace = 1 ] && command -v strace >/dev/null 2>&1; then
  exec strace -f -c -e trace=mmap,munmap,mremap,madvise,brk -- "$@"
fi
exec "$@"
