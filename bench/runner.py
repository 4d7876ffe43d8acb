#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/runner.py — runs the brisk benchmark suite and writes the report.

Usually started through bench/run.sh (which builds the programs and installs
missing peers).  Python 3 standard library only.

For every workload, round by round, every allocator runs once (the order
rotates each round, so no allocator always runs first or last): allocators
are interleaved in time and share whatever noise the machine has.  Each run
goes through build/bench/measure (bench/measure.c), which forks the workload
and measures it with wait4(): wall time, peak RSS (ru_maxrss, which includes
reaped grandchildren such as gcc's cc1) and CPU time.
The allocator is chosen with LD_PRELOAD; glibc means no preload.

Outputs (in --out, default bench/results):
  latest.md   tables: median time [min-max], median peak RSS, ratios to the
              best peer, geometric means, callgrind instructions per pair
  latest.svg  chart of the time and RSS ratios
  raw/<stamp>-<mode>.json  every single measurement (git-ignored)
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, "build", "bench")
REAL = os.path.join(HERE, "real")
BRISK_SO = os.path.join(ROOT, "build", "libbrisk.so")

PEERS = ["glibc", "mimalloc", "jemalloc", "tcmalloc"]
ALL_ALLOCATORS = ["glibc", "brisk", "mimalloc", "jemalloc", "tcmalloc"]
PEER_PACKAGES = {
    "mimalloc": ("libmimalloc2.0", "libmimalloc.so.2"),
    "jemalloc": ("libjemalloc2", "libjemalloc.so.2"),
    "tcmalloc": ("libtcmalloc-minimal4", "libtcmalloc_minimal.so.4"),
}
COLORS = {
    "glibc": "#7f7f7f",
    "brisk": "#d62728",
    "mimalloc": "#1f77b4",
    "jemalloc": "#2ca02c",
    "tcmalloc": "#ff7f0e",
}


# ---------------------------------------------------------------- workloads
# name, group, command (list; {bin} {real} {tmp} {python} are substituted),
# quick args, full args, extra environment, one-line description.
def workloads():
    W = []

    def add(name, group, cmd, quick, full, desc, env=None):
        W.append(dict(name=name, group=group, cmd=cmd, quick=quick, full=full,
                      env=env or {}, desc=desc))

    add("churn", "micro", ["{bin}/churn"], ["ops=2000000"], ["ops=15000000"],
        "1 thread, 20k live objects, size mix mostly <64 B with a tail to 64 KiB, random replacement")
    add("larson", "micro", ["{bin}/larson", "threads=4"], ["ops=2000000"], ["ops=15000000"],
        "4 threads replace random 8-512 B objects in chunks that rotate between threads (~70% remote frees)")
    add("prodcons-1", "micro", ["{bin}/prodcons", "pairs=1"], ["msgs=2000000"], ["msgs=15000000"],
        "1 producer/consumer pair, blocks freed by the consumer thread")
    add("prodcons-4", "micro", ["{bin}/prodcons", "pairs=4"], ["msgs=700000"], ["msgs=5000000"],
        "4 pairs (8 threads on the machine)")
    for t, (q, f) in ((2, (1600000, 12000000)), (4, (800000, 6000000))):
        add("xmalloc-%d" % t, "micro", ["{bin}/xmalloc", "threads=%d" % t],
            ["blocks=%d" % q], ["blocks=%d" % f],
            "%d threads allocate 8-512 B blocks in batches, 1 thread frees all (same total work)" % t)
    add("threadchurn", "micro", ["{bin}/threadchurn", "threads=2", "waves=2"],
        ["rounds=20"], ["rounds=50"],
        "short-lived threads (2 at a time, 2 waves per round; 200 in full) allocate 16 B-64 KiB "
        "(some to 1 MiB), pass half of what they drop through a shared table to other threads, exit")
    add("rptest", "micro", ["{bin}/rptest", "threads=4"], ["ops=2000000"], ["ops=15000000"],
        "4 threads (oversubscribed on 2 cores), sizes cycling small/medium/mixed by phase, "
        "10% of frees through a shared array to other threads")
    add("cache-scratch", "micro", ["{bin}/cache", "scratch=1", "threads=2"],
        ["iters=40000"], ["iters=300000"],
        "passive false sharing: freed main-thread objects reused by workers, written hot")
    add("cache-thrash", "micro", ["{bin}/cache", "scratch=0", "threads=2"],
        ["iters=40000"], ["iters=300000"],
        "active false sharing: 8-byte objects allocated by 2 threads, written hot")
    add("realloc", "micro", ["{bin}/realloc"], ["rounds=70"], ["rounds=500"],
        "vector doubling + exact string appends + shrink-to-fit, interleaved")
    add("large", "micro", ["{bin}/large"], ["ops=200"], ["ops=1500"],
        "64 KiB-32 MiB blocks (log-uniform), 1/3 calloc, every page written")
    add("bigset", "micro", ["{bin}/bigset", "live=20"], ["ops=300"], ["ops=1500"],
        "up to 20 live 5-25 MiB blocks allocated and freed in random order, every page written")
    add("frag", "micro", ["{bin}/frag"], ["small=350000"], ["small=2000000"],
        "small objects, 90% freed scattered, then medium and other small sizes; peak and final RSS")
    add("frag2m", "micro", ["{bin}/frag2m"], ["small=2000000", "big=1000000"],
        ["small=2000000", "big=1000000"],
        "2M objects of 16-128 B, all but every 10th freed, then 1M 200 B objects; peak RSS")
    for t in (2, 4, 8, 16):
        add("churn-t%d" % t, "scaling", ["{bin}/churn", "threads=%d" % t],
            ["ops=2000000"], ["ops=15000000"],
            "churn split over %d threads (same total work)" % t)
    for t in (1, 2, 8, 16):
        add("larson-t%d" % t, "scaling", ["{bin}/larson", "threads=%d" % t],
            ["ops=2000000"], ["ops=15000000"],
            "larson with %d threads (same total work)" % t)
    add("python", "real", ["{python}", "{real}/work.py"], ["6000"], ["40000"],
        "python3 (PYTHONMALLOC=malloc): parse, objects, group, sort, json, regex",
        env={"PYTHONMALLOC": "malloc", "PYTHONHASHSEED": "0"})
    add("server", "real", ["{python}", "{real}/server.py"], ["600"], ["3000"],
        "python3's ThreadingHTTPServer on loopback (a thread per connection), 4 client "
        "threads in the process, JSON replies (PYTHONMALLOC=malloc)",
        env={"PYTHONMALLOC": "malloc", "PYTHONHASHSEED": "0"})
    add("sqlite", "real", ["sh", "-c",
                           'exec sqlite3 -cmd "CREATE TEMP TABLE p(n INT); INSERT INTO p VALUES($0);" '
                           ':memory: < "$1"', "{arg}", "{real}/work.sql"],
        ["35000"], ["300000"],
        "sqlite3 in-memory: bulk insert, indexes, joins, group by, window functions, vacuum")
    add("perl", "real", ["perl", "{real}/work.pl"], ["14000"], ["100000"],
        "perl: split, hashes of arrays, regex, sort, string building")
    add("gcc", "real", ["gcc", "-c", "{real}/compile_me.c", "-o", "{tmp}/compile_me.o"],
        ["-O0"], ["-O2"],
        "gcc compiling a fixed 4300-line C file (cc1 allocates heavily)")
    return W


