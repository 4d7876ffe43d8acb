#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/run.sh — run brisk's test suites (built by `make test-bins`, see
# test/test.mk) and print one PASS/FAIL line per test, then a last line
# "N passed, M failed".  Exit status 1 if anything failed.
#
#   test/run.sh          against brisk: unit tests of internals (prefix
#                        debug-full build), api, stress and preload suites
#                        on the release, debug, debug-full, no-fast-stats,
#                        ubsan and hardened (BRISK_HARDENED=1) libraries,
#                        the hardened build's own tests (test/harden-unit/)
#                        on it, api and stress on release
#                        again under option sets with every delay and limit
#                        at 0 and large, stress on the TSan prefix build,
#                        link/-lbrisk on release, packaging and linking
#                        (test/link/run.sh: link/ITEM).  A test's sidecar
#                        (test/api/NAME.env: VAR=value lines) applies last.
#                        A test that exits 77 is skipped (SKIP line, in
#                        neither total): test/link items whose Debian
#                        package is missing on a non-root run.
#   test/run.sh --libc   api + stress against glibc's malloc only (checks
#                        that the tests themselves are right; brisk-only
#                        assertions are skipped inside the tests)
#
# Environment: TEST_FILTER (regex on test names), TEST_JOBS (parallel tests,
# default 2), TEST_VARIANTS (default "release debug debugfull nofaststats ubsan
# hardened"), TEST_TIMEOUT_SCALE
# (multiplies every timeout).  Logs: build/test/logs-{brisk,libc}/<name>.log.
#
# Every brisk run sets TEST_EXPECT_BRISK to the variant's library, and the
# test programs fail at start-up if malloc resolves anywhere else.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

MODE=brisk
[[ ${1:-} == --libc ]] && MODE=libc
JOBS=${TEST_JOBS:-2}
[[ -z $JOBS ]] && JOBS=2
FILTER=${TEST_FILTER:-}
VARIANTS=${TEST_VARIANTS:-release debug debugfull nofaststats ubsan hardened}
SCALE=${TEST_TIMEOUT_SCALE:-1}
T=build/test
LOGDIR=$T/logs-$MODE
mkdir -p "$T"
# One run at a time per tree: concurrent runs would share LOGDIR and fight
# for the CPUs that the timing- and RSS-sensitive tests measure.
exec 9>"$T/.run.lock"
if ! flock -n 9; then
  echo "another test run holds $T/.run.lock; waiting for it"
  flock 9
fi
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

declare -a NAMES=() CMDS=() TMOS=()

# add NAME TIMEOUT_S CMD... — CMD may start with VAR=value words (env).
add() {
  local name=$1 tmo=$2
  shift 2
  if [[ -n $FILTER ]] && ! [[ $name =~ $FILTER ]]; then return; fi
  NAMES+=("$name")
  TMOS+=("$((tmo * SCALE))")
  CMDS+=("$(printf '%q ' "$@")")
}

libdir_of() {
  case $1 in
    release) echo build ;;
    *) echo "build/$1" ;;
  esac
}

# Fork regressions (test/stress/forkwatch.h): -r repeats the whole scenario
# in fresh processes (a few ms to 30 ms each; 10x that under TSan), so a
# hang that shows once in 10 or even 100 runs is caught; the watchdog
# outside reports one after 10 s (-w) without progress.
#   forksig:    fork from a SIGUSR1 handler that interrupts malloc, free or
#               fork in a single-threaded process (tst-mallocfork2's idea)
#   forksig-mt: the same with threads: the handler interrupts malloc in one
#               thread while another forks
#   forkstdio:  fork while threads mix malloc with stdio (FILE locks held
#               around malloc; tst-malloc-fork-deadlock's idea)
fork_tests() { # fork_tests TAG BINDIR REPS_SIG REPS_SIG_MT REPS_STDIO ENV...
  local tag=$1 dir=$2 r1=$3 r2=$4 r3=$5
  shift 5
  add "stress/forksig@$tag" 120 "$@" "$dir/stress_forksig" -t 0 -r "$r1"
  add "stress/forksig-mt@$tag" 120 "$@" "$dir/stress_forksig" -t 1 -n 20 \
    -r "$r2"
  add "stress/forkstdio@$tag" 120 "$@" "$dir/stress_forkstdio" -t 4 -n 10 \
    -r "$r3"
}

