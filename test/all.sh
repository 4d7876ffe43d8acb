#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/all.sh — what `make test` runs: the main suites (test/run.sh), the
# quick reliability subset (test/real/run.sh --quick: misuse, faults, fuzz
# replay, real programs, a few Python modules) and the hardening misuse
# suite (test/harden/run.sh: every case on the default, hardened and
# sampled builds), then ONE closing line "N passed, M failed" summing all
# three.  Exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/.." || exit 2
out=build/test
mkdir -p "$out"
rc=0
test/run.sh | tee "$out/main.out" || rc=1
test/real/run.sh --quick | tee "$out/real-quick.out" || rc=1
test/harden/run.sh | tee "$out/harden.out" || rc=1
sum() { # sum FILE -> "passed failed" from its last "N passed, M failed" line
  awk '/^[0-9]+ passed, [0-9]+ failed/ { p = $1; f = $3 } END { print p + 0, f + 0 }' "$1"
}
read -r p1 f1 < <(sum "$out/main.out")
read -r p2 f2 < <(sum "$out/real-quick.out")
read -r p3 f3 < <(sum "$out/harden.out")
# a suite that printed no summary counts as one failure
grep -qE '^[0-9]+ passed, [0-9]+ failed' "$out/main.out" || f1=$((f1 + 1))
grep -qE '^[0-9]+ passed, [0-9]+ failed' "$out/real-quick.out" || f2=$((f2 + 1))
grep -qE '^[0-9]+ passed, [0-9]+ failed' "$out/harden.out" || f3=$((f3 + 1))
echo "== make test: main suites $p1 passed, $f1 failed; reliability (quick) $p2 passed, $f2 failed; hardening misuse $p3 passed, $f3 failed"
echo "$((p1 + p2 + p3)) passed, $((f1 + f2 + f3)) failed"
((f1 + f2 + f3 == 0 && rc == 0))
