# SPDX-License-Identifier: MIT
# lib.sh — helpers sourced by the preload tests (test/preload/*.sh).
# Each test runs real programs twice, without and with
# LD_PRELOAD=$PRELOAD_LIB, and requires identical stdout, stderr and exit
# status.  Runs happen in separate scratch directories under $WORK.
set -u
: "${TEST_BRISK_LIB:?TEST_BRISK_LIB must name the libbrisk.so to preload}"
PRELOAD_LIB=$TEST_BRISK_LIB
[[ -f $PRELOAD_LIB ]] || { echo "FAILED: $PRELOAD_LIB missing" >&2; exit 1; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/brisk-preload.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C TZ=UTC
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

skip() {
  echo "SKIPPED: $*"
  exit 0
}

# compare LABEL CMD... — run CMD (cwd: $WORK/LABEL.plain or .brisk) twice;
# stdout, stderr and exit status must match, stdout must not be empty.
compare() {
  local label=$1
  shift
  local a=$WORK/$label.plain b=$WORK/$label.brisk rca rcb
  mkdir -p "$a" "$b"
  (cd "$a" && "$@") >"$a.out" 2>"$a.err"
  rca=$?
  (cd "$b" && LD_PRELOAD=$PRELOAD_LIB "$@") >"$b.out" 2>"$b.err"
  rcb=$?
  echo "$label: exit $rca / $rcb, stdout $(wc -c <"$a.out") / $(wc -c <"$b.out") bytes"
  if ! cmp -s "$a.out" "$b.out"; then
    diff "$a.out" "$b.out" | head -20
    fail "$label: stdout differs under LD_PRELOAD"
  fi
  if ! cmp -s "$a.err" "$b.err"; then
    diff "$a.err" "$b.err" | head -20
    fail "$label: stderr differs under LD_PRELOAD"
  fi
  [[ $rca == "$rcb" ]] || fail "$label: exit status $rca without, $rcb with brisk"
  [[ -s $a.out || -s $a.err ]] || fail "$label: produced no output (test is broken)"
  return 0
}

# need PROGRAM... — skip the test when a program is not installed (CI
# installs them all; see .ci/run)
need() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || skip "$p not installed"
  done
}
