#!/usr/bin/python3.11
# SPDX-License-Identifier: MIT
"""pytests.py — run CPython's own regression tests (Debian's
libpython3.11-testsuite) with and without brisk and compare the results.

Every module runs twice in its own `python3.11 -m test --junit-xml` process,
with PYTHONMALLOC=malloc so that every Python object goes through malloc:
once plain (glibc's malloc) and once with LD_PRELOAD=<libbrisk.so>.  The
per-test outcomes (ok / skipped / failure / error) and the exit status must
be identical; tests that fail or are skipped under glibc too are not brisk's
bug.  A module whose results differ is run again, both ways, before it is
called a failure (timing-dependent tests exist in the suite); a module that
differs twice fails.

The glibc results depend only on the Python build, so they are cached under
the log directory (<logdir>/glibc/<module>.xml) and reused while the
interpreter and test package are unchanged; REAL_FRESH=1 re-runs them.

Output: one line per module, "PASS python/<module> (...)" or
"FAIL python/<module>: <why>".  The driver itself is not preloaded.
Usage: pytests.py --lib build/libbrisk.so --logdir build/real/python
                  [--jobs 2] [--timeout 600] MODULE[:PATTERN]...
PATTERN (regrtest -m) restricts a module to a subset of its tests.
"""
import argparse
import concurrent.futures as cf
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

PY = "/usr/bin/python3.11"


def parse(xml_path):
    """Map test id -> outcome from a regrtest JUnit file, or None."""
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return None
    res = {}
    for tc in root.iter("testcase"):
        name = tc.get("name", "?")
        out = "ok"
        for child in tc:
            if child.tag in ("skipped", "failure", "error"):
                out = child.tag
                break
        res[name] = out
    return res


def run_one(module, pattern, lib, xml_path, tmpdir, timeout):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.update(PYTHONMALLOC="malloc", PYTHONHASHSEED="0", LC_ALL="C.UTF-8",
               TZ="UTC", PYTHONDONTWRITEBYTECODE="1")
    if lib:
        env["LD_PRELOAD"] = lib
    shutil.rmtree(tmpdir, ignore_errors=True)
    os.makedirs(tmpdir)
    cmd = [PY, "-m", "test", "--junit-xml", xml_path, "--tempdir", tmpdir,
           "--timeout", str(timeout)]
    if pattern:
        cmd += ["-m", pattern]
    cmd.append(module)
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=env, cwd=tmpdir, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout + 60)
        rc, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = "timeout", e.stdout or b""
    shutil.rmtree(tmpdir, ignore_errors=True)
    with open(xml_path + ".log", "wb") as f:
        f.write(out)
    return rc, time.time() - t0


def tempdir():
    """A fresh scratch directory whose path has the same length in every run
    (tests that bind AF_UNIX sockets skip themselves when it is too long)."""
    return tempfile.mkdtemp(prefix="brisk-py-", dir="/tmp")


def fingerprint():
    """Identity of the interpreter + test package, for the glibc cache."""
    h = hashlib.sha1()
    for p in (os.path.realpath(PY), "/usr/lib/python3.11/test/libregrtest/main.py"):
        st = os.stat(p)
        h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:12]


def diff(a, b):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"{k}: glibc={a.get(k, 'absent')} brisk={b.get(k, 'absent')}")
    return lines


class Runner:
    def __init__(self, args):
        self.a = args
        self.fresh = os.environ.get("REAL_FRESH") == "1"
        fp = fingerprint()
        self.gdir = os.path.join(args.logdir, "glibc-" + fp)
        self.bdir = os.path.join(args.logdir, "brisk")
        os.makedirs(self.gdir, exist_ok=True)
        os.makedirs(self.bdir, exist_ok=True)

    def glibc(self, key, module, pattern, force=False):
        xml = os.path.join(self.gdir, key + ".xml")
        rcf = xml + ".rc"
        if not force and not self.fresh and os.path.exists(rcf) and parse(xml) is not None:
            return open(rcf).read().strip(), parse(xml), 0.0, True
        rc, dt = run_one(module, pattern, None, xml, tempdir(), self.a.timeout)
        with open(rcf, "w") as f:
            f.write(str(rc))
        return str(rc), parse(xml), dt, False

    def brisk(self, key, module, pattern, n):
        xml = os.path.join(self.bdir, f"{key}.{n}.xml")
        rc, dt = run_one(module, pattern, self.a.lib, xml, tempdir(), self.a.timeout)
        return str(rc), parse(xml), dt

    def item(self, spec):
        module, _, pattern = spec.partition(":")
        key = module + ("-" + hashlib.sha1(pattern.encode()).hexdigest()[:6] if pattern else "")
        name = "python/" + module + ("[subset]" if pattern else "")
        why = ""
        for attempt in range(2):
            grc, gres, gdt, cached = self.glibc(key, module, pattern, force=attempt > 0)
            brc, bres, bdt = self.brisk(key, module, pattern, attempt)
            if gres is None:
                return f"FAIL {name}: no results without brisk (rc {grc}; test is broken?)"
            if bres is None:
                why = f"no results under brisk (rc {brc}), see {self.bdir}/{key}.{attempt}.xml.log"
                continue
            if not gres:
                return f"FAIL {name}: no tests ran (rc {grc}); does the module exist?"
            d = diff(gres, bres)
            if not d and grc == brc:
                counts = {}
                for v in bres.values():
                    counts[v] = counts.get(v, 0) + 1
                c = " ".join(f"{k}={counts[k]}" for k in sorted(counts))
                note = " retried" if attempt else ""
                return (f"PASS {name} ({len(bres)} tests: {c}; brisk {bdt:.0f}s, "
                        f"glibc {'cached' if cached else f'{gdt:.0f}s'}{note})")
            why = (f"exit glibc {grc} / brisk {brc}; {len(d)} differing: " + "; ".join(d[:5]) +
                   f" (log {self.bdir}/{key}.{attempt}.xml.log)")
        return f"FAIL {name}: {why}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("modules", nargs="+")
    a = ap.parse_args()
    a.lib = os.path.abspath(a.lib)
    a.logdir = os.path.abspath(a.logdir)
    r = Runner(a)
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for line in ex.map(r.item, a.modules):
            print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
