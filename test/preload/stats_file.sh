# SPDX-License-Identifier: MIT
# stats_file.sh — BRISK_STATS_FILE: GNU sort and ls close stderr before
# they exit, so BRISK_STATS=1 alone loses their statistics table; with
# BRISK_STATS_FILE (which implies BRISK_STATS=1) the table goes to a file
# whose name has %p replaced by the pid, %e by the program name and %% by
# a '%'.  The table's first line names the pid and the program.  A file
# that cannot be created: one warning line, then the table on stderr.
source "$(dirname "$0")/lib.sh"
need sort ls
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%d w%x\n", (i * 7919) % 100003, i }' >"$WORK/in.txt"

# run_pid OUT ERR ENV... -- CMD...: run with LD_PRELOAD, print its pid
# (the subshell execs the program, so $! is the program's pid)
run_pid() {
  local out=$1 err=$2
  shift 2
  (exec env LD_PRELOAD="$PRELOAD_LIB" "$@" >"$out" 2>"$err") &
  local pid=$!
  wait "$pid" || fail "$* exited $?"
  echo "$pid"
}

# check_table FILE PID PROG: header naming PID and PROG, known rows
check_table() {
  local f=$1 pid=$2 prog=$3
  [[ -f $f ]] || { ls -la "$WORK" >&2; fail "no statistics file $f"; }
  head -n 1 "$f" | grep -qx "brisk: heap statistics: pid $pid ($prog)" ||
    { cat "$f" >&2; fail "$f: first line does not name pid $pid ($prog)"; }
  grep -Eq '^brisk:   allocations +[1-9][0-9]*$' "$f" || { cat "$f" >&2; fail "$f: no allocations row"; }
  grep -q '^brisk:   syscalls ' "$f" || fail "$f: no syscalls row"
  # every row: label, two or more spaces, value (a label as long as the
  # column once ran into its value: "fragmentation % (RSS/live)2467")
  local bad
  bad=$(tail -n +2 "$f" | grep -Ev '^brisk:   ([^ ].*[^ ])?  +[^ ]' || true)
  [[ -z $bad ]] || { cat "$f" >&2; fail "$f: rows without a gap before the value: $bad"; }
  grep -Eq '^brisk:   fragmentation % \(RSS/live\)  +[0-9]+$' "$f" || fail "$f: no fragmentation row"
  echo "$f: $(wc -l <"$f") lines, $(head -n 1 "$f")"
}

# sort: %p
pid=$(run_pid "$WORK/sort.out" "$WORK/sort.err" BRISK_STATS_FILE="$WORK/stats.%p" sort -n "$WORK/in.txt")
sort -n "$WORK/in.txt" | cmp -s - "$WORK/sort.out" || fail "sort output differs"
[[ ! -s $WORK/sort.err ]] || { cat "$WORK/sort.err"; fail "sort: unexpected stderr"; }
check_table "$WORK/stats.$pid" "$pid" sort

# ls: %e, %p and %% (and created with mode 0644 under umask 022)
pid=$(umask 022 && run_pid "$WORK/ls.out" "$WORK/ls.err" BRISK_STATS_FILE="$WORK/%e-%p-%%.txt" ls -l /usr/include)
[[ -s $WORK/ls.out ]] || fail "ls printed nothing"
check_table "$WORK/ls-$pid-%.txt" "$pid" ls
[[ $(stat -c %a "$WORK/ls-$pid-%.txt") == 644 ]] || fail "statistics file mode is not 0644"

# an existing file is truncated, not appended to
head -c 100000 /dev/zero | tr '\0' x >"$WORK/old.txt"
pid=$(run_pid /dev/null "$WORK/ls2.err" BRISK_STATS_FILE="$WORK/old.txt" ls /)
check_table "$WORK/old.txt" "$pid" ls
! grep -q xxxx "$WORK/old.txt" || fail "old contents kept: not truncated"

# the control: BRISK_STATS=1 alone, stderr to a file: sort closed it (not
# enforced: it depends on the coreutils build)
run_pid /dev/null "$WORK/plain.err" BRISK_STATS=1 sort -n "$WORK/in.txt" >/dev/null
grep -q '^brisk: heap statistics' "$WORK/plain.err" || echo "note: sort's table lost on stderr without BRISK_STATS_FILE"

# a file that cannot be created: one warning line, the table on stderr
pid=$(run_pid /dev/null "$WORK/bad.err" BRISK_STATS_FILE="$WORK/no/such/dir/s.%p" /bin/true)
head -n 1 "$WORK/bad.err" | grep -qx "brisk: cannot open BRISK_STATS_FILE, statistics on stderr: $WORK/no/such/dir/s.$pid" ||
  { cat "$WORK/bad.err"; fail "no warning line for an unwritable BRISK_STATS_FILE"; }
[[ $(grep -c '^brisk: cannot open' "$WORK/bad.err") == 1 ]] || fail "more than one warning line"
sed -n 2p "$WORK/bad.err" | grep -qx "brisk: heap statistics: pid $pid (true)" ||
  { cat "$WORK/bad.err"; fail "no table on stderr after the warning"; }
echo ok
