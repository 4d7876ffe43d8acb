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
echo
echo "-- the same program traced (build/brisk trace --stacks), then reported:"
stacks=--stacks
/sbin/ldconfig -p 2>/dev/null | grep -q 'libunwind\.so\.8 ' || stacks=
rm -f build/demo.trace build/demo.trace.*
build/brisk trace $stacks -o build/demo.trace -- $prog >/dev/null
build/brisk report build/demo.trace -o build/demo-report.html | sed 's/^/   /'
build/brisk report build/demo.trace --top 5 | sed 's/^/   /'
echo
echo "== report of the demo program: $(pwd)/build/demo-report.html (open it in a browser)"
