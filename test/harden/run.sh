#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/harden/run.sh — the hardening misuse suite: every program of
# test/harden/ (one heap misuse each, built by `make check-harden` into
# build/test/harden/) run against three builds of brisk, its outcome
# compared with the expectations in its header, then a table of who stops
# what.
#
#   test/harden/run.sh [--build default|hardened|sampled]
#
# Builds: default  LD_PRELOAD=build/libbrisk.so
#         hardened LD_PRELOAD=build/libbrisk-hardened.so (-DBRISK_HARDENED=1)
#         sampled  LD_PRELOAD=build/libbrisk.so, BRISK_GUARD_SAMPLE=1 (every
#                  allocation up to 4096 bytes against a guard page)
# This script builds nothing.  Each case runs once per build (timeout 20 s,
# HARDEN_JOBS in parallel, default 2) and prints
#   PASS harden/<case>@<build> (<outcome>)   or   FAIL ...: <why>
# then a Markdown table (rows: cases, columns: builds; also written to
# build/test/harden/table.md), then exactly "N passed, M failed" as the
# last line.  Exit status 1 if anything failed.
#
# A case declares one expectation per build in its header:
#   /* expect <build>: <kind> */
#   abort "ERE"   SIGABRT, and stderr is one line matching ERE
#   segv ["ERE"]  SIGSEGV (with ERE: stderr is one line matching it)
#   stop          a deliberate abort (SIGABRT, one "brisk: " line) or SIGSEGV
#   safe          stop, or harmless
#   harmless      exit 0: survived, the attack's goal not reached
#   any           not enforced, only reported (a timeout still fails)
# In an ERE, PTR stands for the pointer the case printed as "PTR=0x..."
# before the misuse.  Exit codes of a case: 0 harmless, 3 goal reached
# (the attack worked or the bug went unnoticed), 2 setup failed.
# Environment: HARDEN_FILTER (regex on case names), HARDEN_JOBS.
# Logs: build/test/harden/logs/<case>@<build>.log.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
BUILDS="default hardened sampled"
if [[ ${1:-} == --build ]]; then
  case ${2:-} in
    default | hardened | sampled) BUILDS=$2 ;;
    *) echo "usage: $0 [--build default|hardened|sampled]" >&2; exit 2 ;;
  esac
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--build default|hardened|sampled]" >&2
  exit 2
fi
JOBS=${HARDEN_JOBS:-2}
FILTER=${HARDEN_FILTER:-}
SRC=test/harden
OUT=build/test/harden
LOG=$OUT/logs
rm -rf "$LOG"
mkdir -p "$LOG"
ST=$(mktemp -d "$OUT/status.XXXXXX") || exit 2
trap 'rm -rf "$ST"' EXIT
export LC_ALL=C
T0=$SECONDS

lib_of() { # lib_of BUILD
  case $1 in
    hardened) echo "$ROOT/build/libbrisk-hardened.so" ;;
    *) echo "$ROOT/build/libbrisk.so" ;;
  esac
}

CASES=()
for f in "$SRC"/*.c "$SRC"/*.cpp; do
  [[ -f $f ]] || continue
  n=${f##*/}
  n=${n%.*}
  if [[ -n $FILTER ]] && ! [[ $n =~ $FILTER ]]; then continue; fi
  CASES+=("$n")
done
mapfile -t CASES < <(printf '%s\n' "${CASES[@]}" | sort)

src_of() { # src_of CASE
  if [[ -f $SRC/$1.c ]]; then echo "$SRC/$1.c"; else echo "$SRC/$1.cpp"; fi
}

# expectation CASE BUILD — the text after "expect BUILD: " (empty if none).
expectation() {
  sed -n "s|^/\* expect $2: \(.*\) \*/\$|\1|p" "$(src_of "$1")" | head -n 1
}