# sidecar SRC — the VAR=value words of SRC's sidecar (SRC minus its
# extension plus .env: one assignment per line, # comments), which a test
# needs whatever option set the runner applies (they come last and win).
sidecar() {
  local f=${1%.*}.env
  [[ -f $f ]] && grep -v '^[[:space:]]*\(#\|$\)' "$f"
}

# Option sets: the suites also run with every delay and limit at 0 and
# with all of them large, beside the defaults.
OPTS_ZERO=(BRISK_PURGE_DELAY_MS=0 BRISK_DIRTY_MAX_KIB=0 BRISK_HUGE_CACHE_KIB=0)
OPTS_BIG=(BRISK_PURGE_DELAY_MS=3600000 BRISK_DIRTY_MAX_KIB=1048576 BRISK_HUGE_CACHE_KIB=1048576)

# Stress arguments per library: sanitizer and debug builds get shorter runs.
stress_tests() { # stress_tests TAG BINDIR ENV...
  local tag=$1 dir=$2
  shift 2
  local secs=3 forks=200 churn=5000
  case $tag in
    debug* | ubsan) secs=2 forks=100 churn=3000 ;;
    tsan) secs=2 forks=0 churn=400 ;;
  esac
  add "stress/mix4@$tag" 120 "$@" "$dir/stress_mix" -t 4 -s "$secs"
  add "stress/mix16@$tag" 120 "$@" "$dir/stress_mix" -t 16 -s "$secs"
  add "stress/huge@$tag" 120 "$@" "$dir/stress_huge" -t 4 -s 1
  if [[ $tag == tsan ]]; then
    add "stress/churn@$tag" 180 "$@" "$dir/stress_churn" -n "$churn" -R 0
    add "stress/signal@$tag" 120 "$@" "$dir/stress_signal" -s 1
    fork_tests "$tag" "$dir" 20 50 30 "$@" # TSan's fork is slow
    return
  fi
  add "stress/churn@$tag" 120 "$@" "$dir/stress_churn" -n "$churn"
  add "stress/fork@$tag" 120 "$@" "$dir/stress_fork" -f "$forks" -g "$forks"
  fork_tests "$tag" "$dir" 200 300 100 "$@"
  add "stress/oom@$tag" 120 "$@" "$dir/stress_oom"
  add "stress/signal@$tag" 120 "$@" "$dir/stress_signal" -s "$secs"
}

