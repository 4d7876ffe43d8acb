# SPDX-License-Identifier: MIT
# workload.py — deterministic python3 workload for the preload test:
# dicts, lists, sets, strings, json, sorting, big integers, gc churn.
import gc, json, hashlib

d = {}
for i in range(200000):
    d["k%07d" % i] = [i, str(i) * (i % 7), {"v": i * 3}]
print(len(d), sum(v[0] for v in d.values()))
for i in range(0, 200000, 2):
    del d["k%07d" % i]
print(len(d))

words = ["w%x" % (i * 2654435761 % 1000003) for i in range(100000)]
words.sort()
print(words[:5], words[-5:])
s = " ".join(words)
print(len(s), s.count("w1"), hashlib.sha256(s.encode()).hexdigest())
parts = s.split(" ")
print(len(parts), len(set(parts)))

doc = {"items": [{"id": i, "name": "item-%d" % i, "tags": ["t%d" % (i % 13)] * (i % 5),
                  "nested": {"a": [i, i * 2, {"b": str(i)}]}} for i in range(30000)]}
txt = json.dumps(doc, sort_keys=True)
back = json.loads(txt)
print(len(txt), back["items"][12345]["nested"]["a"][2]["b"], hashlib.md5(txt.encode()).hexdigest())

acc = 1
for i in range(1, 1400):
    acc *= i
print(len(str(acc)))

class Node:
    def __init__(self, v, nxt):
        self.v, self.nxt = v, nxt
for r in range(5):
    head = None
    for i in range(100000):
        head = Node(i, head)
    n = 0
    while head:
        n += head.v
        head = head.nxt
    print(r, n)
    gc.collect()
b = bytearray()
for i in range(20000):
    b += bytes([i % 256]) * (i % 300)
print(len(b), hashlib.sha1(b).hexdigest())
