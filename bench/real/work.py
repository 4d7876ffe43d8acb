# SPDX-License-Identifier: MIT
"""bench/real/work.py — a fixed allocation-heavy Python workload.

Run as: PYTHONMALLOC=malloc python3 work.py N   (N scales the work)
PYTHONMALLOC=malloc makes every Python object go through malloc/free
(otherwise pymalloc's arenas hide the allocator).  Models an ordinary
scripting job: parse records, build dicts and objects, group, sort,
serialise, tokenise text.  Prints a checksum that does not depend on the
allocator.
"""
import json
import re
import sys
import zlib

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


class Record:
    __slots__ = ("key", "name", "tags", "score")

    def __init__(self, key, name, tags, score):
        self.key = key
        self.name = name
        self.tags = tags
        self.score = score


def make_lines(n):
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    out = []
    x = 12345
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        tags = [words[(x >> k) & 7] for k in range(0, 3 + (x & 3) * 3, 3)]
        out.append("%d,%s-%d,%s,%d" % (i, words[x & 7], x % 997, "|".join(tags), x % 10007))
    return out


def parse(lines):
    recs = []
    for line in lines:
        key, name, tags, score = line.split(",")
        recs.append(Record(int(key), name, tags.split("|"), int(score)))
    return recs


def group(recs):
    by_tag = {}
    for r in recs:
        for t in r.tags:
            by_tag.setdefault(t, []).append(r)
    return {t: sorted(v, key=lambda r: (r.score, r.key)) for t, v in by_tag.items()}


def serialise(groups):
    doc = {t: [{"k": r.key, "n": r.name, "s": r.score} for r in v[:2000]] for t, v in groups.items()}
    text = json.dumps(doc, sort_keys=True)
    back = json.loads(text)
    return text, back


def tokenise(text):
    counts = {}
    for m in re.finditer(r"[a-z]+-\d+", text):
        w = m.group(0)
        counts[w] = counts.get(w, 0) + 1
    return counts


def churn(n):
    # short-lived temporaries: tuples, strings, small lists, dict updates
    cache = {}
    total = 0
    for i in range(n * 5):
        k = (i * 7919) % 4096
        v = ("x" * (i % 40), i, [i, i + 1])
        cache[k] = v
        total += len(v[0]) + v[2][1]
    return total


def main():
    h = 0
    for rnd in range(3):
        lines = make_lines(N)
        recs = parse(lines)
        groups = group(recs)
        text, back = serialise(groups)
        counts = tokenise(text)
        h = zlib.crc32(text.encode(), h)
        h = zlib.crc32(repr(sorted(counts.items())[:100]).encode(), h)
        h = (h + sum(len(v) for v in back.values()) + churn(N)) & 0xFFFFFFFF
        del lines, recs, groups, text, back, counts
    print("checksum=%d" % h)


main()