def expand(w, mode, tmp, python):
    args = w[mode]
    cmd = []
    for c in w["cmd"]:
        if c == "{arg}":
            cmd.append(args[0])
            continue
        cmd.append(c.format(bin=BIN, real=REAL, tmp=tmp, python=python))
    if "{arg}" not in w["cmd"]:
        cmd += args
    return cmd


# ---------------------------------------------------------------- machine
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except Exception:
        return ""


def find_peer(name):
    pkg, soname = PEER_PACKAGES[name]
    for line in sh("dpkg -L %s 2>/dev/null" % pkg).splitlines():
        if line.endswith("/" + soname) and os.path.exists(line):
            return line
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        p = os.path.join(d, soname)
        if os.path.exists(p):
            return p
    return None


def preload_ok(path):
    """ld.so only warns (and runs on) when a preload fails: check explicitly."""
    env = dict(os.environ, LD_PRELOAD=path)
    r = subprocess.run(["/bin/true"], env=env, capture_output=True, text=True)
    return r.returncode == 0 and "ld.so" not in r.stderr and "ERROR" not in r.stderr


def machine_info(allocs):
    info = {}
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    info["cpu"] = model or platform.processor()
    info["nproc"] = os.cpu_count()
    try:
        info["affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["affinity"] = info["nproc"]
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                info["memory"] = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    info["kernel"] = platform.release()
    try:
        info["glibc"] = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):
        info["glibc"] = ""
    info["gcc"] = sh("gcc -dumpfullversion")
    thp = sh("cat /sys/kernel/mm/transparent_hugepage/enabled")
    info["thp"] = thp
    pk = {}
    for name in PEERS[1:]:
        pkg = PEER_PACKAGES[name][0]
        pk[name] = "%s %s" % (pkg, sh("dpkg-query -W -f='${Version}' %s 2>/dev/null" % pkg) or "?")
    info["packages"] = pk
    if "brisk" in allocs:
        commit = sh("cd %s && git log -1 --format='%%h %%cs' -- src include" % ROOT)
        dirty = sh("cd %s && git status --porcelain -- src include" % ROOT)
        info["brisk"] = "%s%s" % (commit or "uncommitted", " (+ uncommitted changes)" if dirty else "")
    info["bench_commit"] = sh("cd %s && git log -1 --format='%%h' -- bench" % ROOT)
    return info