# kind_of LINE — a brisk stderr line, shortened for the table.
kind_of() {
  local m=${1#brisk: }
  m=${m% (*}
  if [[ $m =~ ^(heap\ corruption|heap\ overflow|write\ after\ free): ]]; then
    m=${BASH_REMATCH[1]}
  elif [[ $m =~ ^guarded\ sample:\ (.*)\ of\ a\  ]]; then
    m="guarded sample: ${BASH_REMATCH[1]}"
  fi
  printf '%s' "$m"
}

# record NAME STATUS CELL LINE — print the line, keep status and cell.
record() {
  printf '%s\t%s\n' "$2" "$3" >"$ST/$1"
  echo "$4"
}

# run_case CASE BUILD
run_case() {
  local c=$1 b=$2 name="harden/$1@$2" bin=$ROOT/$OUT/$1 log=$LOG/$1@$2.log
  local exp kind re="" rc ptr line last errs nerr how ok=0 why="" brisk_line=0
  exp=$(expectation "$c" "$b")
  if [[ -z $exp ]]; then
    record "$c@$b" fail "no expectation" "FAIL $name: no '/* expect $b: ... */' line in $(src_of "$c")"
    return
  fi
  if [[ ! -x $bin ]]; then
    record "$c@$b" fail "not built" "FAIL $name: $OUT/$c missing (make check-harden-bins)"
    return
  fi
  kind=${exp%% *}
  if [[ $exp =~ ^[a-z]+\ \"(.*)\"$ ]]; then re=${BASH_REMATCH[1]}; fi
  local -a envs=("LD_PRELOAD=$(lib_of "$b")")
  [[ $b == sampled ]] && envs+=("BRISK_GUARD_SAMPLE=1")
  # env(1) after timeout(1): only the case itself runs on brisk
  (ulimit -c 0; timeout -k 5 20 env "${envs[@]}" "$bin" >"$log.out" 2>"$log.err"; exit $?) 2>/dev/null
  rc=$?
  # timeout(1) adds a line of its own when the program dumped core
  sed -i '/^timeout: the monitored command dumped core$/d' "$log.err"
  ptr=$(sed -n 's/^PTR=//p' "$log.out" | head -n 1)
  nerr=$(wc -l <"$log.err")
  line=$(head -n 1 "$log.err")
  # the table names the last brisk line (the fatal one, after any warning)
  last=$(grep '^brisk: ' "$log.err" | tail -n 1)
  errs=$(head -c 600 "$log.err" | tr '\n' '|')
  { echo "build $b, expect: $exp"; echo "exit $rc"; echo "--- stdout"; cat "$log.out"
    echo "--- stderr"; cat "$log.err"; } >"$log"
  rm -f "$log.out" "$log.err"
  [[ $nerr == 1 && $line == "brisk: "* ]] && brisk_line=1
  case $rc in
    134)
      if ((brisk_line)); then how="abort: $(kind_of "$line")"
      elif [[ -n $last ]]; then how="abort: $(kind_of "$last") (+$((nerr - 1)) line(s))"
      else how="SIGABRT (no brisk line)"; fi ;;
    139)
      how=SIGSEGV
      [[ -n $last ]] && how="SIGSEGV ($(kind_of "$last"))" ;;
    0) how=harmless ;;
    3) how="MISSED (goal reached)" ;;
    2) how="setup failed" ;;
    124 | 137) how="timeout" ;;
    *)
      if ((rc > 128)); then how="signal $((rc - 128))"; else how="survived (exit $rc)"; fi ;;
  esac
  if [[ $re == *PTR* ]]; then
    if [[ -z $ptr ]]; then re="(no PTR= line on stdout)"; else re=${re//PTR/$ptr}; fi
  fi
  case $kind in
    abort)
      if [[ $rc == 134 && $nerr == 1 ]] && grep -Eq -- "$re" <<<"$line"; then ok=1
      else why="want SIGABRT and one stderr line matching /$re/"; fi ;;
    segv)
      if [[ $rc == 139 ]] && { [[ -z $re ]] || { [[ $nerr == 1 ]] && grep -Eq -- "$re" <<<"$line"; }; }; then ok=1
      else why="want SIGSEGV${re:+ and one stderr line matching /$re/}"; fi ;;
    stop)
      if [[ $rc == 139 ]] || ((rc == 134 && brisk_line)); then ok=1
      else why="want a deliberate abort or SIGSEGV"; fi ;;
    safe)
      if [[ $rc == 139 || $rc == 0 ]] || ((rc == 134 && brisk_line)); then ok=1
      else why="want it stopped or harmless"; fi ;;
    harmless)
      if [[ $rc == 0 ]]; then ok=1; else why="want exit 0 (harmless)"; fi ;;
    any)
      if [[ $rc == 124 || $rc == 137 || $rc == 2 ]]; then why="hung or could not set up"
      else ok=1; fi ;;
    *) why="unknown expectation '$exp'" ;;
  esac
  if ((ok)); then
    record "$c@$b" pass "$how" "PASS $name ($how)"
  else
    record "$c@$b" fail "$how" \
      "FAIL $name: $how, stderr ($nerr line(s)): ${errs:-(empty)}; $why (log: $log)"
  fi
}

for b in $BUILDS; do
  lib=$(lib_of "$b")
  if [[ ! -f $lib ]]; then
    echo "FAIL harden/setup@$b: ${lib#"$ROOT"/} missing (make lib hardened)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

running=0
for c in "${CASES[@]}"; do
  for b in $BUILDS; do
    if ((running >= JOBS)); then
      wait -n
      running=$((running - 1))
    fi
    run_case "$c" "$b" &
    running=$((running + 1))
  done
done
wait

# ------------------------------------------------------------------ table
TABLE=$OUT/table.md
{
  printf '| case |'
  for b in $BUILDS; do printf ' %s |' "$b"; done
  printf '\n|---|'
  for b in $BUILDS; do printf -- '---|'; done
  printf '\n'
  for c in "${CASES[@]}"; do
    printf '| %s |' "$c"
    for b in $BUILDS; do
      IFS=$'\t' read -r st cell <"$ST/$c@$b"
      [[ $st == fail ]] && cell="$cell **(FAIL)**"
      printf ' %s |' "$cell"
    done
    printf '\n'
  done
} >"$TABLE"
echo
cat "$TABLE"
echo
pass=$(grep -l '^pass' "$ST"/* 2>/dev/null | wc -l)
fail=$(grep -l '^fail' "$ST"/* 2>/dev/null | wc -l)
echo "check-harden: ${#CASES[@]} cases x $(wc -w <<<"$BUILDS") builds in $((SECONDS - T0))s; table: $TABLE"
echo "$pass passed, $fail failed"
((fail == 0))
