#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/trace_overhead.sh — what seeing the heap costs: each program run
# plain on glibc and on brisk, on brisk with BRISK_STATS=1, under
# `brisk trace` without and with --stacks, and under Debian's heaptrack
# (on glibc, as heaptrack runs), interleaved round by round; the table
# gives the median wall time of each and its ratio to brisk plain (and,
# for heaptrack, to glibc plain).  `make bench-trace`; results in
# bench/results/trace/latest.md.  ROUNDS=n (default 3).
# heaptrack: installed with apt-get when missing and root (Debian's
# heaptrack package), else its column says "not installed".
set -u
cd "$(dirname "$0")/.." || exit 2
rounds=${ROUNDS:-3}
out=bench/results/trace
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
if ! command -v heaptrack >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends heaptrack >/dev/null 2>&1
fi
lib=$PWD/build/libbrisk.so
brisk=$PWD/build/brisk
py=/usr/bin/python3
# gcc's compiler proper (cc1) on the preprocessed file: the driver forks it,
# and heaptrack would follow only the driver
cc1=$(gcc -print-prog-name=cc1)
gcc -E bench/real/compile_me.c -o "$tmp/c.i"
# name | environment | command (the program itself, not a shell: heaptrack
# follows only the process it starts; $tmp is a scratch directory)
progs=(
  "malloc-loop||build/bench/pairs n=2000000"
  "python|PYTHONMALLOC=malloc PYTHONHASHSEED=0|$py bench/real/work.py 6000"
  "sqlite||sqlite3 -cmd 'CREATE TEMP TABLE p(n INT); INSERT INTO p VALUES(35000);' :memory: < bench/real/work.sql"
  "gcc||$cc1 -quiet -fpreprocessed -O0 $tmp/c.i -o $tmp/c.s"
)
modes=(glibc brisk stats trace stacks heaptrack)
run_mode() { # mode environment command -> seconds (or "-" when it cannot run)
  local mode=$1 envs=$2 cmd=$3 t0 t1
  t0=$(date +%s.%N)
  case $mode in
    glibc) eval "env $envs $cmd" >/dev/null 2>&1 ;;
    brisk) eval "env $envs LD_PRELOAD=$lib $cmd" >/dev/null 2>&1 ;;
    stats) eval "env $envs BRISK_STATS=1 BRISK_STATS_FILE=$tmp/stats LD_PRELOAD=$lib $cmd" >/dev/null 2>&1 ;;
    trace) eval "env $envs $brisk trace -o $tmp/t.trace -- $cmd" >/dev/null 2>&1 ;;
    stacks) eval "env $envs $brisk trace --stacks -o $tmp/s.trace -- $cmd" >/dev/null 2>&1 ;;
    heaptrack)
      command -v heaptrack >/dev/null 2>&1 || { echo -; return; }
      eval "env $envs heaptrack -o $tmp/ht $cmd" >/dev/null 2>&1 ;;
  esac
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{ printf "%.4f", $2 - $1 }'
}
declare -A times
for ((r = 1; r <= rounds; r++)); do
  for p in "${progs[@]}"; do
    IFS='|' read -r name envs cmd <<<"$p"
    for m in "${modes[@]}"; do
      times[$name,$m]+="$(run_mode "$m" "$envs" "$cmd") "
      rm -f "$tmp"/t.trace* "$tmp"/s.trace* "$tmp"/ht* "$tmp"/stats
    done
  done
  echo "round $r of $rounds done" >&2
done
median() { tr ' ' '\n' | grep -v '^$' | grep -v '^-$' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
{
  echo "# What seeing the heap costs ($(date -u +%Y-%m-%d), $(nproc) cores, $rounds rounds, medians)"
  echo
  echo "Wall seconds; in brackets the ratio to brisk plain (heaptrack: to glibc plain, the allocator it runs on)."
  echo
  echo "| program | glibc | brisk | BRISK_STATS=1 | brisk trace | brisk trace --stacks | heaptrack |"
  echo "|---|---|---|---|---|---|---|"
  for p in "${progs[@]}"; do
    IFS='|' read -r name envs cmd <<<"$p"
    declare -A med=()
    for m in "${modes[@]}"; do med[$m]=$(echo "${times[$name,$m]}" | median); done
    b=${med[brisk]} g=${med[glibc]}
    echo "| $name | ${med[glibc]} | $b | ${med[stats]} ($(ratio "${med[stats]}" "$b")×) | ${med[trace]} ($(ratio "${med[trace]}" "$b")×) | ${med[stacks]} ($(ratio "${med[stacks]}" "$b")×) | ${med[heaptrack]} ($(ratio "${med[heaptrack]}" "$g")×) |"
  done
} | tee "$out/latest.md"
