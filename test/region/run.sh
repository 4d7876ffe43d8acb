#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/region/run.sh — the region-heap suite (brisk_region_*): runs the
# programs `make region-bins` built into build/test/region/ (it builds
# nothing itself), one line per test, "ok NAME" or "FAIL NAME", then
# "N passed, M failed"; exit status 1 if any failed.
#   unit       splitting and coalescing edge cases
#   model      1e6 random operations against a model, periodic checks
#   badinput   EINVAL / ENOMEM, attach of garbage, check finding damage
#   threads    four threads on one region (private and SHARED)
#   crash      holders killed at every step of every operation (hooked build)
#   multiproc  workers mapping one memfd at different addresses, one
#              killed mid-run, a churner SIGKILLed over and over
#   misuse/*   one misuse each: SIGABRT and the exact stderr line
# TEST_FILTER=re runs only the tests whose name matches.
set -u
cd "$(dirname "$0")/../.." || exit 2
bin=build/test/region
out=$bin/out
mkdir -p "$out"
pass=0 fail=0

report() { # NAME OK? DETAIL-FILE
  if [ "$2" = 1 ]; then
    echo "ok $1"; pass=$((pass + 1))
  else
    echo "FAIL $1"; fail=$((fail + 1))
    [ -n "${3:-}" ] && [ -s "$3" ] && sed 's/^/#   /' "$3" | tail -n 15
  fi
}
wanted() { [ -z "${TEST_FILTER:-}" ] || [[ $1 =~ $TEST_FILTER ]]; }

for t in unit model badinput threads crash multiproc; do
  wanted "$t" || continue
  if [ ! -x "$bin/$t" ]; then
    echo "# $bin/$t missing: run 'make region-bins'" >"$out/$t.err"
    report "$t" 0 "$out/$t.err"; continue
  fi
  start=$(date +%s.%N)
  timeout 60 "$bin/$t" >"$out/$t.out" 2>"$out/$t.err"
  rc=$?
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  grep '^#' "$out/$t.out"
  [ $rc = 0 ] && ok=1 || { ok=0; echo "# exit status $rc" >>"$out/$t.err"; }
  echo "# $t: $secs s"
  report "$t" $ok "$out/$t.err"
done

for src in test/region/misuse/*.c; do
  name=$(basename "$src" .c)
  wanted "misuse/$name" || continue
  if [ ! -x "$bin/misuse/$name" ]; then
    echo "# $bin/misuse/$name missing: run 'make region-bins'" >"$out/$name.err"
    report "misuse/$name" 0 "$out/$name.err"; continue
  fi
  # (the braces keep bash's own "Aborted" notice out of the output)
  { timeout 20 "$bin/misuse/$name" >"$out/$name.want" 2>"$out/$name.got"; rc=$?; } 2>/dev/null
  ok=1
  if [ $rc != 134 ]; then ok=0; echo "# exit status $rc, not SIGABRT (134)" >>"$out/$name.got"; fi
  if ! cmp -s "$out/$name.want" "$out/$name.got"; then
    ok=0; { echo "# wanted on stderr:"; cat "$out/$name.want"; } >>"$out/$name.got"
  fi
  report "misuse/$name" $ok "$out/$name.got"
done

echo "$pass passed, $fail failed"
[ $fail = 0 ]
