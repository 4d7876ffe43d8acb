#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/real/run.sh — brisk against real programs, fault conditions and bad
# input (make check-real / make check-real-quick; see test/real/real.mk).
#
# Prints one line per item: PASS, FAIL, or XFAIL (a known brisk bug listed
# in test/real/xfail.txt, counted in neither total), then a last line
# "N passed, M failed".  Exit status 1 if anything failed.
#
# Items:
#   fault/NAME    test/real/faults/NAME: must exit 0 under glibc's malloc
#                 (validates the test) and under LD_PRELOAD=libbrisk.so
#   misuse/NAME   test/real/misuse/NAME.c commits one heap misuse; brisk
#                 must abort (SIGABRT) with exactly one stderr line matching
#                 NAME.expect (an ERE; PTR stands for the pointer the
#                 program printed as "PTR=0x...").  NAME.variant names the
#                 build (default release; "debug" = build/debug); NAME.env
#                 (VAR=value lines, # comments) sets the environment;
#                 NAME.signal the signal it must die by (ABRT, or SEGV for
#                 a fault that brisk reports, e.g. a guard page)
#   fuzz/regress/NAME  test/fuzz/regressions/NAME (an input that once failed),
#   fuzz/corpus   and the seed corpus, through the fuzz harness linked with
#                 the prefixed brisk (after checking the harness with glibc)
#   bug/NAME      test/real/bugs/NAME.c: minimal reproducer of a brisk bug
#                 found here; exits 0 when the bug is absent (glibc too)
#   prog/NAME     test/real/programs/NAME.sh: a real program with and
#                 without brisk, identical output required
#   python/MOD    CPython's regression tests, results compared with glibc
#                 (test/real/python/pytests.py)
#
#   --quick       a subset (< 2 min): smaller fault runs, misuse, fuzz
#                 replay, two programs, a few Python modules
# Environment: REAL_JOBS (default 2), REAL_FILTER (regex on item names),
# REAL_LIB (default build/libbrisk.so), REAL_FRESH=1 (re-run the cached
# glibc Python results).  Logs: build/real/logs-{full,quick}/<item>.log,
# Python's in build/real/python-{full,quick}/.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
QUICK=0
[[ ${1:-} == --quick ]] && QUICK=1
JOBS=${REAL_JOBS:-2}
FILTER=${REAL_FILTER:-}
LIB=$ROOT/${REAL_LIB:-build/libbrisk.so}
DEBUG_LIB=$ROOT/build/debug/libbrisk.so
OUT=$ROOT/build/real
MODE=full
((QUICK)) && MODE=quick
LOG=$OUT/logs-$MODE
PYLOG=$OUT/python-$MODE
rm -rf "$LOG"
mkdir -p "$LOG"
# Item statuses live in a private directory: runs may overlap (make test
# calls check-real-quick while someone runs check-real).
ST=$(mktemp -d "$OUT/status.XXXXXX") || exit 2
trap 'rm -rf "$ST"' EXIT
export LC_ALL=C TZ=UTC
T0=$SECONDS

[[ -f $LIB ]] || { echo "FAIL setup: $LIB missing (make lib)"; echo "0 passed, 1 failed"; exit 1; }

xfail_reason() { # xfail_reason NAME — prints the reason if NAME is listed
  awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' test/real/xfail.txt
}

