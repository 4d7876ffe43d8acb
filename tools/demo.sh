#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: run a real program (Python, with its small-object allocator
# switched off so every object goes through malloc) on brisk and show what
# the allocator did, next to the same run on glibc's malloc.
set -eu
cd "$(dirname "$0")/.."
py=$(command -v python3 || true)
if [ -n "$py" ]; then
  # The real interpreter binary, not a pyenv shim script.
  py=$("$py" -c 'import sys; print(sys.executable)')
  prog="$py tools/demo_workload.py"
  export PYTHONMALLOC=malloc
  what="python3 (PYTHONMALLOC=malloc) building and serialising a 300k-entry dict"
else
  prog="sort -n"
  what="sort"
fi
echo "== brisk demo: $what"
echo
echo "-- on brisk (LD_PRELOAD=build/libbrisk.so, BRISK_STATS=1):"
start=$(date +%s%N)
build/brisk run --stats -- $prog
end=$(date +%s%N)
echo "   wall time: $(( (end - start) / 1000000 )) ms"
echo
echo "-- the same program on glibc malloc:"
start=$(date +%s%N)
$prog
end=$(date +%s%N)
echo "   wall time: $(( (end - start) / 1000000 )) ms"
if command -v strace >/dev/null 2>&1; then
  echo
  echo "-- memory system calls on brisk (strace -c):"
  build/brisk run --trace-syscalls -- $prog 2>&1 >/dev/null | sed -n '/% time/,$p'
fi