def cpu_busy_s():
    """Busy CPU seconds of the whole machine since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = [int(x) for x in parts]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- running
def run_once(cmd, preload, env, timeout, cwd):
    """Run cmd through build/bench/measure (see measure.c for why);
    return dict(wall, rss_kib, cpu, rc, out, err, foreign)."""
    report = os.path.join(cwd, "measure.report")
    if os.path.exists(report):
        os.unlink(report)
    mcmd = [os.path.join(BIN, "measure"), "-t", str(int(timeout)), "-o", report]
    if preload:
        mcmd += ["-p", preload]
    busy0 = cpu_busy_s()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            subprocess.run(mcmd + ["--"] + cmd, env=env, stdout=out, stderr=err, cwd=cwd,
                           timeout=timeout + 30)
        except subprocess.TimeoutExpired:
            pass
        outer = time.perf_counter() - t0
        busy1 = cpu_busy_s()
        out.seek(0)
        err.seek(0)
        o = out.read().decode(errors="replace")
        e = err.read().decode(errors="replace")
    rep = {}
    if os.path.exists(report):
        with open(report) as f:
            rep = dict(kv.split("=", 1) for kv in f.read().split())
    if not rep:
        return dict(wall=outer, rss_kib=0, cpu=0.0, rc="no-report", out=o, err=e[-2000:],
                    foreign=0.0)
    wall = float(rep["wall_s"])
    cpu = float(rep["user_s"]) + float(rep["sys_s"])
    st = rep["status"]
    rc = int(st) if st.lstrip("-").isdigit() else st
    return dict(wall=wall, rss_kib=int(rep["maxrss_kib"]), cpu=cpu, rc=rc, out=o, err=e[-2000:],
                foreign=max(0.0, (busy1 - busy0 - cpu) / outer) if outer > 0 else 0.0)


def parse_output(o):
    checksum, metrics = None, {}
    for line in o.splitlines():
        m = re.match(r"checksum=(\S+)", line)
        if m:
            checksum = m.group(1)
        m = re.match(r"metric (\w+)=(-?\d+)", line)
        if m:
            metrics[m.group(1)] = int(m.group(2))
    return checksum, metrics


# Variants' own environment (--variants NAME=PATH+VAR=VALUE...).
VARIANT_ENV = {}


def alloc_env(alloc, paths, extra):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.update(extra)
    env.update(VARIANT_ENV.get(alloc, {}))
    if paths[alloc]:
        env["LD_PRELOAD"] = paths[alloc]
    return env


def callgrind_pairs(allocs, paths, tmp, log):
    """Instructions per steady-state malloc(32)+free pair, per allocator."""
    if not shutil.which("valgrind"):
        log("callgrind: valgrind not found, skipped")
        return {}
    n1, n2 = 20000, 220000
    res = {}
    for a in allocs:
        res[a] = {}
        for label, neigh in (("pair", 100), ("lone", 0)):
            counts = []
            for n in (n1, n2):
                cmd = ["valgrind", "--tool=callgrind",
                       "--callgrind-out-file=%s/cg.%%p.out" % tmp,
                       os.path.join(BIN, "pairs"), "n=%d" % n, "neighbours=%d" % neigh]
                r = subprocess.run(cmd, env=alloc_env(a, paths, {}), capture_output=True,
                                   text=True, timeout=300)
                m = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
                counts.append(int(m.group(1)) if m and r.returncode == 0 else None)
            if None in counts:
                res[a][label] = None
            else:
                res[a][label] = (counts[1] - counts[0]) / (n2 - n1)
        log("callgrind %-9s %s" % (a, "  ".join(
            "%s=%s" % (k, "%.1f" % v if v is not None else "FAIL") for k, v in res[a].items())))
    return res


# ---------------------------------------------------------------- statistics
def med(xs):
    return statistics.median(xs) if xs else None


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def summarise(results, allocs, wls):
    """Per workload and allocator: medians, spreads, ratios to best peer."""
    S = {}
    rows = []  # (row name, kind) kind in {"both", "rss"}
    for w in wls:
        name = w["name"]
        rows.append((name, "both"))
        per = {}
        for a in allocs:
            runs = results.get(name, {}).get(a, [])
            ok = [r for r in runs if r["rc"] == 0]
            per[a] = dict(
                n=len(runs), ok=len(ok),
                time=med([r["wall"] for r in ok]),
                tmin=min([r["wall"] for r in ok]) if ok else None,
                tmax=max([r["wall"] for r in ok]) if ok else None,
                rss=med([r["rss_kib"] for r in ok]),
                cpu=med([r["cpu"] for r in ok]),
                rmin=min([r["rss_kib"] for r in ok]) if ok else None,
                rmax=max([r["rss_kib"] for r in ok]) if ok else None,
                checksums=sorted(set(r["checksum"] for r in ok if r["checksum"])),
                fails=sorted(set(str(r["rc"]) for r in runs if r["rc"] != 0)),
                fail_msg=next((r["err"].strip().splitlines()[-1][:200] for r in runs
                               if r["rc"] != 0 and r["err"].strip()), ""),
                metrics={k: med([r["metrics"][k] for r in ok if k in r["metrics"]])
                         for k in set(k for r in ok for k in r["metrics"])})
        S[name] = per
        if any("final_rss_kib" in per[a]["metrics"] for a in allocs):
            fname = name + " final RSS"
            rows.append((fname, "rss"))
            S[fname] = {a: dict(n=per[a]["n"], ok=per[a]["ok"], time=None, tmin=None, tmax=None, cpu=None,
                                rss=per[a]["metrics"].get("final_rss_kib"), rmin=None, rmax=None,
                                checksums=[], fails=per[a]["fails"], metrics={})
                        for a in allocs}
    for name, _ in rows:
        per = S[name]
        for key in ("time", "rss", "cpu"):
            peers = [per[a][key] for a in allocs if a in PEERS and per[a][key]]
            best = min(peers) if peers else None
            for a in allocs:
                v = per[a][key]
                per[a][key + "_ratio"] = v / best if (v and best) else None
    geo = {}
    for a in allocs:
        geo[a] = dict(
            time=geomean([S[n][a]["time_ratio"] for n, k in rows if k == "both"]),
            rss=geomean([S[n][a]["rss_ratio"] for n, _ in rows]),
            cpu=geomean([S[n][a]["cpu_ratio"] for n, k in rows if k == "both"]))
        for g in ("micro", "scaling", "real"):
            names = [w["name"] for w in wls if w["group"] == g]
            geo[a]["time_" + g] = geomean([S[n][a]["time_ratio"] for n in names])
    return S, rows, geo


# ---------------------------------------------------------------- reports
def fmt_t(p):
    if not p["ok"]:
        return "FAIL(%s)" % ",".join(p["fails"]) if p["fails"] else "—"
    s = "%.3f [%.3f–%.3f]" % (p["time"], p["tmin"], p["tmax"])
    if p["time_ratio"] is not None:
        s += " ×%.2f" % p["time_ratio"]
    if p["ok"] < p["n"]:
        s += " (%d/%d failed)" % (p["n"] - p["ok"], p["n"])
    return s


def fmt_r(p):
    if not p["ok"] or p["rss"] is None:
        return "FAIL" if p["fails"] else "—"
    s = "%.1f" % (p["rss"] / 1024)
    if p["rss_ratio"] is not None:
        s += " ×%.2f" % p["rss_ratio"]
    return s


def fmt_ratio(x):
    return "%.2f" % x if x else "—"


def ratio_of(a, b):
    return a / b if (a and b) else None


def write_md(path, meta, S, rows, geo, allocs, wls, cg, notes):
    L = []
    w = L.append
    w("# brisk benchmark results (%s)" % meta["mode"])
    w("")
    w("Generated %s by `bench/run.sh --%s` in %.0f s; %d rounds, allocators interleaved "
      "round by round. Ratios (×) are to the **best peer** (best of %s) on that row: "
      "1.00 = as good as the best peer, below 1 = better than all peers."
      % (meta["date"], meta["mode"], meta["elapsed"], meta["rounds"], ", ".join(PEERS)))
    w("")
    m = meta["machine"]
    w("**Machine:** %s, %s CPUs (%s usable), %s RAM, Linux %s, %s, gcc %s, THP `%s`.  "
      % (m["cpu"], m["nproc"], m["affinity"], m.get("memory", "?"), m["kernel"], m["glibc"],
         m["gcc"], m["thp"]))
    w("**Peers:** %s.  " % "; ".join(m["packages"].values()))
    w("**brisk:** %s.  " % m.get("brisk", "not measured (build/libbrisk.so missing or "
                                    "`make lib` failed)"))
    w("**Other load on the machine** (CPU used by processes other than the benchmark, "
      "median over runs / max): %.2f / %.2f cores; load average at start %s, at end %s."
      % (meta["foreign_median"], meta["foreign_max"], meta["load_start"], meta["load_end"]))
    w("")
    for n in notes:
        w("> " + n)
    if notes:
        w("")
    variants = [a for a in allocs if a not in ALL_ALLOCATORS]
    if variants and "brisk" in geo:
        w("## Variants against brisk (geometric means of the ratios)")
        w("")
        w("| variant | time | peak RSS |")
        w("|---|---|---|")
        for a in variants:
            w("| %s | %s | %s |" % (a, fmt_ratio(ratio_of(geo[a]["time"], geo["brisk"]["time"])),
                                    fmt_ratio(ratio_of(geo[a]["rss"], geo["brisk"]["rss"]))))
        w("")
    w("## Summary: geometric means of the ratios to the best peer")
    w("")
    hdr = ["allocator", "time (all)", "time micro", "time scaling", "time real", "CPU time", "peak RSS",
           "instr/pair", "instr/pair (lone)", "failed runs"]
    w("| " + " | ".join(hdr) + " |")
    w("|" + "---|" * len(hdr))
    for a in allocs:
        g = geo[a]
        c = cg.get(a, {})
        fails = sum(S[n][a]["n"] - S[n][a]["ok"] for n, k in rows if k == "both")
        failed_rows = [n for n, k in rows if k == "both" and S[n][a]["ok"] < S[n][a]["n"]]
        fails = "%d (%s)" % (fails, ", ".join(failed_rows)) if fails else "0"
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            a, fmt_ratio(g["time"]), fmt_ratio(g["time_micro"]), fmt_ratio(g["time_scaling"]),
            fmt_ratio(g["time_real"]), fmt_ratio(g["cpu"]), fmt_ratio(g["rss"]),
            "%.1f" % c["pair"] if c.get("pair") is not None else "—",
            "%.1f" % c["lone"] if c.get("lone") is not None else "—", fails))
    w("")
    w("Rows where an allocator failed every run are left out of its geometric means "
      "(see *failed runs*), which flatters it.")
    w("")
    w("*instr/pair*: instructions per `malloc(32)`+`free` pair in steady state, counted with "
      "`valgrind --tool=callgrind` (difference of two runs, 20k vs 220k pairs, ~5 of them are "
      "the benchmark loop); the block shares its page with 100 live blocks. *lone*: no other "
      "live block, so each free may empty its page.")
    w("")
    if "brisk" in allocs:
        lose_t = sorted(((S[n]["brisk"]["time_ratio"], n) for n, k in rows
                         if k == "both" and S[n]["brisk"]["time_ratio"]
                         and S[n]["brisk"]["time_ratio"] > 1.05), reverse=True)
        lose_r = sorted(((S[n]["brisk"]["rss_ratio"], n) for n, _ in rows
                         if S[n]["brisk"]["rss_ratio"] and S[n]["brisk"]["rss_ratio"] > 1.10),
                        reverse=True)
        failed = [n for n, k in rows if k == "both" and S[n]["brisk"]["ok"] < S[n]["brisk"]["n"]]
        w("## Where brisk loses to the best peer")
        w("")
        w("- Time (>5%% slower): %s" % (", ".join("%s ×%.2f (best: %s)" % (n, r, best_peer(S[n], "time"))
                                                for r, n in lose_t) or "nowhere"))
        w("- Peak/final RSS (>10%% more): %s" % (", ".join("%s ×%.2f (best: %s)" % (n, r, best_peer(S[n], "rss"))
                                                      for r, n in lose_r) or "nowhere"))
        if failed:
            w("- **Failed runs:** %s" % ", ".join(failed))
        bad = [n for n, k in rows if k == "both" and checksum_mismatch(S[n], "brisk")]
        if bad:
            w("- **Checksum differs from the peers:** %s" % ", ".join(bad))
        w("")
    fl = [(n, a) for n, k in rows if k == "both" for a in allocs if S[n][a]["ok"] < S[n][a]["n"]]
    if fl:
        w("## Failed runs")
        w("")
        for n, a in fl:
            p = S[n][a]
            w("- %s / %s: %d of %d runs failed (%s)%s" % (
                n, a, p["n"] - p["ok"], p["n"], ", ".join(p["fails"]),
                (": `%s`" % p["fail_msg"].replace("`", "'")) if p["fail_msg"] else ""))
        w("")
    w("## Wall time, seconds: median [min–max] ×ratio to best peer")
    w("")
    w("*other load*: median CPU (cores) used by other processes during this row's runs.")
    w("")
    w("| workload | " + " | ".join(allocs) + " | other load |")
    w("|---|" + "---|" * (len(allocs) + 1))
    for n, k in rows:
        if k != "both":
            continue
        cells = []
        for a in allocs:
            c = fmt_t(S[n][a])
            if S[n][a]["time_ratio"] is not None and abs(S[n][a]["time_ratio"] - 1) < 1e-9 and a in PEERS:
                c = "**" + c + "**"
            cells.append(c)
        w("| %s | %s | %.2f |" % (n, " | ".join(cells), meta["row_foreign"].get(n, 0.0)))
    w("| **geomean ratio** | " + " | ".join("**%s**" % fmt_ratio(geo[a]["time"]) for a in allocs) + " | |")
    w("")
    w("## Peak RSS, MiB: median ×ratio to best peer")
    w("")
    w("(`frag final RSS`: RSS after the fragmenting phases, with only the 10% survivors live.)")
    w("")
    w("| workload | " + " | ".join(allocs) + " |")
    w("|---|" + "---|" * len(allocs))
    for n, _ in rows:
        w("| %s | %s |" % (n, " | ".join(fmt_r(S[n][a]) for a in allocs)))
    w("| **geomean ratio** | " + " | ".join("**%s**" % fmt_ratio(geo[a]["rss"]) for a in allocs) + " |")
    w("")
    w("## CPU time (user+sys), seconds: median ×ratio to best peer")
    w("")
    w("Less sensitive than wall time to other load on the machine; includes spinning while "
      "waiting (prodcons) and all threads' time.")
    w("")
    w("| workload | " + " | ".join(allocs) + " |")
    w("|---|" + "---|" * len(allocs))
    for n, k in rows:
        if k != "both":
            continue
        w("| %s | %s |" % (n, " | ".join(
            ("%.3f ×%.2f" % (S[n][a]["cpu"], S[n][a]["cpu_ratio"]) if S[n][a]["cpu_ratio"]
             else ("FAIL" if S[n][a]["fails"] else "—")) for a in allocs)))
    w("| **geomean ratio** | " + " | ".join("**%s**" % fmt_ratio(geo[a]["cpu"]) for a in allocs) + " |")
    w("")
    w("## Thread scaling (median seconds, same total work)")
    w("")
    for base, counts in (("churn", (1, 2, 4, 8, 16)), ("larson", (1, 2, 4, 8, 16))):
        names = []
        for t in counts:
            cand = "%s-t%d" % (base, t)
            if base == "churn" and t == 1:
                cand = "churn"
            if base == "larson" and t == 4:
                cand = "larson"
            if cand in S:
                names.append((t, cand))
        if not names:
            continue
        w("| %s threads | " % base + " | ".join(allocs) + " |")
        w("|---|" + "---|" * len(allocs))
        for t, n in names:
            w("| %d | %s |" % (t, " | ".join("%.3f" % S[n][a]["time"] if S[n][a]["time"] else "—"
                                            for a in allocs)))
        w("")
    w("## Workloads")
    w("")
    w("| workload | models | command (%s) |" % meta["mode"])
    w("|---|---|---|")
    for wl in wls:
        w("| %s | %s | `%s` |" % (wl["name"], wl["desc"], " ".join(
            os.path.relpath(c, ROOT) if c.startswith(ROOT) else c
            for c in meta["commands"][wl["name"]]).replace("|", "\\|")))
    w("")
    w("Checksums: every workload prints one; it must be the same under every allocator. %s"
      % (("Mismatches: " + ", ".join(meta["mismatch"])) if meta["mismatch"] else "All matched."))
    w("")
    with open(path, "w") as f:
        f.write("\n".join(L))


def best_peer(per, key):
    best = None
    for a in PEERS:
        if a in per and per[a].get(key):
            if best is None or per[a][key] < per[best][key]:
                best = a
    return best or "?"


def checksum_mismatch(per, a):
    ref = set()
    for p in PEERS:
        if p in per:
            ref.update(per[p]["checksums"])
    return bool(per[a]["checksums"]) and bool(ref) and not set(per[a]["checksums"]) <= ref


def write_svg(path, meta, S, rows, geo, allocs):
    """Two panels (time ratio, RSS ratio), log2 axis, one bar per allocator."""
    lo, hi = 0.25, 8.0
    bar, gap, label_w, panel_w, top = 7, 8, 150, 330, 70
    entries = [("GEOMEAN", "both", True)] + [(n, k, False) for n, k in rows]
    group_h = bar * len(allocs) + gap
    height = top + group_h * len(entries) + 40
    width = label_w + 2 * panel_w + 60
    out = []
    o = out.append
    o('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
      'font-size="11">' % (width, height))
    o('<rect width="100%" height="100%" fill="white"/>')
    o('<text x="10" y="18" font-size="14" font-weight="bold">brisk benchmark (%s, %s): ratio to '
      'best peer, log scale, lower is better</text>' % (meta["mode"], meta["date"]))
    lx = 10
    for a in allocs:
        o('<rect x="%d" y="28" width="10" height="10" fill="%s"/>' % (lx, COLORS[a]))
        o('<text x="%d" y="37">%s</text>' % (lx + 14, a))
        lx += 90

    def xpos(px, v):
        v = min(max(v, lo), hi)
        return px + (math.log2(v) - math.log2(lo)) / (math.log2(hi) - math.log2(lo)) * panel_w

    for pi, (key, title) in enumerate((("time_ratio", "wall time"), ("rss_ratio", "peak RSS"))):
        px = label_w + pi * (panel_w + 30)
        o('<text x="%d" y="58" font-weight="bold">%s</text>' % (px, title))
        t = lo
        while t <= hi:
            x = xpos(px, t)
            o('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="%s"/>'
              % (x, top - 4, x, height - 30, "#000" if t == 1 else "#ddd", "1.2" if t == 1 else "1"))
            o('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (x, height - 16, t))
            t *= 2
        for ei, (name, kind, is_geo) in enumerate(entries):
            y0 = top + ei * group_h
            for ai, a in enumerate(allocs):
                if is_geo:
                    v = geo[a]["time" if key == "time_ratio" else "rss"]
                else:
                    v = S[name][a][key]
                y = y0 + ai * bar
                if v is None:
                    if not is_geo and S[name][a]["ok"] < S[name][a]["n"]:
                        o('<text x="%.1f" y="%d" font-size="8" fill="%s" font-weight="bold">'
                          'FAIL</text>' % (xpos(px, 1.0) + 3, y + bar - 1, COLORS[a]))
                    continue
                x1 = xpos(px, 1.0)
                x2 = xpos(px, v)
                xa, xb = min(x1, x2), max(x1, x2)
                o('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %.3f'
                  '</title></rect>' % (xa, y, max(xb - xa, 1.0), bar - 1, COLORS[a], name, a, v))
                if v > hi or v < lo:
                    o('<text x="%.1f" y="%d" font-size="8" text-anchor="%s">%.1f</text>'
                      % (x2 + (2 if v > hi else -2), y + bar - 1, "start" if v > hi else "end", v))
    for ei, (name, kind, is_geo) in enumerate(entries):
        y0 = top + ei * group_h
        o('<text x="%d" y="%d" text-anchor="end"%s>%s</text>'
          % (label_w - 8, y0 + group_h // 2 + 2, ' font-weight="bold"' if is_geo else "", name))
        if ei:
            o('<line x1="10" y1="%d" x2="%d" y2="%d" stroke="#eee"/>' % (y0 - gap // 2, width - 10,
                                                                       y0 - gap // 2))
    o("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_const", dest="mode", const="quick")
    g.add_argument("--full", action="store_const", dest="mode", const="full")
    ap.add_argument("--rounds", type=int, help="rounds (default: quick 5, full 7)")
    ap.add_argument("--only", help="comma-separated workload names")
    ap.add_argument("--allocators", help="comma-separated subset of " + ",".join(ALL_ALLOCATORS))
    ap.add_argument("--no-brisk", action="store_true", help="leave brisk out")
    ap.add_argument("--variants", help="extra brisk builds measured beside the others, as "
                    "NAME=PATH[+VAR=VALUE...],... (e.g. hardened=build/libbrisk-hardened.so, "
                    "mesh=build/libbrisk.so+BRISK_MESH=1); reported against brisk as well")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--timeout", type=float, help="seconds per run (default quick 20, full 120); "
                    "after a timeout that allocator skips the remaining rounds of the workload")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="S",
                    help="first wait up to S seconds for other load to drop below 0.3 cores")
    ap.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3")
                    else shutil.which("python3"))
    args = ap.parse_args()
    mode = args.mode or "quick"
    rounds = args.rounds or (5 if mode == "quick" else 7)
    timeout = args.timeout or (20 if mode == "quick" else 120)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if args.wait_quiet > 0:
        deadline = time.time() + args.wait_quiet
        while True:
            b0 = cpu_busy_s()
            time.sleep(3)
            busy = (cpu_busy_s() - b0) / 3
            if busy < 0.3 or time.time() > deadline:
                log("other load %.2f cores: %s" % (busy, "starting" if busy < 0.3 else
                                                   "still busy, starting anyway"))
                break
    start = time.time()
    load_start = open("/proc/loadavg").read().split()[0]
    notes = []
    wanted = args.allocators.split(",") if args.allocators else list(ALL_ALLOCATORS)
    paths = {"glibc": None}
    allocs = []
    for a in ALL_ALLOCATORS:
        if a not in wanted:
            continue
        if a == "glibc":
            allocs.append(a)
        elif a == "brisk":
            if args.no_brisk:
                notes.append("brisk left out (--no-brisk: `make lib` failed or was not wanted).")
                continue
            if not os.path.exists(BRISK_SO):
                notes.append("brisk left out: build/libbrisk.so does not exist.")
                continue
            if not preload_ok(BRISK_SO):
                notes.append("brisk left out: LD_PRELOAD of build/libbrisk.so fails.")
                continue
            paths[a] = BRISK_SO
            allocs.append(a)
        else:
            p = find_peer(a)
            if not p or not preload_ok(p):
                notes.append("%s left out: library not found or not preloadable." % a)
                continue
            paths[a] = p
            allocs.append(a)
    for spec in (args.variants.split(",") if args.variants else []):
        name, _, rest = spec.partition("=")
        path, *envs = rest.split("+")
        path = os.path.join(ROOT, path) if path and not os.path.isabs(path) else path
        if (not name or not path or not os.path.exists(path) or not preload_ok(path)
                or any("=" not in e for e in envs)):
            sys.exit("bad --variants entry %r (NAME=PATH[+VAR=VALUE...] of a preloadable library)" % spec)
        VARIANT_ENV[name] = dict(e.split("=", 1) for e in envs)
        paths[name] = path
        allocs.append(name)
        COLORS.setdefault(name, "#9467bd")
    for n in notes:
        log("note: " + n)
    log("allocators: " + ", ".join("%s=%s" % (a, paths[a] or "(none)") for a in allocs))

    wls = workloads()
    if args.only:
        only = args.only.split(",")
        unknown = set(only) - set(w["name"] for w in wls)
        if unknown:
            sys.exit("unknown workloads: %s" % ", ".join(sorted(unknown)))
        wls = [w for w in wls if w["name"] in only]
    for p in ("churn", "larson", "prodcons", "xmalloc", "cache", "realloc", "large", "frag",
              "threadchurn", "bigset", "rptest", "frag2m", "pairs", "measure"):
        if not os.access(os.path.join(BIN, p), os.X_OK):
            sys.exit("missing %s/%s: run `make bench-progs` first" % (BIN, p))

    tmp = tempfile.mkdtemp(prefix="brisk-bench-")
    results, commands = {}, {}
    foreign = []
    try:
        for w in wls:
            cmd = expand(w, mode, tmp, args.python)
            commands[w["name"]] = cmd
            results[w["name"]] = {a: [] for a in allocs}
            for r in range(rounds):
                order = allocs[r % len(allocs):] + allocs[:r % len(allocs)]
                for a in order:
                    if any(x["rc"] == "timeout" for x in results[w["name"]][a]):
                        continue
                    res = run_once(cmd, paths[a], alloc_env("glibc", paths, dict(w["env"], **VARIANT_ENV.get(a, {}))),
                                   timeout, tmp)
                    res["checksum"], res["metrics"] = parse_output(res["out"])
                    res["round"] = r
                    del res["out"]
                    if res["rc"] == 0:
                        res["err"] = res["err"][-300:]
                    else:
                        log("  %s/%s round %d FAILED rc=%s: %s" % (w["name"], a, r, res["rc"],
                                                                 res["err"].strip()[-300:]))
                    foreign.append(res["foreign"])
                    results[w["name"]][a].append(res)
            line = "%-14s" % w["name"]
            for a in allocs:
                ok = [x["wall"] for x in results[w["name"]][a] if x["rc"] == 0]
                rs = [x["rss_kib"] for x in results[w["name"]][a] if x["rc"] == 0]
                line += "  %s %s/%s" % (a, "%.3fs" % med(ok) if ok else "FAIL",
                                        "%.0fM" % (med(rs) / 1024) if rs else "-")
            log(line)
        cg = {} if args.no_callgrind else callgrind_pairs(allocs, paths, tmp, log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    S, rows, geo = summarise(results, allocs, wls)
    mismatch = []
    for w in wls:
        for a in allocs:
            if checksum_mismatch(S[w["name"]], a) or len(S[w["name"]][a]["checksums"]) > 1:
                mismatch.append("%s/%s" % (w["name"], a))
    elapsed = time.time() - start
    meta = dict(mode=mode, rounds=rounds, date=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                elapsed=elapsed, machine=machine_info(allocs), commands=commands,
                foreign_median=med(foreign) or 0.0, foreign_max=max(foreign) if foreign else 0.0,
                load_start=load_start, load_end=open("/proc/loadavg").read().split()[0],
                mismatch=mismatch, allocators=allocs, paths=paths,
                row_foreign={n: med([r["foreign"] for a in allocs for r in results[n][a]]) or 0.0
                             for n in results})
    if meta["foreign_median"] > 0.3:
        notes.append("Other processes used %.2f cores (median) during the runs: timings are "
                     "noisy; rerun on a quiet machine for final figures." % meta["foreign_median"])
    os.makedirs(os.path.join(args.out, "raw"), exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(args.out, "raw", "%s-%s.json" % (stamp, mode)), "w") as f:
        json.dump(dict(meta=meta, results=results, callgrind=cg), f, indent=1)
    write_md(os.path.join(args.out, "latest.md"), meta, S, rows, geo, allocs, wls, cg, notes)
    write_svg(os.path.join(args.out, "latest.svg"), meta, S, rows, geo, allocs)
    log("")
    log("geomean ratio to best peer (time / RSS), instr per pair:")
    for a in allocs:
        c = cg.get(a, {})
        log("  %-9s %s / %s   %s" % (a, fmt_ratio(geo[a]["time"]), fmt_ratio(geo[a]["rss"]),
                                     "%.1f" % c["pair"] if c.get("pair") is not None else "-"))
    if "brisk" in geo:
        for a in allocs:
            if a in ALL_ALLOCATORS:
                continue
            log("  variant %s against brisk: time x%s, RSS x%s" % (
                a, fmt_ratio(ratio_of(geo[a]["time"], geo["brisk"]["time"])),
                fmt_ratio(ratio_of(geo[a]["rss"], geo["brisk"]["rss"]))))
    if mismatch:
        log("checksum mismatches: " + ", ".join(mismatch))
    log("wrote %s/latest.md and latest.svg in %.0f s" % (os.path.relpath(args.out), elapsed))


if __name__ == "__main__":
    main()