api_tests() { # api_tests TAG ENV...
  local tag=$1
  shift
  local f name
  for f in "$T"/api/*; do
    name=$(basename "$f")
    [[ $name == link_lbrisk ]] && continue
    # BRISK_FAST_STATS=0 leaves fast-path blocks uncounted by design
    # (src/config.h): the tests of exact figures run on the other variants.
    [[ $tag == nofaststats && $name =~ ^(mallinfo|stats_truth|stats_api|stats_peak_handoff)$ ]] && continue
    # guard_sample probes the sampled layout (block end against the guard
    # page); the hardened build puts its canary word there.
    [[ $tag == hardened && $name == guard_sample ]] && continue
    # mallopt_trim changes an option: read-only in the hardened build.
    [[ $tag == hardened && $name == mallopt_trim ]] && continue
    local -a side=()
    mapfile -t side < <(sidecar "test/api/$name.c")
    add "api/$name@$tag" 120 "$@" "${side[@]}" "$f"
  done
}

# The release library under a non-default option set: api and the stress
# tests that exercise purging and caches.
option_tests() { # option_tests TAG ENV...
  local tag=$1
  shift
  api_tests "$tag" "$@" LD_PRELOAD="$ROOT/build/libbrisk.so"
  add "stress/mix4@$tag" 120 "$@" "$T/stress/stress_mix" -t 4 -s 2
  add "stress/huge@$tag" 120 "$@" "$T/stress/stress_huge" -t 4 -s 1
  add "stress/churn@$tag" 120 "$@" "$T/stress/stress_churn" -n 2000
  add "stress/oom@$tag" 120 "$@" "$T/stress/stress_oom"
  add "stress/fork@$tag" 120 "$@" "$T/stress/stress_fork" -f 100 -g 100
}

if [[ $MODE == libc ]]; then
  api_tests libc TEST_EXPECT_BRISK=0
  stress_tests libc "$T/stress-libc" TEST_EXPECT_BRISK=0
else
  for v in $VARIANTS; do
    d=$(libdir_of "$v")
    lib=$ROOT/$d/libbrisk.so
    if [[ ! -f $lib ]]; then
      NAMES+=("library@$v") TMOS+=(5) CMDS+=("false # missing $lib")
      continue
    fi
    envs=(TEST_EXPECT_BRISK="$lib"
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)
    api_tests "$v" "${envs[@]}" LD_PRELOAD="$lib"
    if [[ $v == release ]]; then
      # linked -lbrisk, found through RUNPATH $ORIGIN/../..
      stress_tests "$v" "$T/stress" "${envs[@]}"
      add "api/link_lbrisk@release" 60 "${envs[@]}" "$T/api/link_lbrisk"
    else
      # same binaries; LD_LIBRARY_PATH overrides RUNPATH
      stress_tests "$v" "$T/stress" "${envs[@]}" LD_LIBRARY_PATH="$ROOT/$d"
    fi
    if [[ $v == release ]]; then
      option_tests "release+opts0" "${envs[@]}" "${OPTS_ZERO[@]}"
      option_tests "release+optsbig" "${envs[@]}" "${OPTS_BIG[@]}"
      # meshing on (core/mesh.h): every api test, and the stress tests
      # that fork, churn threads and run out of memory
      option_tests "release+mesh" "${envs[@]}" BRISK_MESH=1
    fi
    if [[ $v == debugfull ]]; then
      # meshing under the invariant walks
      api_tests "debugfull+mesh" "${envs[@]}" LD_PRELOAD="$lib" BRISK_MESH=1
    fi
    if [[ $v == hardened ]]; then
      # the mitigations themselves: guard pages, malloc(0) faults,
      # read-only options and key (test/harden-unit/)
      for f in "$T"/harden-unit/*; do
        [[ -x $f ]] || continue
        hu_side=()
        mapfile -t hu_side < <(sidecar "test/harden-unit/$(basename "$f").c")
        add "harden-unit/$(basename "$f")@$v" 60 "${envs[@]}" "${hu_side[@]}" \
          LD_PRELOAD="$lib" "$f"
      done
    fi
  done
  if command -v valgrind >/dev/null 2>&1; then
    # memcheck over brisk's own code (linked in statically, not replaced)
    # (--fair-sched: threads interleave as on real cores, so the
    # cross-thread share the test asks for is reached)
    add "valgrind/memcheck-brisk-internals" 180 TEST_EXPECT_BRISK= valgrind -q \
      --error-exitcode=9 --soname-synonyms=somalloc=NONE --fair-sched=yes \
      "$T/stress-static/stress_mix" -t 4 -s 1
    # valgrind's own allocator in place of brisk's, via the soname synonym
    add "valgrind/memcheck-preload-synonym" 180 LD_PRELOAD="$ROOT/build/libbrisk.so" \
      valgrind -q --error-exitcode=9 --soname-synonyms=somalloc=*brisk* ls -lR /usr/include/linux
  fi
  # the module graph has no cycle and every function's name says its file
  add "lint/modules" 30 python3 tools/check_modules.py
  # every source compiles with clang too (the libFuzzer harness's compiler)
  add "lint/clang" 120 tools/check_clang.sh
  for u in "$T"/unit/*; do
    [[ -x $u ]] && add "unit/$(basename "$u")" 60 "$u"
  done
  stress_tests tsan "$T/stress-tsan" \
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
  for v in $VARIANTS; do
    lib=$ROOT/$(libdir_of "$v")/libbrisk.so
    [[ -f $lib ]] || continue
    for f in test/preload/*.sh; do
      [[ $(basename "$f") == lib.sh ]] && continue
      # in_use reads brisk's call counters (see api_tests on nofaststats)
      [[ $v == nofaststats && $(basename "$f") == in_use.sh ]] && continue
      add "preload/$(basename "$f" .sh)@$v" 240 TEST_BRISK_LIB="$lib" \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 bash "$f"
    done
  done
  # Packaging and linking (test/link/run.sh, which documents each item):
  # every way of adopting brisk puts a real program on brisk: -lbrisk via
  # pkg-config under --as-needed, -static, CMake, install/uninstall, the
  # .deb packages, the launcher, the C++ operators.  An item whose Debian
  # package is missing (and cannot be installed: not root) exits 77 and is
  # counted as skipped, with one SKIP line naming the package.
  for it in version manpages aslink static cmake install deb cxxmisuse; do
    add "link/$it" 300 bash test/link/run.sh "$it"
  done
  for v in release debug ubsan; do
    [[ $v == release || " $VARIANTS " == *" $v "* ]] || continue
    add "link/cxxops@$v" 120 bash test/link/run.sh cxxops "$v"
  done
fi

# run_one INDEX — runs test INDEX, writes LOGDIR/INDEX.rc and prints its line
run_one() {
  local i=$1 name=${NAMES[$1]} tmo=${TMOS[$1]} log rc t0 t1
  log="$LOGDIR/$(echo "$name" | tr '/@' '__').log"
  t0=$(date +%s.%N)
  eval "timeout -k 10 $tmo env ${CMDS[$i]}" </dev/null >"$log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  local dt
  dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  echo "$rc" >"$LOGDIR/$i.rc"
  if [[ $rc == 0 ]]; then
    printf 'PASS %s (%ss)\n' "$name" "$dt"
  elif [[ $rc == 77 ]]; then
    # skipped: the test says why on its last SKIP line (a missing package)
    printf 'SKIP %s: %s\n' "$name" "$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)"
  else
    local why="exit $rc"
    [[ $rc == 124 || $rc == 137 ]] && why="TIMEOUT after ${tmo}s"
    ((rc > 128 && rc != 137)) && why="signal $((rc - 128))"
    {
      printf 'FAIL %s (%s, %ss) log: %s\n' "$name" "$why" "$dt" "$log"
      tail -n 15 "$log" | sed 's/^/    | /'
    } | flock "$LOGDIR/.print" cat
  fi
}

START=$(date +%s)
n=${#NAMES[@]}
running=0
for ((i = 0; i < n; i++)); do
  if ((running >= JOBS)); then
    wait -n
    running=$((running - 1))
  fi
  run_one "$i" &
  running=$((running + 1))
done
wait

pass=0
fail=0
skip=0
for ((i = 0; i < n; i++)); do
  if [[ -f $LOGDIR/$i.rc && $(cat "$LOGDIR/$i.rc") == 0 ]]; then
    pass=$((pass + 1))
  elif [[ -f $LOGDIR/$i.rc && $(cat "$LOGDIR/$i.rc") == 77 ]]; then
    skip=$((skip + 1)) # counted in neither total (SKIP line above)
  else
    fail=$((fail + 1))
  fi
done
echo "test time: $(($(date +%s) - START)) s (mode $MODE, $JOBS jobs)"
((skip > 0)) && echo "$skip skipped (a package they need is missing: see the SKIP lines)"
echo "$pass passed, $fail failed"
((fail == 0))
