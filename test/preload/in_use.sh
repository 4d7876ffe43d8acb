# SPDX-License-Identifier: MIT
# in_use.sh — the preloaded library is really in use: libbrisk appears in
# /proc/self/maps of python3, perl and cat under LD_PRELOAD (and not
# without it), and python3's allocations reach brisk: brisk_stats_get's
# malloc_calls grows by >= 100000 while python builds 100000 strings.
source "$(dirname "$0")/lib.sh"
code='
import ctypes
maps = open("/proc/self/maps").read()
print("mapped", "libbrisk" in maps)
try:
    get = ctypes.CDLL(None).brisk_stats_get
except AttributeError:
    print("no-brisk-api")
    raise SystemExit(0)
buf = (ctypes.c_uint64 * 64)()
get(buf)
before = buf[0]
junk = [str(i) * 3 for i in range(100000)]
get(buf)
print("malloc_calls-delta-ok", buf[0] - before >= 100000)
'
out=$(LD_PRELOAD=$PRELOAD_LIB PYTHONMALLOC=malloc $PYTHON -c "$code") || fail "python under brisk: $out"
echo "$out"
grep -q "mapped True" <<<"$out" || fail "libbrisk not in python's maps"
grep -q "malloc_calls-delta-ok True" <<<"$out" ||
  fail "python's allocations do not reach brisk (brisk_stats malloc_calls)"
out=$(PYTHONMALLOC=malloc $PYTHON -c "$code")
grep -q "mapped False" <<<"$out" || fail "libbrisk mapped without LD_PRELOAD?"
LD_PRELOAD=$PRELOAD_LIB perl -ne 'print if /libbrisk/' /proc/self/maps | grep -q libbrisk ||
  fail "libbrisk not in perl's maps"
LD_PRELOAD=$PRELOAD_LIB cat /proc/self/maps | grep -q libbrisk ||
  fail "libbrisk not in cat's maps"
echo ok
