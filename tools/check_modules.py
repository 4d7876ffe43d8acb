#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check brisk's module structure (run from the repository root).

A module is src/<folder>/<name>.c plus its header <name>.h.  Fails (exit 1)
when the module graph given by the #include "folder/name.h" lines has a
cycle (docs/design.md: dependencies run one way), or when a file defines a
non-static function whose name does not say where it lives
(brisk_<module>_... or a public brisk_/standard name in src/api/).
"""
import glob
import os
import re
import sys

def modules():
    deps = {}
    for f in glob.glob("src/*/*.c") + glob.glob("src/*/*.h"):
        m = os.path.splitext(f[len("src/"):])[0]
        inc = re.findall(r'#include "([a-z]+/[a-z_]+)\.h"', open(f).read())
        deps.setdefault(m, set()).update(i for i in inc if i != m)
    return deps

def cycles(deps):
    state, found = {}, []
    def dfs(u, path):
        state[u] = 1
        for v in sorted(deps.get(u, ())):
            if state.get(v) == 1:
                found.append(path[path.index(v):] + [v] if v in path else [u, v])
            elif v not in state:
                dfs(v, path + [v])
        state[u] = 2
    for m in sorted(deps):
        if m not in state:
            dfs(m, [m])
    return found

# Files that implement another module's header (one per platform).
IMPLEMENTS = {"os_linux": "os"}

FUNC = re.compile(r"^(?!static)(?:[A-Za-z_][\w \*]*?[\s\*])(brisk_\w+)\s*\(", re.M)

def misnamed():
    bad = []
    for f in glob.glob("src/*/*.c"):
        folder, name = f[len("src/"):-2].split("/")
        name = IMPLEMENTS.get(name, name)
        if folder == "api":
            continue  # exported names follow the public API
        for fn in FUNC.findall(open(f).read()):
            if not fn.startswith("brisk_%s_" % name) and fn != "brisk_%s" % name:
                bad.append("%s: %s" % (f, fn))
    return bad

def main():
    problems = ["cycle: " + " -> ".join(c) for c in cycles(modules())] + \
               ["name does not say its file: " + b for b in misnamed()]
    for p in problems:
        print(p)
    print("modules: %d problem(s)" % len(problems))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
