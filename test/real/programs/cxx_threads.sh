# SPDX-License-Identifier: MIT
# cxx_threads.sh — build/real/cxx_threads (cxx_threads.cpp: thread pool,
# futures, exceptions across threads, containers, shared_ptr handoff)
# prints the same with and without brisk.
source "$(dirname "$0")/lib.sh"
BIN=$(realpath -m "${REAL_OUT:-build/real}/cxx_threads")
[[ -x $BIN ]] || fail "$BIN not built (make check-real-bins)"
SCALE=2
((QUICK)) && SCALE=1
compare cxx_threads "$BIN" "$SCALE"
compare cxx_threads-again "$BIN" 1
echo "cxx_threads: identical output ($(sed -n 3p "$(plain_dir cxx_threads).out" | cut -c1-60))"
