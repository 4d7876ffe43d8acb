# SPDX-License-Identifier: MIT
# sort.sh — GNU sort of a generated ~1 MiB file (plain, numeric by key,
# unique, parallel with a small buffer forcing temporary files) gives the
# same result with and without brisk.
source "$(dirname "$0")/lib.sh"
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "%d word%x %d\n", (i * 7919) % 100003, (i * 2654435761) % 99991, i }' >"$WORK/in.txt"
(($(wc -c <"$WORK/in.txt") > 1000000)) || fail "input too small"
compare sort sort "$WORK/in.txt"
compare sort_k2n sort -k2,2 -k1,1n "$WORK/in.txt"
compare sort_u sort -u -k2,2 "$WORK/in.txt"
compare sort_par sort --parallel=2 -S 200K -T . -n "$WORK/in.txt"
echo ok
