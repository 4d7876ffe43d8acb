#!/bin/sh
# SPDX-License-Identifier: MIT
# brisk — run a program on the brisk allocator.
#
#   brisk run [--stats] [--syscalls] [--trace-syscalls] -- PROGRAM [ARGS...]
#   brisk --version | --help
#
# Preloads brisk's shared library (found next to this script in the build
# tree, or in the library directory `make install` wrote below) into
# PROGRAM and its children.  --stats prints brisk's statistics table when
# each process exits (BRISK_STATS=1); --syscalls prints every memory
# system call brisk itself makes as it happens (BRISK_TRACE_SYSCALLS=1);
# --trace-syscalls counts all of the process's memory system calls with
# strace (if installed).  See brisk(1).
# `make` writes build/brisk from this file (@VERSION@, @SONAME@ filled in);
# `make install` also sets rel_libdir: the library directory relative to
# the installed script's own.
set -eu
version=@VERSION@
soname=@SONAME@
rel_libdir=../lib
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<USAGE
usage: brisk run [--stats] [--syscalls] [--trace-syscalls] [--] PROGRAM [ARGS...]
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

lib=""
for c in "$here/libbrisk.so" "$here/$rel_libdir/$soname" "$here/../lib/$soname"; do
  [ -f "$c" ] && { lib=$(cd "$(dirname "$c")" && pwd)/${c##*/}; break; }
done

[ $# -ge 1 ] || bad_usage
case $1 in
  --help | -h | help) usage; exit 0 ;;
  --version | -V | version)
    echo "brisk $version"
    [ -n "$lib" ] && echo "library: $lib"
    exit 0 ;;
  run) shift ;;
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
