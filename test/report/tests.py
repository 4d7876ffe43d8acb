#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test/report/tests.py — the report tool's tests (run by test/report/run.sh).

Prints "ok NAME", "FAIL NAME: why" or "skip NAME (why)" per test, then
"N passed, M failed"; exit status 1 if any failed.  Work files go to
build/test/report/ (the browser screenshot: build/test/report/report.png).

  synthetic/*   traces written by mktrace.py, whose model knows the
                figures: --json, --collapsed, the text, symbolisation,
                cut-short files, unknown chunks, exec images, bad files
  browser       the HTML report in headless Chromium: charts rendered
                ("— ready" title, no errors), #figures equal --json,
                a non-blank screenshot
  tracer/*      build/brisk trace on test/report/known.c (skipped until
                build/libbrisk-trace.so and `brisk trace` exist)

Environment: REPORT_FILTER (regex on test names), REPORT_KEEP=1 (keep
the work files), CHROMIUM (default /usr/bin/chromium).
"""
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOOL = os.path.join(ROOT, "tools", "brisk_report.py")
MKTRACE = os.path.join(ROOT, "test", "report", "mktrace.py")
OUT = os.path.join(ROOT, "build", "test", "report")
KNOWN = os.path.join(OUT, "known")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FILTER = re.compile(os.environ.get("REPORT_FILTER", ""))
PY = sys.executable or "python3"

passed = failed = 0


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(got, want, what):
    if got != want:
        raise Fail("%s: got %r, want %r" % (what, got, want))


def close(got, want, what, tol=1e-6):
    if got is None or abs(got - want) > tol:
        raise Fail("%s: got %r, want %r" % (what, got, want))


def test(name):
    def deco(f):
        TESTS.append((name, f))
        return f
    return deco


TESTS = []


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def report(*args, check_rc=True):
    r = run([PY, TOOL] + list(args))
    if check_rc and r.returncode != 0:
        raise Fail("brisk_report %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                     r.stderr.strip()[-800:]))
    return r


def report_json(*args):
    r = report(*(list(args) + ["--json"]))
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise Fail("--json output is not JSON: %s" % e)


def mktrace(path, *args):
    exp = path + ".expect.json"
    r = run([PY, MKTRACE, path, "--expect", exp] + list(args))
    if r.returncode != 0:
        raise Fail("mktrace.py failed: %s" % r.stderr.strip()[-800:])
    with open(exp) as f:
        return json.load(f)


def fresh(name):
    p = os.path.join(OUT, name)
    for q in [p] + [os.path.join(OUT, f) for f in os.listdir(OUT) if f.startswith(name + ".")]:
        if os.path.isfile(q):
            os.unlink(q)
    return p


_basic = {}


def basic(stacks=True):
    """The basic synthetic trace (made once per run)."""
    key = "stacks" if stacks else "nostacks"
    if key not in _basic:
        path = fresh("basic-%s.trace" % key)
        args = ["--debug-elf", KNOWN] if os.path.exists(KNOWN) else []
        if not stacks:
            args.append("--no-stacks")
        _basic[key] = (path, mktrace(path, *args))
    return _basic[key]


FIGURES = ["allocations", "frees", "reallocs", "failed", "bytes_allocated", "bytes_reallocated",
           "peak_bytes", "leaked_bytes", "leaked_blocks", "pid", "ppid", "program"]


def same_figures(doc, exp, what=""):
    for k in FIGURES:
        eq(doc[k], exp[k], what + k)
    close(doc["peak_time_s"], exp["peak_time_s"], what + "peak_time_s")
    close(doc["duration_s"], exp["duration_s"], what + "duration_s")


def load_tool():
    spec = importlib.util.spec_from_file_location("brisk_report", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --------------------------------------------------------------------------
# synthetic traces
# --------------------------------------------------------------------------

@test("synthetic/json-figures")
def _():
    path, exp = basic()
    # the numbers the basic program is built to have (mktrace.py basic())
    eq(exp["allocations"], 1000 + 50 + 1 + 1 + 10, "model allocations")
    eq(exp["frees"], 900 + 50 + 1 + 1 + 8 + 1, "model frees")
    eq(exp["leaked_blocks"], 102, "model leaked blocks")
    eq(exp["leaked_bytes"], 100 * 100 + 2 * 1000, "model leaked bytes")
    d = report_json(path)
    same_figures(d, exp)
    eq(d["reallocs"], 3, "reallocs")
    eq(d["failed"], 2, "failed")
    eq(d["untracked_frees"], 1, "untracked_frees")
    eq(d["events"], exp["events"], "events")
    eq(d["samples"], exp["samples"], "samples")
    eq(d["threads"], 3, "threads")
    eq(d["stacks_defined"], exp["stacks_written"], "STACK records")
    eq(d["unknown_stack_ids"], 0, "unknown stack ids")
    eq(d["clean_exit"], True, "clean_exit")
    eq(d["truncated"], False, "truncated")
    eq(d["stacks"], True, "stacks")
    eq({k: {"calls": v["calls"], "bytes": v["bytes"]} for k, v in d["syscalls"].items()},
       exp["syscalls"], "syscalls")
    eq(d["syscalls"]["mmap"]["failed"], 1, "failed mmaps")
    eq({str(h["max"].bit_length()): h["count"] for h in d["size_histogram"]},
       exp["size_histogram"], "size histogram")
    eq([(s["bytes"], s["count"]) for s in d["top_sites"]],
       [(s["bytes"], s["count"]) for s in exp["sites"]], "top_sites (bytes, count)")
    eq([(s["bytes"], s["count"]) for s in d["leaks_by_site"]],
       [(s["bytes"], s["count"]) for s in exp["leak_sites"]], "leaks_by_site")
    eq(sorted(s["count"] for s in d["top_sites_by_count"]),
       sorted(s["count"] for s in exp["sites"]), "top_sites_by_count")
    eq(d["top_sites_by_count"][0]["count"], 1001, "most calls")
    eq(sum(h["count"] for h in d["lifetime_histogram"]), 900 + 50 + 1 + 1 + 8,
       "lifetimes (frees of tracked blocks)")
    eq(len(d["children"]), 1, "children")
    c, ce = d["children"][0], exp["children"][0]
    for k in ("pid", "ppid", "allocations", "frees", "peak_bytes", "leaked_bytes", "leaked_blocks"):
        eq(c[k], ce[k], "child " + k)
    eq((c["leaked_bytes"], c["leaked_blocks"]), (768, 3), "child leak")


@test("synthetic/symbols")
def _():
    path, exp = basic()
    if not os.path.exists(KNOWN):
        raise Fail("%s not built (run.sh compiles test/report/known.c)" % KNOWN)
    br = load_tool()
    tf = br.TraceFile(path)
    sym = br.Symbolizer(tf.images[0].maps)
    pcs = [int(p, 16) for p in exp["symbols"]]
    sym.symbolise(pcs)
    for p, rx in exp["symbols"].items():
        frames = sym.cache[int(p, 16)]
        # inlined frames come first; the last names the function the pc is in
        check(re.search(rx, frames[-1]), "pc %s: %r does not match %s" % (p, frames, rx))
    d = report_json(path)
    a = d["top_sites"][0]["frames"]
    eq(a[0], "known_alloc (known.c:23)", "site A innermost frame (libbrisk frame dropped)")
    check(re.fullmatch(r"main \(known\.c:\d+\)", a[1]), "site A second frame %r" % a[1])
    for s in d["top_sites"] + d["leaks_by_site"]:
        for f in s["frames"]:
            check("libbrisk" not in f, "frame in libbrisk kept: %r" % f)
    grow = [s for s in d["top_sites"] if s["frames"] and s["frames"][0].startswith("known_grow")]
    check(grow and grow[0]["frames"][0] == "known_grow (known.c:29)", "site C: %r" % grow)
    eq((grow[0]["bytes"], grow[0]["count"]), (16 + 32 + 4096 + 8192, 4), "realloc site")
    unm = [s for s in d["top_sites"] if "0x10 (?)" in s["frames"]]
    check(unm, "an unmapped pc shows as 0x10 (?)")


@test("synthetic/collapsed")
def _():
    path, exp = basic()
    out = path + ".folded"
    report(path, "--collapsed", out)
    lines = open(out).read().splitlines()
    tot = 0
    a_line = None
    for line in lines:
        m = re.fullmatch(r"(.+) (\d+)", line)
        check(m, "bad collapsed line %r" % line)
        tot += int(m.group(2))
        fr = m.group(1).split(";")
        if fr[-1] == "known_alloc (known.c:23)":
            a_line = (fr, int(m.group(2)))
    eq(tot, exp["bytes_allocated"] + exp["bytes_reallocated"], "sum of collapsed weights")
    check(a_line, "no stack ending in known_alloc (innermost last)")
    eq(a_line[1], 100 * 1000 + 48, "weight of site A")
    check(a_line[0][-2].startswith("main (known.c:"), "outermost first: %r" % a_line[0])
    eq(len(lines), len(exp["sites"]), "one line per site")
    report(path, "--collapsed", out, "--collapsed-weight=count")
    cnt = sum(int(l.rsplit(" ", 1)[1]) for l in open(out))
    eq(cnt, exp["allocations"] + exp["reallocs"], "sum of count weights")
    r = report(path, "--collapsed", "-")
    eq(r.stdout.splitlines()[0].rsplit(" ", 1)[1], "100048", "--collapsed - to stdout")
    h = report("--help").stdout
    check("--collapsed" in h and "outer;...;inner" in h and "count" in h, "--help explains --collapsed")


@test("synthetic/text")
def _():
    path, exp = basic()
    t = report(path).stdout
    n = lambda x: "{:,}".format(x)
    for s in ["allocations  %s" % n(exp["allocations"]), "frees        %s" % n(exp["frees"]),
              "reallocs     3", "%s bytes live" % n(exp["peak_bytes"]),
              "%s bytes in %s blocks" % (n(exp["leaked_bytes"]), n(exp["leaked_blocks"])),
              "known_alloc (known.c:23)", "/usr/bin/known-program", "pid          4242",
              "top allocation sites by bytes", "top allocation sites by count",
              "leaks by site", "sizes requested", "64 .. 127", "mmap", "munmap", "madvise",
              "4,194,304 bytes", "child processes", "pid 4250 (parent 4242)",
              "leaked 768 bytes in 3 blocks", "3 threads"]:
        check(s in t, "text summary lacks %r" % s)
    ms = "%.1f µs" % (exp["peak_time_s"] * 1e6)
    check(ms in t, "peak time %r not in the text" % ms)


@test("synthetic/no-stacks")
def _():
    path, exp = basic(stacks=False)
    d = report_json(path)
    same_figures(d, exp)
    eq(d["stacks"], False, "stacks")
    eq([(s["frames"], s["bytes"], s["count"]) for s in d["top_sites"]],
       [([], exp["bytes_allocated"] + exp["bytes_reallocated"],
         exp["allocations"] + exp["reallocs"])], "one site without frames")
    t = report(path).stdout
    check("brisk trace --stacks" in t, "text says how to get stacks")


@test("synthetic/truncated")
def _():
    path, exp = basic()
    data = open(path, "rb").read()
    # chunk boundaries
    offs = []
    o = 0
    while o + 16 <= len(data):
        ln = struct.unpack_from("<I", data, o + 12)[0]
        offs.append(o)
        o += 16 + ln
    events = [x for x in offs if struct.unpack_from("<H", data, x + 4)[0] == 2]
    cut_in = events[len(events) // 2]
    for name, cut in (("mid-payload", cut_in + 16 + 40), ("mid-header", cut_in + 7),
                      ("at-boundary", cut_in)):
        p = fresh("cut-%s.trace" % name)
        with open(p, "wb") as f:
            f.write(data[:cut])
        r = report(p, "--json", "--no-children")
        d = json.loads(r.stdout)
        eq(d["clean_exit"], False, name + ": clean_exit")
        check(0 < d["allocations"] < exp["allocations"], name + ": allocations %d" % d["allocations"])
        if name != "at-boundary":
            eq(d["truncated"], True, name + ": truncated")
            check("cut short" in r.stderr, name + ": no warning on stderr: %r" % r.stderr)
        t = report(p, "--no-children").stdout
        check("file cut short" in t or name == "at-boundary", name + ": text does not say cut short")
        report(p, "-o", p + ".html", "--no-children")


@test("synthetic/unknown-chunk")
def _():
    path = fresh("unknown.trace")
    args = ["--unknown-chunk", "--no-child"] + (["--debug-elf", KNOWN] if os.path.exists(KNOWN) else [])
    exp = mktrace(path, *args)
    d = report_json(path)
    same_figures(d, exp)
    eq(d["unknown_chunks"], 1, "unknown_chunks")
    _, bexp = basic()
    for k in ("allocations", "frees", "peak_bytes", "leaked_bytes"):
        eq(d[k], bexp[k], "same as without the chunk: " + k)


@test("synthetic/exec-images")
def _():
    path, exp = basic()
    rpath, rexp = fresh("rand-small.trace"), None
    rexp = mktrace(rpath, "--scenario", "random", "--events", "3000", "--no-child", "--seed", "5")
    p = fresh("exec.trace")
    with open(p, "wb") as f:
        f.write(open(path, "rb").read() + open(rpath, "rb").read())
    d = report_json(p, "--no-children")
    same_figures(d, rexp, "last image: ")
    eq((d["image"], d["images_in_file"]), (2, 2), "image numbers")
    eq(len(d["images"]), 1, "other images")
    eq(d["images"][0]["allocations"], exp["allocations"], "first image allocations")
    d1 = report_json(p, "--no-children", "--image", "1")
    same_figures(d1, exp, "image 1: ")
    r = report(p, "--image", "3", check_rc=False)
    eq(r.returncode, 2, "--image 3 exit status")


@test("synthetic/random-threads")
def _():
    path = fresh("random.trace")
    exp = mktrace(path, "--scenario", "random", "--events", "200000", "--threads", "6", "--seed", "11")
    t0 = time.time()
    d = report_json(path)
    el = time.time() - t0
    same_figures(d, exp)
    eq({k: {"calls": v["calls"], "bytes": v["bytes"]} for k, v in d["syscalls"].items()},
       exp["syscalls"], "syscalls")
    eq(d["threads"], 6, "threads")
    eq([(s["bytes"], s["count"]) for s in d["top_sites"][:20]],
       [(s["bytes"], s["count"]) for s in exp["sites"][:20]], "top 20 sites")
    eq([(s["bytes"], s["count"]) for s in d["leaks_by_site"][:20]],
       [(s["bytes"], s["count"]) for s in exp["leak_sites"][:20]], "top 20 leak sites")
    c = d["children"][0]
    eq((c["clean_exit"], c["allocations"], c["leaked_blocks"]), (False, 5, 5), "child without END")
    check(el < 30, "200k events took %.1f s" % el)


@test("synthetic/bad-files")
def _():
    cases = {}
    p = fresh("bad-text.trace")
    open(p, "w").write("this is not a trace\n" * 10)
    cases["text"] = p
    p = fresh("bad-empty.trace")
    open(p, "w").close()
    cases["empty"] = p
    p = fresh("bad-elf.trace")
    shutil.copy("/bin/true" if os.path.exists("/bin/true") else sys.executable, p)
    cases["elf"] = p
    p = fresh("bad-nochunk.trace")
    open(p, "wb").write(struct.pack("<IHHII", 0x43525442, 2, 0, 1, 32) + b"\0" * 32)
    cases["events-first"] = p
    cases["missing"] = os.path.join(OUT, "no-such-file.trace")
    for name, p in cases.items():
        for extra in ([], ["--json"], ["-o", p + ".html"]):
            r = report(p, *extra, check_rc=False)
            eq(r.returncode, 2, "%s %s: exit status" % (name, extra))
            lines = r.stderr.strip().splitlines()
            eq(len(lines), 1, "%s: stderr lines %r" % (name, r.stderr))
            check(lines[0].startswith("brisk report: ") and "Traceback" not in r.stderr,
                  "%s: %r" % (name, r.stderr))
            eq(r.stdout, "", name + ": stdout")
    r = report("--bogus-option", check_rc=False)
    eq(r.returncode, 2, "bad option exit status")


# --------------------------------------------------------------------------
# the HTML in a browser
# --------------------------------------------------------------------------

def chromium(args, timeout=90):
    prof = tempfile.mkdtemp(prefix="brisk-chromium-")
    try:
        return run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--user-data-dir=" + prof, "--enable-logging=stderr",
                    "--v=0", "--hide-scrollbars", "--virtual-time-budget=10000"] + args,
                   timeout=timeout)
    finally:
        shutil.rmtree(prof, ignore_errors=True)


def console_errors(stderr):
    return [l for l in stderr.splitlines() if ":CONSOLE" in l and
            ("Uncaught" in l or "rror" in l)]


def png_info(path):
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG")
    w, h = struct.unpack(">II", data[16:24])
    return len(data), w, h


def browser_check(path, doc, png, what):
    html_path = path + ".html"
    report(path, "-o", html_path)
    page = open(html_path, encoding="utf-8").read()
    check(not re.search(r"""<script[^>]+src=|<link[^>]+href=["']?https?:|src=["']https?:""", page),
          "the page loads something from outside")
    url = "file://" + os.path.abspath(html_path)
    r = chromium(["--dump-dom", url])
    check(r.returncode == 0, "chromium --dump-dom exit %d: %s" % (r.returncode, r.stderr[-500:]))
    dom = r.stdout
    m = re.search(r"<title>(.*?)</title>", dom, re.S)
    check(m, "no <title> in the DOM")
    title = m.group(1)
    errs = re.search(r'<pre id="errors">(.*?)</pre>', dom, re.S)
    check(errs is not None, "no #errors in the DOM")
    check(errs.group(1).strip() == "", "%s: errors in the page: %s" % (what, errs.group(1)[:800]))
    ce = console_errors(r.stderr)
    check(not ce, "%s: console errors: %s" % (what, ce[:5]))
    check(title.endswith("— ready"), "%s: title %r does not end with — ready" % (what, title))
    fm = re.search(r'<table id="figures"([^>]*)>', dom)
    check(fm, "no #figures")
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', fm.group(1)))
    for k in ("allocations", "frees", "reallocs", "peak_bytes", "leaked_bytes", "leaked_blocks"):
        eq(int(attrs[k.replace("_", "-")]), doc[k], "#figures " + k)
    close(float(attrs["peak-time-s"]), doc["peak_time_s"], "#figures peak_time_s")
    for cid in ("c_heap", "c_rate", "c_frag", "c_sys", "c_sizes", "c_life", "c_top_bytes",
                "c_top_count", "c_leaks", "c_flame"):
        cm = re.search(r'<div id="%s"[^>]*>(.*?)</div>\s*</div>' % cid, dom, re.S)
        check(cm and "<canvas" in cm.group(1), "%s: chart %s has no canvas" % (what, cid))
    if png:
        if os.path.exists(png):
            os.unlink(png)
        r = chromium(["--screenshot=" + png, "--window-size=1400,3000", url])
        check(os.path.exists(png), "no screenshot: %s" % r.stderr[-500:])
        size, w, h = png_info(png)
        eq((w, h), (1400, 3000), "screenshot size")
        check(size > 50000, "screenshot %d bytes: blank?" % size)
        raw = zlib.decompress(b"".join(chunks_of(open(png, "rb").read(), b"IDAT")))
        check(len(set(raw[::101])) > 20, "screenshot looks blank")


def chunks_of(data, kind):
    o = 8
    while o + 8 <= len(data):
        ln, t = struct.unpack(">I4s", data[o:o + 8])
        if t == kind:
            yield data[o + 8:o + 8 + ln]
        o += 12 + ln


@test("browser")
def _():
    if not os.path.exists(CHROMIUM):
        raise Skip("chromium not installed")
    path, exp = basic()
    doc = report_json(path)
    browser_check(path, doc, os.path.join(OUT, "report.png"), "basic")
    # a trace without stacks, samples or system calls must render too
    p = fresh("empty-ish.trace")
    ex = mktrace(p, "--scenario", "random", "--events", "10", "--threads", "1", "--no-stacks",
                 "--no-child")
    browser_check(p, report_json(p), None, "tiny no-stacks trace")
    # many events, system calls and sites (the charts must settle: no
    # progressive rendering that never ends under virtual time)
    p = fresh("random-sys.trace")
    mktrace(p, "--scenario", "random", "--events", "100000", "--threads", "6", "--seed", "12",
            "--syscalls", "80", "--no-child")
    t0 = time.time()
    browser_check(p, report_json(p), None, "100k events, 8000 system calls")
    check(time.time() - t0 < 45, "the 100k-event page took %.0f s in Chromium" % (time.time() - t0))


# --------------------------------------------------------------------------
# the real tracer
# --------------------------------------------------------------------------

def tracer_ready():
    lib = os.path.join(ROOT, "build", "libbrisk-trace.so")
    brisk = os.path.join(ROOT, "build", "brisk")
    if not os.path.exists(lib):
        raise Skip("build/libbrisk-trace.so not built yet")
    if not os.path.exists(brisk):
        raise Skip("build/brisk not built")
    h = run([brisk, "--help"])
    if "trace" not in h.stdout + h.stderr:
        raise Skip("build/brisk has no trace subcommand yet")
    if not os.path.exists(KNOWN):
        raise Fail("%s not built" % KNOWN)
    return brisk


def trace_known(brisk, name, *opts):
    t = fresh(name)
    r = run([brisk, "trace"] + list(opts) + ["-o", t, "--", KNOWN], timeout=60)
    check(r.returncode == 0, "brisk trace exit %d: %s" % (r.returncode, r.stderr[-800:]))
    check("known: done" in r.stdout, "known did not run: %r" % r.stdout)
    check(os.path.exists(t), "brisk trace wrote no %s" % t)
    return t


@test("tracer/stacks")
def _():
    brisk = tracer_ready()
    t = trace_known(brisk, "known-stacks.trace", "--stacks")
    d = report_json(t)
    check(d["stacks"], "stacks flag not set")
    check(d["clean_exit"], "no END chunk")
    check(d["allocations"] >= 1000 + 1 + 10, "allocations %d" % d["allocations"])
    check(d["frees"] >= 900 + 1 + 10, "frees %d" % d["frees"])
    check(d["reallocs"] >= 11, "reallocs %d" % d["reallocs"])
    check(d["leaked_blocks"] >= 100 and d["leaked_bytes"] >= 10000,
          "leaked %d bytes in %d blocks" % (d["leaked_bytes"], d["leaked_blocks"]))
    site = [s for s in d["leaks_by_site"] if s["count"] == 100 and s["bytes"] == 10000]
    check(site, "no leak site of 100 blocks of 100 bytes: %r" % d["leaks_by_site"][:5])
    fr = site[0]["frames"]
    check(any(re.match(r"main\b", f) for f in fr), "leak site frames lack main: %r" % fr)
    check(fr and fr[0].startswith("known_alloc"), "innermost frame: %r" % fr[:3])
    check(any(s["frames"] and s["frames"][0].startswith("known_grow") and s["count"] == 12
              for s in d["top_sites"]), "no realloc site of 12 calls in known_grow")
    check(d["peak_bytes"] >= 100000, "peak %d < 100000" % d["peak_bytes"])
    if os.path.exists(CHROMIUM):
        browser_check(t, d, None, "real trace")


@test("tracer/no-stacks")
def _():
    brisk = tracer_ready()
    t = trace_known(brisk, "known-nostacks.trace")
    d = report_json(t)
    check(not d["stacks"], "stacks flag set without --stacks")
    check(d["allocations"] >= 1011 and d["frees"] >= 911, "counts %d/%d" % (d["allocations"], d["frees"]))
    check(d["leaked_blocks"] >= 100 and d["leaked_bytes"] >= 10000, "leaks")
    sizes = {h["min"]: h["count"] for h in d["size_histogram"]}
    check(sizes.get(64, 0) >= 1000, "size bucket 64..127 has %d" % sizes.get(64, 0))


def main():
    global passed, failed
    os.makedirs(OUT, exist_ok=True)
    t0 = time.time()
    for name, f in TESTS:
        if not FILTER.search(name):
            continue
        try:
            f()
        except Skip as e:
            print("skip %s (%s)" % (name, e))
        except Fail as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        except Exception:
            failed += 1
            print("FAIL %s: %s" % (name, traceback.format_exc().strip().replace("\n", "\n    ")))
        else:
            passed += 1
            print("ok %s" % name)
        sys.stdout.flush()
    if not os.environ.get("REPORT_KEEP"):
        for fn in os.listdir(OUT):
            if ".trace" in fn and not fn.endswith(".html"):
                try:
                    os.unlink(os.path.join(OUT, fn))
                except OSError:
                    pass
    print("# %.1f s" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
