#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/report/run.sh — tests of brisk trace / brisk report (tools/brisk_report.py):
# synthetic traces from test/report/mktrace.py with known figures (--json,
# --collapsed, text, symbolisation, cut-short and bad files), the HTML
# report in headless Chromium (screenshot: build/test/report/report.png),
# and, once the tracer is built, `brisk trace` on test/report/known.c.
# Prints "ok NAME" / "FAIL NAME" / "skip NAME (why)" lines, then
# "N passed, M failed"; exit status 1 if anything failed.  Details and
# environment variables: test/report/tests.py.
set -u
cd "$(dirname "$0")/../.." || exit 2
out=build/test/report
mkdir -p "$out"
py=$(command -v python3) || { echo "FAIL setup: python3 not found"; echo "0 passed, 1 failed"; exit 1; }
# known.c: the program with known allocations (symbols with file:line for
# the synthetic traces; traced for real by the tracer tests)
if [[ ! -x $out/known || test/report/known.c -nt $out/known ]]; then
  if ! ${CC:-cc} -g -O0 -fno-omit-frame-pointer -o "$out/known" test/report/known.c 2>"$out/known.cc.log"; then
    echo "FAIL setup: cannot compile test/report/known.c ($(head -1 "$out/known.cc.log"))"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
"$py" test/report/tests.py
rc=$?
((rc == 0)) || exit 1