# report NAME OK MESSAGE — print the item's line and record its status.
report() {
  local name=$1 ok=$2 msg=$3 why safe=${1//\//_}
  why=$(xfail_reason "$name")
  if [[ $ok == 1 ]]; then
    if [[ -n $why ]]; then
      echo "PASS $name ($msg) (XPASS: listed in test/real/xfail.txt; remove it)"
    else
      echo "PASS $name${msg:+ ($msg)}"
    fi
    echo pass >"$ST/$safe"
  elif [[ -n $why ]]; then
    echo "XFAIL $name: $msg [known brisk bug: $why]"
    echo xfail >"$ST/$safe"
  else
    echo "FAIL $name: $msg (log: ${LOG#$ROOT/}/$safe.log)"
    echo fail >"$ST/$safe"
  fi
}

# ---------------------------------------------------------------- items

# fault NAME TIMEOUT ARGS... — glibc first, then brisk; both must exit 0.
# (bug NAME ...: the same for the minimal reproducers in test/real/bugs/.)
item_fault() { item_c faults fault "$@"; }
item_bug() { item_c bugs bug "$@"; }
item_c() {
  local dir=$1 kind=$2 name=$3 tmo=$4 rc rcb t
  local bin=$OUT/$dir/$name
  shift 4
  local log=$LOG/${kind}_$name.log
  (timeout -k 5 "$tmo" "$bin" "$@" >"$log" 2>&1; exit $?) 2>/dev/null
  rc=$?
  if [[ $rc != 0 ]]; then
    report "$kind/$name" 0 "fails under glibc too (exit $rc): test is broken"
    return
  fi
  t=$SECONDS
  echo "--- under brisk" >>"$log"
  (LD_PRELOAD=$LIB timeout -k 5 "$tmo" "$bin" "$@" >>"$log" 2>&1; exit $?) 2>/dev/null
  rcb=$?
  if [[ $rcb == 0 ]]; then
    report "$kind/$name" 1 "$((SECONDS - t))s"
  else
    report "$kind/$name" 0 "exit $rcb under brisk, 0 under glibc: $(grep -v '^---' "$log" | tail -n 2 | tr '\n' ' ' | cut -c1-200)"
  fi
}

# misuse NAME — one bug, one program, one expected message.
item_misuse() {
  local name=$1 bin=$OUT/misuse/$1 src=test/real/misuse/$1
  local lib=$LIB variant=release rc ptr re line nlines sig=ABRT want=134
  local log=$LOG/misuse_$name.log
  local -a envs=()
  [[ -f $src.variant ]] && variant=$(<"$src.variant")
  [[ $variant == debug ]] && lib=$DEBUG_LIB
  [[ -f $src.env ]] && mapfile -t envs < <(grep -v '^[[:space:]]*\(#\|$\)' "$src.env")
  [[ -f $src.signal ]] && sig=$(<"$src.signal")
  [[ $sig == SEGV ]] && want=139
  # (no core file: timeout(1) would add a line of its own to stderr)
  (ulimit -c 0; LD_PRELOAD=$lib timeout -k 5 30 env "${envs[@]}" "$bin" >"$log.out" 2>"$log.err"
   exit $?) 2>/dev/null
  rc=$?
  { echo "exit $rc"; echo "--- stdout"; cat "$log.out"; echo "--- stderr"; cat "$log.err"; } >"$log"
  ptr=$(sed -n 's/^PTR=//p' "$log.out" | head -n 1)
  re=$(<"$src.expect")
  re=${re//PTR/$ptr}
  nlines=$(wc -l <"$log.err")
  line=$(head -n 1 "$log.err")
  rm -f "$log.out" "$log.err"
  if [[ $rc != "$want" ]]; then
    report "misuse/$name" 0 "not caught: exit $rc (want SIG$sig), stderr: ${line:-(empty)}"
  elif [[ $nlines != 1 ]] || ! grep -Eq -- "$re" <<<"$line"; then
    report "misuse/$name" 0 "died by SIG$sig, but stderr is $nlines line(s): '$line' (want /$re/)"
  else
    report "misuse/$name" 1 "$variant: $line"
  fi
}

# prog NAME — test/real/programs/NAME.sh (exit 0 = pass; last line = why).
item_prog() {
  local name=$1 rc t=$SECONDS log=$LOG/prog_$1.log
  REAL_LIB=$LIB REAL_OUT=$OUT REAL_QUICK=$QUICK timeout -k 5 "$2" \
    bash "test/real/programs/$name.sh" >"$log" 2>&1
  rc=$?
  if [[ $rc == 0 ]]; then
    report "prog/$name" 1 "$((SECONDS - t))s; $(tail -n 1 "$log")"
  elif [[ $rc == 77 ]]; then
    echo "SKIP prog/$name: $(tail -n 1 "$log")"
    echo skip >"$ST/prog_$name"
  else
    report "prog/$name" 0 "exit $rc: $(grep -E 'FAILED|differ' "$log" | head -n 2 | tr '\n' ' ' | cut -c1-300)"
  fi
}

# fuzz ITEM FILE... — fuzz inputs through the harness: first with glibc
# behind the brisk_* names (validates the harness's expectations), then
# with the prefixed brisk.
item_fuzz() {
  local name=$1 log=$LOG/${1//\//_}.log rc
  shift
  (timeout -k 5 300 "$OUT/fuzz_replay_glibc" "$@" >"$log" 2>&1; exit $?) 2>/dev/null
  rc=$?
  if [[ $rc != 0 ]]; then
    report "$name" 0 "harness rejects it with glibc too (exit $rc): $(tail -n 1 "$log")"
    return
  fi
  echo "--- brisk" >>"$log"
  (timeout -k 5 300 "$OUT/fuzz_replay" "$@" >>"$log" 2>&1; exit $?) 2>/dev/null
  rc=$?
  if [[ $rc == 0 ]]; then
    report "$name" 1 "$# input(s)"
  else
    report "$name" 0 "exit $rc: $(grep -v '^replay ' "$log" | tail -n 2 | tr '\n' ' ' | cut -c1-300)"
  fi
}

# --------------------------------------------------------------- scheduler
declare -a QUEUE=()
add() { # add NAME FUNCTION ARGS...
  if [[ -n $FILTER ]] && ! [[ $1 =~ $FILTER ]]; then return; fi
  shift
  QUEUE+=("$(printf '%q ' "$@")")
}

run_queue() {
  local cmd running=0
  for cmd in "${QUEUE[@]}"; do
    if ((running >= JOBS)); then
      wait -n
      running=$((running - 1))
    fi
    eval "$cmd" &
    running=$((running + 1))
  done
  wait
  QUEUE=()
}

# Faults: quick mode uses smaller counts.
if ((QUICK)); then
  F_FORKS=60 F_THREADS=1000 F_SPAWNS=40 F_SIGSECS=1
else
  F_FORKS=300 F_THREADS=4000 F_SPAWNS=150 F_SIGSECS=3
fi
add fault/oom item_fault oom 180
add fault/fork_threads item_fault fork_threads 180 "$F_FORKS"
add fault/thread_churn item_fault thread_churn 300 "$F_THREADS"
add fault/dlopen item_fault dlopen 120 "$OUT/faults/lib_dlalloc.so"
add fault/tls_dtor item_fault tls_dtor 120
add fault/spawn item_fault spawn 180 "$F_SPAWNS"
add fault/fork_in_signal item_fault fork_in_signal 120 "$F_FORKS"
add fault/signals item_fault signals 120 "$F_SIGSECS"
add fault/bad_sizes item_fault bad_sizes 60
add fault/bad_align item_fault bad_align 60
add fault/realloc_zero item_fault realloc_zero 60
for f in test/real/misuse/*.c; do
  n=$(basename "$f" .c)
  add "misuse/$n" item_misuse "$n"
done
for f in test/fuzz/regressions/*; do
  [[ -f $f ]] && add "fuzz/regress/${f##*/}" item_fuzz "fuzz/regress/${f##*/}" "$f"
done
add fuzz/corpus item_fuzz fuzz/corpus test/fuzz/corpus/*
for f in test/real/bugs/*.c; do
  n=$(basename "$f" .c)
  add "bug/$n" item_bug "$n" 120
done
if ((QUICK)); then
  PROGS="cxx_threads sqlite"
else
  PROGS="cxx_threads sqlite perl tcl gxx git"
fi
for p in $PROGS; do add "prog/$p" item_prog "$p" 400; done
run_queue

PY_QUICK="test_dict test_list test_set test_json test_re test_collections test_heapq test_struct
  test_deque test_bisect test_copy test_string"
PY_FULL="test_dict test_list test_set test_unicode test_json test_re test_pickle test_collections
  test_threading test_multiprocessing_fork test_gc test_weakref test_array
  test_bytes test_io test_deque test_heapq test_itertools test_functools test_tuple test_string
  test_textwrap test_struct test_zlib test_hashlib test_decimal test_fractions test_math
  test_sort test_bisect test_copy test_enum test_dataclasses test_csv test_base64 test_codecs
  test_memoryview test_queue test_thread test_bz2 test_lzma test_xml_etree test_ast
  test_builtin test_long test_float test_statistics test_random test_marshal test_ordered_dict
  test_defaultdict test_operator test_format test_userdict test_complex test_xml_etree_c
  test_pprint test_difflib test_tarfile test_zipfile test_email test_tokenize test_unicodedata
  test_descr test_exceptions test_generators test_coroutines test_mmap test_subprocess
  test_pyexpat test_minidom test_argparse test_typing test_inspect test_traceback test_compile
  test_sys test_os test_tempfile test_pathlib test_logging test_signal test_threading_local
  test_contextlib test_ctypes test_pickletools test_shelve test_dbm test_class test_iter
  test_int test_mailbox test_plistlib"
if [[ ! -x /usr/bin/python3.11 ]] || [[ ! -d /usr/lib/python3.11/test/libregrtest ]]; then
  # Missing packages fail the full run; the quick run (inside make test)
  # only says so.
  if ((QUICK)); then
    echo "SKIP python: /usr/bin/python3.11 or libpython3.11-testsuite missing"
  else
    echo "FAIL python: /usr/bin/python3.11 or libpython3.11-testsuite missing (apt-get install python3.11 libpython3.11-testsuite)"
    echo fail >"$ST/python"
  fi
else
  mods=()
  for m in $( ((QUICK)) && echo "$PY_QUICK" || echo "$PY_FULL"); do
    if [[ -z $FILTER ]] || [[ python/${m%%:*} =~ $FILTER ]]; then mods+=("$m"); fi
  done
  if ((${#mods[@]})); then
    /usr/bin/python3.11 test/real/python/pytests.py --lib "$LIB" --logdir "$PYLOG" \
      --jobs "$JOBS" "${mods[@]}" 2>&1 | while IFS= read -r line; do
      name=${line#* }
      name=${name%%[: ]*}
      case $line in
        PASS*)
          msg=${line#PASS $name (}
          report "$name" 1 "${msg%)}"
          ;;
        FAIL*) report "$name" 0 "${line#FAIL $name: }" ;;
        *) echo "$line" ;;
      esac
    done
    if [[ ${PIPESTATUS[0]} != 0 ]]; then
      echo "FAIL python: the driver (test/real/python/pytests.py) failed"
      echo fail >"$ST/python-driver"
    fi
  fi
fi

pass=$(grep -lx pass "$ST"/* 2>/dev/null | wc -l)
fail=$(grep -lx fail "$ST"/* 2>/dev/null | wc -l)
xf=$(grep -lx xfail "$ST"/* 2>/dev/null | wc -l)
echo "check-real$( ((QUICK)) && echo -quick): $((SECONDS - T0))s; $xf expected failure(s) (known brisk bugs, test/real/xfail.txt)"
echo "$pass passed, $fail failed"
((fail == 0))
