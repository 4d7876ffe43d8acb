#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh — run the brisk benchmark suite.
#   bench/run.sh --quick            (< 5 min on 2 cores; `make bench-quick`)
#   bench/run.sh --full             (20-40 min; `make bench`)
#   bench/run.sh --quick --only larson,churn --rounds 5 --no-callgrind
# Installs missing peer allocators (Debian packages), builds the workload
# programs, then hands over to bench/runner.py (see its --help).  brisk is
# included when build/libbrisk.so exists; `make bench*` rebuilds it first.
set -euo pipefail
cd "$(dirname "$0")/.."

peers=(libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4)
missing=()
for p in "${peers[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bench: installing peers: ${missing[*]}" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q "${missing[@]}" >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; } ||
      echo "bench: WARNING: could not install ${missing[*]}; they will be left out" >&2
  else
    echo "bench: WARNING: not root, cannot install ${missing[*]}; they will be left out" >&2
  fi
fi
for tool in valgrind sqlite3 perl gcc; do
  command -v "$tool" >/dev/null || echo "bench: WARNING: $tool not found (apt-get install $tool)" >&2
done

make --no-print-directory -s bench-progs
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" bench/runner.py "$@"
