# SPDX-License-Identifier: MIT
# lib.sh — helpers sourced by test/real/programs/*.sh.
# Each script runs a real program twice, without and with
# LD_PRELOAD=$REAL_LIB, in separate scratch directories, and requires
# identical stdout, stderr and exit status.  Exit 0 = pass (the last line
# of output is the summary), 77 = skipped, anything else = failure.
set -u
: "${REAL_LIB:?REAL_LIB must name the libbrisk.so to preload}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QUICK=${REAL_QUICK:-0}
WORK=$(mktemp -d /tmp/brisk-real.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C TZ=UTC

fail() {
  echo "FAILED: $*"
  exit 1
}

skip() {
  echo "SKIPPED: $*"
  exit 77
}

need() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || skip "$p not installed"
  done
}

# compare LABEL CMD... — run CMD in $WORK/LABEL.plain and $WORK/LABEL.brisk
# (created if missing; cwd of the command); stdout, stderr and exit status
# must match, the status must be 0 (unless ALLOW_FAIL is set), and there
# must be some output.
compare() {
  local label=$1
  shift
  local a=$WORK/$label.plain b=$WORK/$label.brisk rca rcb t0 t1 t2
  mkdir -p "$a" "$b"
  t0=$(date +%s.%N)
  (cd "$a" && "$@") >"$a.out" 2>"$a.err"
  rca=$?
  t1=$(date +%s.%N)
  (cd "$b" && LD_PRELOAD=$REAL_LIB "$@") >"$b.out" 2>"$b.err"
  rcb=$?
  t2=$(date +%s.%N)
  printf '%s: exit %s / %s, stdout %s / %s bytes, %.1fs / %.1fs (glibc / brisk)\n' "$label" \
    "$rca" "$rcb" "$(wc -c <"$a.out")" "$(wc -c <"$b.out")" \
    "$(awk "BEGIN { print $t1 - $t0 }")" "$(awk "BEGIN { print $t2 - $t1 }")"
  if ! cmp -s "$a.out" "$b.out"; then
    diff "$a.out" "$b.out" | head -20
    fail "$label: stdout differs under LD_PRELOAD"
  fi
  if ! cmp -s "$a.err" "$b.err"; then
    diff "$a.err" "$b.err" | head -20
    fail "$label: stderr differs under LD_PRELOAD"
  fi
  [[ $rca == "$rcb" ]] || fail "$label: exit status $rca without, $rcb with brisk"
  [[ $rca == 0 || -n ${ALLOW_FAIL:-} ]] || { head -5 "$a.err"; fail "$label: exit $rca without brisk too (test is broken)"; }
  [[ -s $a.out || -s $a.err ]] || fail "$label: produced no output (test is broken)"
  return 0
}

# both LABEL — the two scratch directories of a compare, for checks on files.
plain_dir() { echo "$WORK/$1.plain"; }
brisk_dir() { echo "$WORK/$1.brisk"; }
