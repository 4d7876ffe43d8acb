#!/bin/sh
# brisk — run a program on the brisk allocator.
#
#   brisk run [--stats] [--trace-syscalls] -- PROGRAM [ARGS...]
#
# Preloads libbrisk.so (found next to this script, or in ../lib) into
# PROGRAM and its children.  --stats prints brisk's statistics table when
# each process exits (BRISK_STATS=1); --trace-syscalls also counts the
# memory system calls with strace (if installed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib=""
for c in "$here/libbrisk.so" "$here/../lib/libbrisk.so"; do
  [ -f "$c" ] && { lib=$c; break; }
done
usage() { echo "usage: brisk run [--stats] [--trace-syscalls] -- PROGRAM [ARGS...]" >&2; exit 2; }
[ -n "$lib" ] || { echo "brisk: libbrisk.so not found next to $0" >&2; exit 1; }
[ $# -ge 1 ] && [ "$1" = run ] || usage
shift
stats=0 trace=0
while [ $# -gt 0 ]; do
  case $1 in
    --stats) stats=1 ;;
    --trace-syscalls) trace=1 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
  shift
done
[ $# -ge 1 ] || usage
[ $stats = 1 ] && export BRISK_STATS=1
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
if [ $trace = 1 ] && command -v strace >/dev/null 2>&1; then
  exec strace -f -c -e trace=mmap,munmap,mremap,madvise,brk -- "$@"
fi
exec "$@"
