#!/usr/bin/env bash
# test/run.sh — run brisk's test suites (built by `make test-bins`, see
# test/test.mk) and print one PASS/FAIL line per test, then a last line
# "N passed, M failed".  Exit status 1 if anything failed.
#
#   test/run.sh          against brisk: unit tests of internals (prefix
#                        build), api, stress and preload suites on
#                        the release, debug and ubsan libraries, stress on
#                        the TSan prefix build, link/-lbrisk on release
#   test/run.sh --libc   api + stress against glibc's malloc only (checks
#                        that the tests themselves are right; brisk-only
#                        assertions are skipped inside the tests)
#
# Environment: TEST_FILTER (regex on test names), TEST_JOBS (parallel tests,
# default 2), TEST_VARIANTS (default "release debug ubsan"), TEST_TIMEOUT_SCALE
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
VARIANTS=${TEST_VARIANTS:-release debug ubsan}
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

# Stress arguments per library: sanitizer and -O0 builds get shorter runs.
stress_tests() { # stress_tests TAG BINDIR ENV...
  local tag=$1 dir=$2
  shift 2
  local secs=3 forks=200 churn=5000
  case $tag in
    debug | ubsan) secs=2 forks=100 churn=3000 ;;
    tsan) secs=2 forks=0 churn=400 ;;
  esac
  add "stress/mix4@$tag" 120 "$@" "$dir/stress_mix" -t 4 -s "$secs"
  add "stress/mix16@$tag" 120 "$@" "$dir/stress_mix" -t 16 -s "$secs"
  if [[ $tag == tsan ]]; then
    add "stress/churn@$tag" 180 "$@" "$dir/stress_churn" -n "$churn" -R 0
    add "stress/signal@$tag" 120 "$@" "$dir/stress_signal" -s 1
    return
  fi
  add "stress/churn@$tag" 120 "$@" "$dir/stress_churn" -n "$churn"
  add "stress/fork@$tag" 120 "$@" "$dir/stress_fork" -f "$forks" -g "$forks"
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
    add "api/$name@$tag" 120 "$@" "$f"
  done
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
  done
  if command -v valgrind >/dev/null 2>&1; then
    # memcheck over brisk's own code (linked in statically, not replaced)
    add "valgrind/memcheck-brisk-internals" 180 TEST_EXPECT_BRISK= valgrind -q \
      --error-exitcode=9 --soname-synonyms=somalloc=NONE \
      "$T/stress-static/stress_mix" -t 4 -s 1
    # valgrind's own allocator in place of brisk's, via the soname synonym
    add "valgrind/memcheck-preload-synonym" 180 LD_PRELOAD="$ROOT/build/libbrisk.so" \
      valgrind -q --error-exitcode=9 --soname-synonyms=somalloc=*brisk* ls -lR /usr/include/linux
  fi
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
      add "preload/$(basename "$f" .sh)@$v" 240 TEST_BRISK_LIB="$lib" \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 bash "$f"
    done
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
for ((i = 0; i < n; i++)); do
  if [[ -f $LOGDIR/$i.rc && $(cat "$LOGDIR/$i.rc") == 0 ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
done
echo "test time: $(($(date +%s) - START)) s (mode $MODE, $JOBS jobs)"
echo "$pass passed, $fail failed"
((fail == 0))
