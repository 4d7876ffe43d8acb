# SPDX-License-Identifier: MIT
# Workload for `make demo`: a burst of allocation (a dict of lists and
# strings), JSON round trip, then release, with the process's RSS printed.
import json

def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4

d = {f"key-{i}": [i, str(i) * 3, {"n": i}] for i in range(300_000)}
s = json.dumps(d)
back = json.loads(s)
assert back == d
print(f"   program: {len(d)} entries, {len(s) // 1024} KiB of JSON, RSS at peak {rss_kib() // 1024} MiB")
del d, back, s
print(f"   program: after freeing everything, RSS {rss_kib() // 1024} MiB")
