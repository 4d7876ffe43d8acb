#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tools/check_clang.sh — every source file of the library compiles with
# clang as well as with gcc (-fsyntax-only, -Wall -Wextra as errors): the
# libFuzzer harness (make fuzz) and users who build with clang need it,
# and gcc accepts things clang refuses (an __atomic builtin on an _Atomic
# field broke `make fuzz`).  Exits 0 with a note when no clang is found.
set -u
cd "$(dirname "$0")/.."
cc=$(command -v clang-14 || command -v clang || true)
if [[ -z $cc ]]; then
  echo "check_clang: no clang (apt-get install clang-14): skipped"
  exit 0
fi
fail=0
for f in src/*/*.c; do
  if ! "$cc" -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc "$f"; then
    echo "check_clang: $f does not compile with $cc"
    fail=1
  fi
done
((fail == 0)) && echo "check_clang: $(ls src/*/*.c | wc -l) files compile with $($cc --version | head -1)"
exit $fail
