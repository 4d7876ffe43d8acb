#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/all.sh — what `make test` runs, one suite after another, then ONE
# closing line "N passed, M failed" summing them all:
#   main suites       test/run.sh (unit, api, stress, preload, valgrind...)
#   reliability       test/real/run.sh --quick (misuse, faults, fuzz replay,
#                     real programs, a few Python modules)
#   hardening misuse  test/harden/run.sh (every case on the default,
#                     hardened and sampled builds)
#   region heaps      test/region/run.sh (brisk_region_*: unit, model,
#                     multi-process crash test)
#   trace and report  test/report/run.sh (brisk trace, brisk report, the
#                     report in headless Chromium)
# Each suite ends with its own "N passed, M failed" line; a suite that
# prints none counts as one failure.  Exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/.." || exit 2
out=build/test
mkdir -p "$out"
suites=(
  "main suites|main|test/run.sh"
  "reliability (quick)|real-quick|test/real/run.sh --quick"
  "hardening misuse|harden|test/harden/run.sh"
  "region heaps|region|test/region/run.sh"
  "trace and report|report|test/report/run.sh"
)
rc=0 total_p=0 total_f=0 summary=""
for s in "${suites[@]}"; do
  IFS='|' read -r label name cmd <<<"$s"
  $cmd | tee "$out/$name.out" || rc=1
  read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed/ { p = $1; f = $3 } END { print p + 0, f + 0 }' "$out/$name.out")
  grep -qE '^[0-9]+ passed, [0-9]+ failed' "$out/$name.out" || f=$((f + 1))
  total_p=$((total_p + p)) total_f=$((total_f + f))
  summary+="${summary:+; }$label $p passed, $f failed"
done
echo "== make test: $summary"
echo "$total_p passed, $total_f failed"
((total_f == 0 && rc == 0))
