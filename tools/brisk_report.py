#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""brisk report — read a trace written by `brisk trace` (docs/trace-format.md)
and summarise it: on the terminal, as JSON, as collapsed stacks, or as one
self-contained HTML page of interactive charts.  docs/report.md explains
the figures.  Python 3 standard library only; addr2line and nm (binutils)
symbolise call stacks when installed."""

import argparse
import bisect
import glob
import html
import itertools
import json
import os
import re
import struct
import subprocess
import sys
from array import array

MAGIC = 0x43525442
CH_PROCESS, CH_EVENTS, CH_MAPS, CH_END, CH_THREAD = 1, 2, 3, 4, 5
K_MALLOC, K_CALLOC, K_REALLOC, K_ALIGNED, K_FREE, K_SYSCALL, K_SAMPLE, K_STACK = 1, 2, 3, 4, 5, 6, 7, 8
STACK_REF = 255       # nframes of an event that refers to a STACK record by id
SYSCALL_NAMES = ["mmap", "munmap", "madvise", "mremap", "mprotect"]
HEADER = struct.Struct("<IHHII")
PROC = struct.Struct("<IIIIQQQQ")
REC = struct.Struct("<QQQQ")
W0 = struct.Struct("<Q")
W0_ADDR_SIZE = struct.Struct("<QQQ")
W0_32 = struct.Struct("<Q24x")
NBINS = 2000          # time-series points
SYMBOLISE_SITES = 200 # sites symbolised per list (bytes, count, leaks)
FLAME_SITES = 1000    # sites drawn in the flame graph (the rest: "(other sites)")
HERE = os.path.dirname(os.path.realpath(__file__))


class TraceError(Exception):
    """A file that cannot be reported on: printed as one line, exit 2."""


# --------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------

class Image:
    """One program image of a trace file: a PROCESS chunk and what follows
    it up to the next PROCESS chunk (exec) or the end of the file."""

    def __init__(self, payload, file_off):
        if len(payload) < PROC.size:
            raise TraceError("PROCESS chunk too short (%d bytes)" % len(payload))
        (self.version, self.pid, self.ppid, self.flags, self.start_ticks, self.start_ns,
         self.start_realtime_ns, self.tps_x1000) = PROC.unpack_from(payload)
        rest = payload[PROC.size:].split(b"\0")
        self.exe = rest[0].decode("utf-8", "replace") if rest else ""
        self.cmdline = rest[1].decode("utf-8", "replace") if len(rest) > 1 else ""
        self.stacks = bool(self.flags & 1)
        self.file_off = file_off
        self.events = []            # (start, end, tid) of EVENTS payloads
        self.maps = None            # text of the last MAPS chunk
        self.maps_all = []          # every MAPS text, in file order
        self.end = None             # (end_ticks, end_ns, dropped)
        self.thread_exits = []      # (tid, ticks)
        self.tids = set()
        self.unknown_chunks = 0


class TraceFile:
    def __init__(self, path):
        self.path = path
        try:
            with open(path, "rb") as f:
                self.buf = f.read()
        except OSError as e:
            raise TraceError(e.strerror or str(e))
        buf = self.buf
        n = len(buf)
        if n == 0:
            raise TraceError("empty file, not a brisk trace")
        if n < 4 or W0.unpack_from(buf + b"\0" * 8)[0] & 0xffffffff != MAGIC:
            raise TraceError("not a brisk trace (no BTRC magic at the start)")
        self.images = []
        self.truncated = False      # a partial chunk at the end
        self.garbage_at = None      # offset of bytes that are not a chunk
        off = 0
        img = None
        while off < n:
            if off + 16 > n:
                self.truncated = True
                break
            magic, ctype, _res, tid, length = HEADER.unpack_from(buf, off)
            if magic != MAGIC:
                self.garbage_at = off
                break
            start, end = off + 16, off + 16 + length
            if end > n:
                self.truncated = True
                break
            if ctype == CH_PROCESS:
                img = Image(buf[start:end], off)
                self.images.append(img)
            elif img is None:
                raise TraceError("not a brisk trace (first chunk is type %d, not PROCESS)" % ctype)
            elif ctype == CH_EVENTS:
                img.events.append((start, end, tid))
                img.tids.add(tid)
            elif ctype == CH_MAPS:
                img.maps = buf[start:end].decode("utf-8", "replace")
                img.maps_all.append(img.maps)
            elif ctype == CH_END and length >= 24:
                img.end = struct.unpack_from("<QQQ", buf, start)
            elif ctype == CH_THREAD and length >= 16:
                t, _r, ticks = struct.unpack_from("<IIQ", buf, start)
                img.thread_exits.append((t, ticks))
            else:
                img.unknown_chunks += 1
            off = end
        if not self.images:
            raise TraceError("not a brisk trace (no PROCESS chunk)")


# --------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------

class Analysis:
    """Replays one image's events in time order and keeps the figures."""

    def __init__(self, tf, img):
        self.tf, self.img = tf, img
        self._collect()
        self._timescale()
        self._replay()

    # -- pass 1: where the records are, and their times --
    def _collect(self):
        buf, img = self.tf.buf, self.img
        mv = memoryview(buf)
        ticks = array("Q")
        offs = array("Q")
        last_of = {}            # tid -> last tick (times of one thread never go back)
        gmax = 0
        need_sort = False
        bad = 0
        stacks = {}             # STACK id -> the return addresses (bytes)
        for start, end, tid in img.events:
            last = last_of.get(tid, 0)
            body = end - start
            ws = None
            if body % 32 == 0:
                ws = [w for (w,) in W0_32.iter_unpack(mv[start:end])]
                if any(w & 0xff00 for w in ws):
                    ws = None
            if ws is not None:
                if not ws:
                    continue
                ts = list(itertools.accumulate([w >> 16 for w in ws], max, initial=last))
                del ts[0]
                ticks.extend(ts)
                offs.extend(range(start, end, 32))
            else:
                ts = []
                o = start
                while o + 32 <= end:
                    w = W0.unpack_from(buf, o)[0]
                    nf = (w >> 8) & 0xff
                    if w & 0xff == K_STACK:
                        _w, sid, n = W0_ADDR_SIZE.unpack_from(buf, o)
                        if n != nf and (nf == 255 or n < nf):
                            nf = n          # nframes again: the longer stacks
                        if o + 32 + 8 * nf > end:
                            bad += 1
                            break
                        stacks[sid] = buf[o + 32:o + 32 + 8 * nf]
                        o += 32 + 8 * nf
                        continue
                    if nf == STACK_REF:
                        nf = 1
                    if o + 32 + 8 * nf > end:
                        bad += 1
                        break
                    t = w >> 16
                    if t < last:
                        t = last
                    last = t
                    ts.append(t)
                    offs.append(o)
                    o += 32 + 8 * nf
                if o != end and not bad:
                    bad += 1
                if not ts:
                    continue
                ticks.extend(ts)
            if ts[0] < gmax:
                need_sort = True
            last_of[tid] = ts[-1]
            if ts[-1] > gmax:
                gmax = ts[-1]
        self.ticks, self.offs, self.need_sort = ticks, offs, need_sort
        self.stacks = stacks
        self.max_tick = gmax
        self.bad_chunks = bad

    # -- ticks to seconds --
    def _timescale(self):
        img = self.img
        self.clean_exit = img.end is not None
        scale = None
        rel_end = None
        if img.end:
            end_ticks, end_ns, self.dropped = img.end
            dns = end_ns - img.start_ns
            # end_ticks: absolute like start_ticks (the formula in the
            # format), or relative like the events; take the reading that
            # agrees with the measured rate.
            cands = [end_ticks - img.start_ticks, end_ticks] if end_ticks >= img.start_ticks \
                else [end_ticks]
            if img.tps_x1000:
                want = dns * img.tps_x1000 / 1e12
            else:
                want = dns
            rel_end = min(cands, key=lambda c: abs(c - want))
            if rel_end > 0 and dns > 0:
                scale = dns / 1e9 / rel_end
        else:
            self.dropped = 0
        if scale is None:
            scale = 1000.0 / img.tps_x1000 if img.tps_x1000 else 1e-9
        self.scale = scale
        self.end_tick = max(self.max_tick, rel_end or 0)
        if img.end and img.end[1] > img.start_ns:
            self.duration_s = (img.end[1] - img.start_ns) / 1e9
        else:
            self.duration_s = self.end_tick * scale

    # -- pass 2: replay in time order --
    def _replay(self):
        buf = self.tf.buf
        ticks, offs = self.ticks, self.offs
        n = len(ticks)
        bw = max(1, -(-(self.end_tick + 1) // NBINS))      # ticks per bin
        nb = (self.end_tick // bw) + 1
        self.bin_ticks = bw
        self.nbins = nb
        b_live = [-1] * nb         # max live bytes in the bin (-1: no event)
        b_end = [0] * nb           # live bytes at the end of the bin
        b_an = [0] * nb            # allocations (incl. reallocs) in the bin
        b_ab = [0] * nb            # bytes of them
        b_fn = [0] * nb            # frees in the bin
        size_hist = [0] * 66
        life_hist = [0] * 66
        live = {}
        site_of = {}            # stack (bytes of return addresses) -> site
        id_site = {}            # STACK id -> site
        stacks = self.stacks
        unknown_ids = 0
        s_bytes, s_count, s_keys = [], [], []
        samples = []
        sys_pts = []
        sys_tot = {}
        unknown_kinds = 0
        allocations = frees = reallocs = failed = untracked = 0
        bytes_alloc = bytes_realloc = 0
        lb = peak = peak_t = 0
        unpack = REC.unpack_from
        cb = 0
        bmax = 0
        an = ab = fn = 0
        if self.need_sort:
            order = sorted(range(n), key=ticks.__getitem__)
            it = ((offs[i], ticks[i]) for i in order)
        else:
            it = zip(offs, ticks)
        for off, t in it:
            w, addr, size, arg = unpack(buf, off)
            kind = w & 0xff
            b = t // bw
            if b != cb:
                b_live[cb] = bmax
                b_end[cb] = lb
                b_an[cb] += an
                b_ab[cb] += ab
                b_fn[cb] += fn
                an = ab = fn = 0
                cb = b
                bmax = lb
            if kind == K_REALLOC and addr == 0 and size == 0 and arg:
                kind, addr = K_FREE, arg        # realloc(p, 0) freed p
            if kind == K_FREE:
                frees += 1
                fn += 1
                v = live.pop(addr, None)
                if v is None:
                    untracked += 1
                else:
                    lb -= v[0]
                    life_hist[(t - v[1]).bit_length()] += 1
                continue
            if kind <= K_ALIGNED and kind:
                born = t
                if kind == K_REALLOC and arg:
                    if addr == 0:
                        failed += 1             # the old block lives on
                        continue
                    reallocs += 1
                    bytes_realloc += size
                    v = live.pop(arg, None)
                    if v is not None:
                        lb -= v[0]
                        born = v[1]
                else:
                    if addr == 0:
                        failed += 1
                        continue
                    allocations += 1
                    bytes_alloc += size
                nf = (w >> 8) & 0xff
                if nf == STACK_REF:
                    stack_id = W0.unpack_from(buf, off + 32)[0]
                    sid = id_site.get(stack_id)
                    if sid is None:
                        key = stacks.get(stack_id)
                        if key is None:
                            unknown_ids += 1
                            key = b""
                        sid = site_of.get(key)
                        if sid is None:
                            sid = site_of[key] = len(s_bytes)
                            s_bytes.append(0)
                            s_count.append(0)
                            s_keys.append(key)
                        id_site[stack_id] = sid
                else:
                    # stacks inline (nframes addresses after the record)
                    key = buf[off + 32: off + 32 + 8 * nf] if nf else b""
                    sid = site_of.get(key)
                    if sid is None:
                        sid = site_of[key] = len(s_bytes)
                        s_bytes.append(0)
                        s_count.append(0)
                        s_keys.append(key)
                s_bytes[sid] += size
                s_count[sid] += 1
                size_hist[size.bit_length()] += 1
                an += 1
                ab += size
                old = live.get(addr)
                if old is not None:            # its free was not traced
                    lb -= old[0]
                live[addr] = (size, born, sid)
                lb += size
                if lb > bmax:
                    bmax = lb
                    if lb > peak:
                        peak = lb
                        peak_t = t
                continue
            if kind == K_SAMPLE:
                samples.append((t, addr, size, arg, lb))
            elif kind == K_SYSCALL:
                k = arg & 0xff
                ok = (arg >> 8) & 1
                name = SYSCALL_NAMES[k] if k < len(SYSCALL_NAMES) else "syscall%d" % k
                s = sys_tot.get(name)
                if s is None:
                    s = sys_tot[name] = {"calls": 0, "bytes": 0, "failed": 0}
                s["calls"] += 1
                if ok:
                    s["bytes"] += size
                else:
                    s["failed"] += 1
                sys_pts.append((t, name, size, addr, ok))
            else:
                unknown_kinds += 1
        if n:
            b_live[cb] = bmax
            b_end[cb] = lb
            b_an[cb] += an
            b_ab[cb] += ab
            b_fn[cb] += fn
        # bins without events keep the live bytes of the bin before
        prev = 0
        for i in range(nb):
            if b_live[i] < 0:
                b_live[i] = b_end[i] = prev
            prev = b_end[i]
        self.events = n
        self.allocations, self.frees, self.reallocs, self.failed = allocations, frees, reallocs, failed
        self.untracked_frees = untracked
        self.bytes_allocated, self.bytes_reallocated = bytes_alloc, bytes_realloc
        self.peak_bytes, self.peak_tick = peak, peak_t
        self.live = live
        self.live_bytes_end = lb
        self.s_bytes, self.s_count, self.s_keys = s_bytes, s_count, s_keys
        self.size_hist, self.life_hist = size_hist, life_hist
        self.samples, self.sys_pts, self.sys_tot = samples, sys_pts, sys_tot
        self.unknown_kinds = unknown_kinds
        self.unknown_stack_ids = unknown_ids
        self.b_live, self.b_an, self.b_ab, self.b_fn = b_live, b_an, b_ab, b_fn
        # leaks by site
        lk = {}
        for size, _born, sid in live.values():
            e = lk.get(sid)
            if e is None:
                lk[sid] = [size, 1]
            else:
                e[0] += size
                e[1] += 1
        self.leak_sites = lk
        self.leaked_bytes = sum(v[0] for v in lk.values())
        self.leaked_blocks = len(live)

    # -- helpers for the outputs --
    def secs(self, t):
        return t * self.scale

    def site_pcs(self, sid):
        key = self.s_keys[sid]
        return struct.unpack("<%dQ" % (len(key) // 8), key) if key else ()


# --------------------------------------------------------------------------
# Symbolisation (after the run, never inside the traced program)
# --------------------------------------------------------------------------

def elf_loads(path):
    """PT_LOAD headers of an ELF file: [(p_offset, p_vaddr, p_filesz)]."""
    try:
        with open(path, "rb") as f:
            eh = f.read(64)
            if len(eh) < 52 or eh[:4] != b"\x7fELF":
                return None
            cls, data = eh[4], eh[5]
            end = "<" if data == 1 else ">"
            if cls == 2:
                phoff, = struct.unpack_from(end + "Q", eh, 32)
                phentsize, phnum = struct.unpack_from(end + "HH", eh, 54)
                fmt = end + "IIQQQQQQ"
            else:
                phoff, = struct.unpack_from(end + "I", eh, 28)
                phentsize, phnum = struct.unpack_from(end + "HH", eh, 42)
                fmt = end + "IIIIIIII"
            f.seek(phoff)
            ph = f.read(phentsize * phnum)
    except OSError:
        return None
    loads = []
    for i in range(phnum):
        if (i + 1) * phentsize > len(ph):
            break
        v = struct.unpack_from(fmt, ph, i * phentsize)
        if v[0] != 1:
            continue
        if cls == 2:
            loads.append((v[2], v[3], v[5]))       # offset, vaddr, filesz
        else:
            loads.append((v[1], v[2], v[4]))
    return loads


def _tool_env():
    env = dict(os.environ, LC_ALL="C")
    # addr2line built with debuginfod would fetch debug information over
    # the network for every module: only when asked (BRISK_REPORT_DEBUGINFOD=1)
    if os.environ.get("BRISK_REPORT_DEBUGINFOD") != "1":
        env.pop("DEBUGINFOD_URLS", None)
    return env


def _run(args, stdin_text=None):
    try:
        r = subprocess.run(args, input=stdin_text, capture_output=True, text=True,
                           errors="replace", env=_tool_env())
    except OSError:
        return None
    return r.stdout


class Module:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.loads = elf_loads(path) if os.path.isfile(path) else None
        self._nm = None

    def vaddr(self, fileoff):
        if not self.loads:
            return None
        best = None
        for off, va, filesz in self.loads:
            if off <= fileoff < off + max(filesz, 1):
                return fileoff - off + va
            if off <= fileoff and (best is None or off > best[0]):
                best = (off, va)
        return fileoff - best[0] + best[1] if best else None

    def nm(self):
        """Sorted [(vaddr, name)] of the module's function symbols."""
        if self._nm is None:
            syms = {}
            for extra in (["-D"], []):
                out = _run(["nm", "-C", "--defined-only"] + extra + [self.path]) or ""
                for line in out.splitlines():
                    f = line.split(None, 2)
                    if len(f) != 3 or f[1] not in "TtWwIiu" or len(f[1]) != 1:
                        continue
                    try:
                        a = int(f[0], 16)
                    except ValueError:
                        continue
                    name = re.sub(r"@@?[A-Za-z0-9_.]+$", "", f[2])
                    rank = (f[1].islower(), len(name) - len(name.lstrip("_")), len(name), name)
                    if a not in syms or rank < syms[a][0]:
                        syms[a] = (rank, name)
            items = sorted((a, v[1]) for a, v in syms.items())
            self._nm = ([a for a, _ in items], [n for _, n in items])
        return self._nm

    def nearest(self, va):
        addrs, names = self.nm()
        i = bisect.bisect_right(addrs, va) - 1
        if i < 0:
            return None
        return names[i], va - addrs[i]


class Symbolizer:
    """pc -> frames (a list of strings, innermost first: inlined frames of
    one pc come out as several), from the MAPS text of an image: the last
    one (it covers more), then the earlier ones for pcs it lacks (a
    library unloaded before exit)."""

    def __init__(self, maps_text, older=()):
        self.modules = {}
        self.cache = {}
        self.maps, self.starts = self._parse(maps_text)
        self.older = [self._parse(t) for t in reversed(list(older)) if t and t != maps_text]

    @staticmethod
    def _parse(maps_text):
        maps = []
        for line in (maps_text or "").splitlines():
            f = line.split(None, 5)
            if len(f) < 5 or "-" not in f[0]:
                continue
            try:
                lo, hi = (int(x, 16) for x in f[0].split("-", 1))
                off = int(f[2], 16)
            except ValueError:
                continue
            path = f[5].strip() if len(f) > 5 else ""
            if path.endswith(" (deleted)"):
                path = path[:-10]
            maps.append((lo, hi, off, path))
        maps.sort()
        return maps, [m[0] for m in maps]

    def where(self, pc):
        """(module path or "[name]" or "", file offset) of a pc."""
        for maps, starts in [(self.maps, self.starts)] + self.older:
            i = bisect.bisect_right(starts, pc) - 1
            if i >= 0:
                lo, hi, off, path = maps[i]
                if pc < hi:
                    return path, pc - lo + off
        return None, None

    def is_brisk(self, pc):
        path, _ = self.where(pc)
        return bool(path) and "libbrisk" in os.path.basename(path)

    def module(self, path):
        m = self.modules.get(path)
        if m is None:
            m = self.modules[path] = Module(path)
        return m

    def symbolise(self, pcs):
        """Fill the cache for these pcs, one addr2line run per module."""
        todo = {}
        for pc in pcs:
            if pc in self.cache:
                continue
            path, fo = self.where(pc)
            if path is None:
                self.cache[pc] = ["0x%x (?)" % pc]
                continue
            if not path.startswith("/"):
                self.cache[pc] = ["0x%x (%s)" % (pc, path or "anonymous")]
                continue
            m = self.module(path)
            # the return address points after the call: look up pc - 1
            va = m.vaddr(fo - 1 if fo else fo)
            if va is None:
                self.cache[pc] = ["0x%x (%s)" % (fo, m.name)]
                continue
            todo.setdefault(path, []).append((pc, va))
        for path, items in todo.items():
            m = self.modules[path]
            res = self._addr2line(m, sorted({va for _, va in items}))
            for pc, va in items:
                frames = res.get(va)
                if not frames:
                    frames = [self._nm_frame(m, va, None)]
                self.cache[pc] = frames

    def _nm_frame(self, m, va, func):
        near = m.nearest(va) if m.loads else None
        if near:
            name, d = near
            if func is None or func == name or func.startswith(name + "("):
                return "%s+0x%x (%s)" % (func or name, d + 1, m.name)
        if func:
            return "%s (%s)" % (func, m.name)
        return "0x%x (%s)" % (va + 1, m.name)

    def _addr2line(self, m, vas):
        out = _run(["addr2line", "-a", "-f", "-C", "-i", "-e", m.path],
                   "\n".join("0x%x" % v for v in vas) + "\n")
        res = {}
        if not out:
            return res
        lines = out.splitlines()
        want = set(vas)
        cur = None
        v = None
        i = 0
        addr_re = re.compile(r"^0x[0-9a-f]+$")
        while i < len(lines):
            line = lines[i]
            if addr_re.match(line):
                a = int(line, 16)
                if a in want:
                    v = a
                    cur = res.setdefault(v, [])
                    i += 1
                    continue
            if cur is None or i + 1 >= len(lines):
                i += 1
                continue
            func, loc = line, lines[i + 1]
            i += 2
            loc = re.sub(r" \(discriminator \d+\)$", "", loc)
            fl = loc.rsplit(":", 1)
            known_loc = fl[0] not in ("??", "") and len(fl) == 2 and fl[1] not in ("?", "0")
            if func == "??":
                func = None
            if known_loc:
                cur.append("%s (%s:%s)" % (func or "??", os.path.basename(fl[0]), fl[1]))
            else:
                cur.append(self._nm_frame(m, v, func))
        return res

    def frames(self, pcs):
        """Frames of a stack (innermost first), brisk's own dropped."""
        out = []
        for pc in pcs:
            if self.is_brisk(pc):
                continue
            out.extend(self.cache.get(pc) or ["0x%x" % pc])
        return out


# --------------------------------------------------------------------------
# The report: figures shared by every output
# --------------------------------------------------------------------------

def human_bytes(n):
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024


def human_time(s):
    if s < 1e-6:
        return "%.0f ns" % (s * 1e9)
    if s < 1e-3:
        return "%.1f µs" % (s * 1e6)
    if s < 1:
        return "%.3f ms" % (s * 1e3)
    return "%.3f s" % s


def size_bucket(k):
    if k == 0:
        return 0, 0
    return 1 << (k - 1), (1 << k) - 1


class Report:
    def __init__(self, path, image_index=None, symbols=True, children=True, top=100):
        self.path = path
        self.tf = TraceFile(path)
        imgs = self.tf.images
        if image_index is None:
            self.image_no = len(imgs)
        else:
            if not 1 <= image_index <= len(imgs):
                raise TraceError("no image %d (the file holds %d)" % (image_index, len(imgs)))
            self.image_no = image_index
        self.a = Analysis(self.tf, imgs[self.image_no - 1])
        self.other_images = [(i + 1, img) for i, img in enumerate(imgs) if i + 1 != self.image_no]
        self.sym = Symbolizer(self.a.img.maps, self.a.img.maps_all) if symbols else None
        self.top = top
        self.children = self._children() if children else []

    def _children(self):
        out = []
        base = self.path
        files = [p for p in glob.glob(glob.escape(base) + ".*")
                 if re.fullmatch(r"\d+", p[len(base) + 1:])]
        for p in sorted(files, key=lambda p: int(p[len(base) + 1:])):
            try:
                tf = TraceFile(p)
                a = Analysis(tf, tf.images[-1])
                c = summary_of(a, p, len(tf.images))
                c["exec_chain"] = [img.exe for img in tf.images]
                out.append(c)
            except TraceError as e:
                out.append({"file": p, "error": str(e)})
        return out

    # -- sites --
    def _sites(self, order_key, limit, source=None):
        a = self.a
        if source is None:
            ids = range(len(a.s_bytes))
            vals = lambda sid: (a.s_bytes[sid], a.s_count[sid])
        else:
            ids = source.keys()
            vals = lambda sid: tuple(source[sid])
        ranked = sorted(ids, key=lambda sid: order_key(vals(sid)))
        return [(sid,) + vals(sid) for sid in ranked[:limit]]

    def symbolise_sites(self, sids):
        if self.sym:
            pcs = set()
            for sid in sids:
                pcs.update(self.a.site_pcs(sid))
            self.sym.symbolise(pcs)

    def frames_of(self, sid):
        pcs = self.a.site_pcs(sid)
        if self.sym:
            return self.sym.frames(pcs)
        return ["0x%x" % pc for pc in pcs]

    def site_lists(self, limit):
        a = self.a
        by_bytes = self._sites(lambda v: (-v[0], -v[1]), max(limit, SYMBOLISE_SITES))
        by_count = self._sites(lambda v: (-v[1], -v[0]), max(limit, SYMBOLISE_SITES))
        leaks = self._sites(lambda v: (-v[0], -v[1]), max(limit, SYMBOLISE_SITES), a.leak_sites)
        self.symbolise_sites([s[0] for s in by_bytes + by_count + leaks])

        def merged(lst, key):
            # sites whose stacks symbolise the same merge
            acc = {}
            for sid, b, c in lst:
                fr = tuple(self.frames_of(sid))
                e = acc.get(fr)
                if e is None:
                    acc[fr] = [b, c]
                else:
                    e[0] += b
                    e[1] += c
            items = [{"frames": list(fr), "bytes": v[0], "count": v[1]} for fr, v in acc.items()]
            items.sort(key=key)
            return items[:limit]
        kb = lambda d: (-d["bytes"], -d["count"], d["frames"])
        kc = lambda d: (-d["count"], -d["bytes"], d["frames"])
        return merged(by_bytes, kb), merged(by_count, kc), merged(leaks, kb)

    def collapsed(self, weight="bytes", limit=None):
        """{(outer..inner frames): weight} over all sites (or the top limit)."""
        a = self.a
        ids = sorted(range(len(a.s_bytes)), key=lambda s: -a.s_bytes[s])
        rest = 0
        if limit is not None and len(ids) > limit:
            rest = sum(a.s_bytes[s] if weight == "bytes" else a.s_count[s] for s in ids[limit:])
            ids = ids[:limit]
        self.symbolise_sites(ids)
        acc = {}
        for sid in ids:
            fr = tuple(f.replace(";", ":") for f in reversed(self.frames_of(sid))) or ("(no stack)",)
            w = a.s_bytes[sid] if weight == "bytes" else a.s_count[sid]
            acc[fr] = acc.get(fr, 0) + w
        if rest:
            acc[("(other sites)",)] = acc.get(("(other sites)",), 0) + rest
        return acc

    # -- the JSON document --
    def document(self):
        if getattr(self, "_doc", None) is None:
            self._doc = self._document()
        return self._doc

    def _document(self):
        a = self.a
        top_b, top_c, leaks = self.site_lists(self.top)
        d = summary_of(a, self.path, len(self.tf.images), self.image_no)
        d.update({
            "version": a.img.version,
            "start_realtime_ns": a.img.start_realtime_ns,
            "ticks_per_second": a.img.tps_x1000 / 1000.0 if a.img.tps_x1000 else 1e9,
            "events": a.events,
            "dropped_events": a.dropped,
            "samples": len(a.samples),
            "threads": len(a.img.tids),
            "thread_exits": len(a.img.thread_exits),
            "unknown_chunks": a.img.unknown_chunks,
            "bad_chunks": a.bad_chunks,
            "unknown_events": a.unknown_kinds,
            "stacks_defined": len(a.stacks),
            "unknown_stack_ids": a.unknown_stack_ids,
            "garbage_at": self.tf.garbage_at,
            "live_bytes_end": a.live_bytes_end,
            "peak_rss_bytes": max((s[1] for s in a.samples), default=None),
            "final_rss_bytes": a.samples[-1][1] if a.samples else None,
            "size_histogram": [
                {"min": size_bucket(k)[0], "max": size_bucket(k)[1], "count": v}
                for k, v in enumerate(a.size_hist) if v],
            "lifetime_histogram": [
                {"min_s": a.secs((1 << (k - 1)) if k else 0), "max_s": a.secs((1 << k) - 1 if k else 0),
                 "count": v} for k, v in enumerate(a.life_hist) if v],
            "syscalls": {k: dict(v) for k, v in sorted(a.sys_tot.items())},
            "top_sites": top_b,
            "top_sites_by_count": top_c,
            "leaks_by_site": leaks,
            "images": [summary_of(Analysis(self.tf, img), self.path, len(self.tf.images), i)
                       for i, img in self.other_images],
            "children": self.children,
        })
        return d


def summary_of(a, path, nimages=1, image_no=None):
    img = a.img
    return {
        "file": path,
        "image": image_no or nimages,
        "images_in_file": nimages,
        "program": img.exe,
        "cmdline": img.cmdline,
        "pid": img.pid,
        "ppid": img.ppid,
        "stacks": img.stacks,
        "clean_exit": a.clean_exit,
        "truncated": a.tf.truncated or a.tf.garbage_at is not None,
        "duration_s": round(a.duration_s, 9),
        "allocations": a.allocations,
        "frees": a.frees,
        "reallocs": a.reallocs,
        "failed": a.failed,
        "untracked_frees": a.untracked_frees,
        "bytes_allocated": a.bytes_allocated,
        "bytes_reallocated": a.bytes_reallocated,
        "peak_bytes": a.peak_bytes,
        "peak_time_s": round(a.secs(a.peak_tick), 9),
        "leaked_bytes": a.leaked_bytes,
        "leaked_blocks": a.leaked_blocks,
    }


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------

def text_report(r, out):
    d = r.document()
    a = r.a
    w = out.write
    n = lambda x: "{:,}".format(x)
    w("brisk report: %s%s\n" % (r.path, "  (image %d of %d)" % (d["image"], d["images_in_file"])
                                if d["images_in_file"] > 1 else ""))
    cmd = " ".join(d["cmdline"].split())
    if len(cmd) > 200:
        cmd = cmd[:199] + "…"
    w("program      %s%s\n" % (d["program"], ("  [%s]" % cmd) if cmd else ""))
    w("pid          %d (parent %d), %d thread%s, call stacks %s\n" % (
        d["pid"], d["ppid"], d["threads"], "" if d["threads"] == 1 else "s",
        "recorded" if d["stacks"] else "not recorded (brisk trace --stacks)"))
    state = "clean exit" if d["clean_exit"] else "no END chunk (killed, or exec)"
    if d["truncated"]:
        state += ", file cut short"
    w("duration     %s, %s events%s, %s\n" % (human_time(d["duration_s"]), n(d["events"]),
                                            (" (%s dropped)" % n(d["dropped_events"]))
                                            if d["dropped_events"] else "", state))
    w("allocations  %s (%s bytes requested)%s\n" % (
        n(d["allocations"]), n(d["bytes_allocated"]),
        (", %s failed" % n(d["failed"])) if d["failed"] else ""))
    w("frees        %s%s\n" % (n(d["frees"]), (" (%s of blocks not seen allocated: no effect on live bytes)" %
                                              n(d["untracked_frees"])) if d["untracked_frees"] else ""))
    w("reallocs     %s (%s bytes)\n" % (n(d["reallocs"]), n(d["bytes_reallocated"])))
    w("peak heap    %s bytes live (%s) at %s\n" % (n(d["peak_bytes"]), human_bytes(d["peak_bytes"]),
                                                   human_time(d["peak_time_s"])))
    w("leaked       %s bytes in %s blocks (live at the end)\n" % (n(d["leaked_bytes"]),
                                                               n(d["leaked_blocks"])))
    if d["peak_rss_bytes"] is not None:
        w("RSS          peak %s, at exit %s (%d sample%s)\n" % (
            human_bytes(d["peak_rss_bytes"]), human_bytes(d["final_rss_bytes"]), d["samples"],
            "" if d["samples"] == 1 else "s"))

    def sites(title, lst, limit=10):
        w("\n%s:\n" % title)
        if not lst:
            w("  (none)\n")
        for i, s in enumerate(lst[:limit], 1):
            fr = s["frames"] or ["(no stack)"]
            w("  %2d. %14s bytes %10s calls  %s\n" % (i, n(s["bytes"]), n(s["count"]), fr[0]))
            for f in fr[1:5]:
                w("%44s%s\n" % ("", f))
            if len(fr) > 5:
                w("%44s... %d more\n" % ("", len(fr) - 5))
    if not a.img.stacks:
        w("\n(no call stacks: trace with `brisk trace --stacks` to see allocation sites)\n")
    else:
        sites("top allocation sites by bytes", d["top_sites"])
        sites("top allocation sites by count", d["top_sites_by_count"])
        sites("leaks by site (never freed)", d["leaks_by_site"])
    w("\nsizes requested (successful calls):\n")
    hist = d["size_histogram"]
    most = max((h["count"] for h in hist), default=1)
    for h in hist:
        w("  %10s .. %-10s %10s  %s\n" % (n(h["min"]), n(h["max"]), n(h["count"]),
                                          "#" * max(1, h["count"] * 40 // most)))
    w("\nsystem calls:\n")
    if not d["syscalls"]:
        w("  (none recorded)\n")
    for k, v in d["syscalls"].items():
        w("  %-9s %8s calls %16s bytes%s\n" % (k, n(v["calls"]), n(v["bytes"]),
                                               ("  (%s failed)" % n(v["failed"])) if v["failed"] else ""))
    if d["images"]:
        w("\nother images in this file (exec):\n")
        for c in d["images"]:
            w("  %s\n" % one_line(c))
    w("\nchild processes:\n")
    if not d["children"]:
        w("  (none: no %s.<pid> files)\n" % os.path.basename(r.path))
    for c in d["children"]:
        w("  %s\n" % one_line(c))


def one_line(c):
    if "error" in c:
        return "%s: %s" % (c["file"], c["error"])
    n = lambda x: "{:,}".format(x)
    return ("pid %d (parent %d) %s: %s allocations, %s frees, peak %s bytes, leaked %s bytes "
            "in %s blocks, %s%s  [%s]" % (
                c["pid"], c["ppid"], c["program"], n(c["allocations"]), n(c["frees"]),
                n(c["peak_bytes"]), n(c["leaked_bytes"]), n(c["leaked_blocks"]),
                human_time(c["duration_s"]), "" if c["clean_exit"] else ", no END",
                c["file"] if c.get("image", 1) == c.get("images_in_file", 1)
                else "%s image %d" % (c["file"], c["image"]))) + (
                    "  (exec: %s)" % " -> ".join(os.path.basename(e) for e in c["exec_chain"])
                    if len(c.get("exec_chain", ())) > 1 else "")


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

def flame_rects(coll, max_rects=30000):
    """Icicle layout of collapsed stacks: [x0, x1, depth, name, value]."""
    root = {}
    total = 0
    for fr, v in coll.items():
        total += v
        node = root
        for f in fr:
            e = node.get(f)
            if e is None:
                e = node[f] = [0, {}]
            e[0] += v
            node = e[1]
    rects = [[0, total, 0, "all", total]]
    if total == 0:
        return rects, 0
    minw = total / 4000.0
    stack = [(root, 0, 1)]
    while stack and len(rects) < max_rects:
        node, x, depth = stack.pop()
        for name, (v, kids) in sorted(node.items(), key=lambda kv: -kv[1][0]):
            if v >= minw:
                rects.append([x, x + v, depth, name, v])
                if kids:
                    stack.append((kids, x, depth + 1))
            x += v
    return rects, total


def html_data(r):
    a = r.a
    d = r.document()
    s = a.scale
    nb = a.nbins
    bw = a.bin_ticks
    bin_s = bw * s
    ts = [round(i * bin_s, 9) for i in range(nb)]
    # downsample samples to at most NBINS points (max per bin)
    samples = a.samples
    if len(samples) > NBINS:
        per = -(-len(samples) // NBINS)
        samples = [max(samples[i:i + per], key=lambda x: x[1]) for i in range(0, len(samples), per)]
    sys_pts = a.sys_pts
    kinds = sorted({p[1] for p in sys_pts}, key=lambda k: (SYSCALL_NAMES.index(k)
                                                           if k in SYSCALL_NAMES else 99, k))
    aggregated = False
    if len(sys_pts) > 5000:
        aggregated = True
        acc = {}
        for t, k, size, addr, ok in sys_pts:
            key = (t // bw, k, ok)
            e = acc.get(key)
            if e is None:
                acc[key] = [size if ok else 0, 1, addr]
            else:
                e[0] += size if ok else 0
                e[1] += 1
        pts = [[round(b * bin_s, 9), kinds.index(k), v[0], "0x%x" % v[2], ok, v[1]]
               for (b, k, ok), v in sorted(acc.items())]
    else:
        pts = [[round(t * s, 9), kinds.index(k), size, "0x%x" % addr, ok, 1]
               for t, k, size, addr, ok in sys_pts]
    coll = r.collapsed("bytes", FLAME_SITES)
    rects, total = flame_rects(coll)
    life = []
    for k, v in enumerate(a.life_hist):
        if v:
            life.append([a.secs(1 << (k - 1)) if k else 0.0, a.secs((1 << k)) if k else a.secs(1), v])
    return {
        "figures": {k: d[k] for k in ("allocations", "frees", "reallocs", "failed", "peak_bytes",
                                      "peak_time_s", "leaked_bytes", "leaked_blocks",
                                      "bytes_allocated", "duration_s")},
        "meta": {k: d[k] for k in ("file", "program", "cmdline", "pid", "ppid", "stacks",
                                   "clean_exit", "truncated", "events", "dropped_events",
                                   "threads", "image", "images_in_file", "untracked_frees",
                                   "bytes_reallocated", "peak_rss_bytes")},
        "duration": max(d["duration_s"], a.end_tick * s, 1e-9),
        "bin_s": bin_s,
        "ts": ts,
        "live": a.b_live,
        "alloc_n": a.b_an,
        "alloc_b": a.b_ab,
        "free_n": a.b_fn,
        "samples": [[round(t * s, 9), rss, mapped, heap, lb] for t, rss, mapped, heap, lb in samples],
        "sizes": [[size_bucket(k)[0], size_bucket(k)[1], v] for k, v in enumerate(a.size_hist) if v],
        "life": life,
        "never_freed": d["leaked_blocks"],
        "top_bytes": d["top_sites"][:20],
        "top_count": d["top_sites_by_count"][:20],
        "leaks": d["leaks_by_site"][:20],
        "sys_kinds": kinds,
        "sys_pts": pts,
        "sys_aggregated": aggregated,
        "syscalls": d["syscalls"],
        "flame": rects,
        "flame_total": total,
        "children": d["children"],
        "images": d["images"],
    }


def vendor_js():
    for p in (os.path.join(HERE, "vendor", "echarts.min.js"),
              os.path.join(HERE, "..", "tools", "vendor", "echarts.min.js")):
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                return f.read()
    raise TraceError("cannot write HTML: %s missing" % os.path.join(HERE, "vendor", "echarts.min.js"))


def json_for_script(obj):
    # "<" only occurs inside JSON strings, where \u003c means the same
    return json.dumps(obj, separators=(",", ":")).replace("<", "\\u003c")


PAGE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>brisk report: @TITLE@</title>
<style>
body{font:14px/1.4 "DejaVu Sans",system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{padding:14px 22px;background:#1d2430;color:#fff}
header h1{font-size:19px;margin:0 0 4px 0}
header .sub{color:#b9c2d0;font-size:13px}
main{padding:12px 16px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.card{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:8px 10px}
.card h2{font-size:14px;margin:2px 0 4px 2px;color:#33405a}
.card p.note{margin:0 0 4px 2px;color:#6a768a;font-size:12px}
.wide{grid-column:1 / span 2}
.chart{height:330px}
.tall{height:420px}
#figures{border-collapse:collapse;margin:0}
#figures td{padding:2px 14px 2px 2px;white-space:nowrap}
#figures td.v{font-weight:bold;text-align:right;font-variant-numeric:tabular-nums}
table.list{border-collapse:collapse;width:100%;font-size:12px}
table.list td,table.list th{border-bottom:1px solid #eef0f4;padding:2px 4px;text-align:left;vertical-align:top}
table.list td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
#errors{color:#b00020;white-space:pre-wrap;margin:0}
#errors:empty{display:none}
code{font-size:12px}
</style></head>
<body>
<header><h1>brisk report — <span id="prog"></span></h1><div class="sub" id="sub"></div></header>
<main>
<pre id="errors"></pre>
<div class="grid">
<div class="card"><h2>Figures</h2>@FIGURES@</div>
<div class="card"><h2>Child processes and images</h2><div id="children"></div></div>
<div class="card wide"><h2>Heap in use and RSS over time</h2>
<p class="note">live requested bytes (max per time step, left axis); RSS and brisk-mapped bytes from SAMPLE records (right axis); scroll or drag the slider to zoom: the time charts zoom together</p>
<div id="c_heap" class="chart"></div></div>
<div class="card"><h2>Allocation rate</h2><div id="c_rate" class="chart"></div></div>
<div class="card"><h2>Fragmentation</h2><p class="note">mapped and RSS against live requested bytes (ratio on the right axis)</p><div id="c_frag" class="chart"></div></div>
<div class="card wide"><h2>System calls</h2><p class="note">each mark is one call (size: bytes; in a long trace, the calls of one time step); hollow red marks failed</p><div id="c_sys" class="chart"></div></div>
<div class="card"><h2>Request sizes</h2><div id="c_sizes" class="chart"></div></div>
<div class="card"><h2>Object lifetimes</h2><p class="note">time from allocation to free (a realloc keeps the birth time)</p><div id="c_life" class="chart"></div></div>
<div class="card"><h2>Top allocation sites by bytes</h2><div id="c_top_bytes" class="chart"></div></div>
<div class="card"><h2>Top allocation sites by count</h2><div id="c_top_count" class="chart"></div></div>
<div class="card"><h2>Leaks by site (never freed)</h2><div id="c_leaks" class="chart"></div></div>
<div class="card"><h2>System calls by kind</h2><div id="syscalls"></div></div>
<div class="card wide"><h2>Flame graph of allocation sites (by bytes)</h2><p class="note">outermost frame at the top, width: bytes allocated below it; click a frame to zoom into it, double-click to reset</p><div id="c_flame" class="tall"></div></div>
<div class="card wide"><h2>Sites (tables)</h2><div id="tables"></div></div>
</div>
</main>
<script>
(function(){
  var box = document.getElementById('errors');
  window.__errors = [];
  window.record_error = function(s){ window.__errors.push(String(s)); box.textContent += String(s) + '\n'; };
  window.onerror = function(msg, src, line, col, err){ window.record_error('error: ' + msg + ' (' + (src||'') + ':' + line + ':' + col + ')'); };
  window.addEventListener('unhandledrejection', function(e){ window.record_error('unhandled rejection: ' + e.reason); });
  var ce = console.error;
  console.error = function(){ window.record_error('console.error: ' + Array.prototype.join.call(arguments, ' ')); return ce.apply(console, arguments); };
})();
</script>
<script>@ECHARTS@</script>
<script type="application/json" id="data">@DATA@</script>
<script>
(function(){
'use strict';
var D = JSON.parse(document.getElementById('data').textContent);
function esc(s){ return String(s).replace(/[&<>"']/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]; }); }
function fb(n){ n = +n; var u = ['B','KiB','MiB','GiB','TiB'], i = 0; while (Math.abs(n) >= 1024 && i < 4) { n /= 1024; i++; } return i ? n.toFixed(1) + ' ' + u[i] : Math.round(n) + ' B'; }
function fn(n){ return (+n).toLocaleString('en-US'); }
function ft(s){ s = +s; if (s === 0) return '0'; if (s < 1e-6) return (s*1e9).toFixed(0)+' ns'; if (s < 1e-3) return (s*1e6).toFixed(1)+' µs'; if (s < 1) return (s*1e3).toFixed(2)+' ms'; return s.toFixed(3)+' s'; }
var M = D.meta, F = D.figures;
document.getElementById('prog').textContent = M.program + ' (pid ' + M.pid + ')';
document.getElementById('sub').textContent = (M.cmdline || '') + ' — ' + ft(F.duration_s) + ', ' + fn(M.events) + ' events, ' + M.threads + ' thread(s), stacks ' + (M.stacks ? 'recorded' : 'not recorded') + (M.clean_exit ? ', clean exit' : ', no END chunk') + (M.truncated ? ', file cut short' : '') + (M.images_in_file > 1 ? ', image ' + M.image + ' of ' + M.images_in_file : '');
var charts = [];
var timeMax = D.duration;
function zoom(){ return [{type:'inside', xAxisIndex:0, filterMode:'none'}, {type:'slider', xAxisIndex:0, height:18, bottom:4, filterMode:'none', labelFormatter:function(v){ return ft(v); }}]; }
function timeAxis(){ return {type:'value', min:0, max:timeMax, axisLabel:{formatter:function(v){ return ft(v); }}}; }
function bytesAxis(name, pos){ return {type:'value', name:name, position:pos||'left', axisLabel:{formatter:function(v){ return fb(v); }}}; }
function mk(id, opt, group){
  var el = document.getElementById(id);
  var c = echarts.init(el, null, {renderer:'canvas'});
  opt.animation = false;
  // progressive rendering draws big series over many frames; it never
  // settles under headless Chromium's virtual time: draw each at once
  (opt.series || []).forEach(function(s){ if (s.progressive === undefined) s.progressive = 0; });
  c.setOption(opt);
  if (group) c.group = group;
  charts.push(c);
  return c;
}
function pairs(xs, ys){ var out = new Array(xs.length); for (var i = 0; i < xs.length; i++) out[i] = [xs[i], ys[i]]; return out; }
function frameTip(s){ var fr = s.frames.length ? s.frames : ['(no stack)']; return '<b>' + fn(s.bytes) + ' bytes</b> (' + fb(s.bytes) + '), <b>' + fn(s.count) + '</b> calls<br>' + fr.slice(0, 16).map(esc).join('<br>') + (fr.length > 16 ? '<br>… ' + (fr.length - 16) + ' more' : ''); }
function shortName(s){ var f = s.frames.length ? s.frames[0] : '(no stack)'; return f.length > 48 ? f.slice(0, 47) + '…' : f; }
var steps = [];
function step(name, f){ steps.push([name, f]); }

step('heap', function(){
  var series = [{name:'live requested', type:'line', showSymbol:false, step:'end', areaStyle:{opacity:0.15}, data:pairs(D.ts, D.live), sampling:'lttb'}];
  if (D.samples.length) {
    series.push({name:'RSS', type:'line', yAxisIndex:1, showSymbol:D.samples.length < 60, data:D.samples.map(function(s){ return [s[0], s[1]]; })});
    series.push({name:'brisk mapped', type:'line', yAxisIndex:1, showSymbol:D.samples.length < 60, lineStyle:{type:'dashed'}, data:D.samples.map(function(s){ return [s[0], s[2]]; })});
  }
  series[0].markPoint = {symbolSize:36, data:[{name:'peak', coord:[F.peak_time_s, F.peak_bytes], value:fb(F.peak_bytes)}], label:{fontSize:9}};
  mk('c_heap', {
    tooltip:{trigger:'axis', valueFormatter:function(v){ return fb(v); }},
    legend:{top:0}, grid:{left:70, right:70, top:30, bottom:50},
    xAxis:timeAxis(), yAxis:[bytesAxis('live'), bytesAxis('RSS, mapped', 'right')], dataZoom:zoom(), series:series}, 'time');
});
step('rate', function(){
  var per = D.bin_s > 0 ? 1 / D.bin_s : 0;
  mk('c_rate', {
    tooltip:{trigger:'axis', formatter:function(p){ var s = ft(p[0].value[0]) + '<br>'; p.forEach(function(q){ s += q.marker + q.seriesName + ': ' + (q.seriesIndex === 2 ? fb(q.value[1]) + '/s' : fn(Math.round(q.value[1])) + '/s') + '<br>'; }); return s; }},
    legend:{top:0}, grid:{left:70, right:70, top:30, bottom:50},
    xAxis:timeAxis(), yAxis:[{type:'value', name:'calls/s'}, bytesAxis('bytes/s', 'right')],
    dataZoom:zoom(),
    series:[{name:'allocations', type:'bar', barMaxWidth:6, large:true, data:pairs(D.ts, D.alloc_n.map(function(v){ return v * per; }))},
            {name:'frees', type:'bar', barMaxWidth:6, large:true, data:pairs(D.ts, D.free_n.map(function(v){ return v * per; }))},
            {name:'bytes allocated', type:'line', yAxisIndex:1, showSymbol:false, data:pairs(D.ts, D.alloc_b.map(function(v){ return v * per; }))}]}, 'time');
});
step('frag', function(){
  var S = D.samples;
  var series = [];
  if (S.length) {
    series.push({name:'RSS', type:'line', showSymbol:S.length < 60, data:S.map(function(s){ return [s[0], s[1]]; })});
    series.push({name:'brisk mapped', type:'line', showSymbol:S.length < 60, data:S.map(function(s){ return [s[0], s[2]]; })});
    series.push({name:'in brisk heaps', type:'line', showSymbol:S.length < 60, data:S.map(function(s){ return [s[0], s[3]]; })});
    series.push({name:'live requested', type:'line', showSymbol:S.length < 60, data:S.map(function(s){ return [s[0], s[4]]; })});
    series.push({name:'mapped / live', type:'line', yAxisIndex:1, showSymbol:false, lineStyle:{type:'dotted', width:2}, data:S.map(function(s){ return [s[0], s[4] > 0 ? s[2] / s[4] : null]; })});
  }
  mk('c_frag', {
    title: S.length ? undefined : {text:'no SAMPLE records in this trace', left:'center', top:'middle', textStyle:{fontSize:13, color:'#888'}},
    tooltip:{trigger:'axis', formatter:function(p){ var s = ft(p[0].value[0]) + '<br>'; p.forEach(function(q){ s += q.marker + q.seriesName + ': ' + (q.seriesName === 'mapped / live' ? (q.value[1] == null ? '-' : q.value[1].toFixed(2) + '×') : fb(q.value[1])) + '<br>'; }); return s; }},
    legend:{top:0, type:'scroll'}, grid:{left:70, right:50, top:30, bottom:50},
    xAxis:timeAxis(), yAxis:[bytesAxis(''), {type:'value', name:'ratio', position:'right', min:0}],
    dataZoom:zoom(), series:series}, 'time');
});
step('sys', function(){
  var K = D.sys_kinds;
  function sz(v){ return Math.max(5, Math.min(28, 4 + 2.2 * Math.log2(1 + v[2] / (v[5] || 1) / 4096))); }
  var ok = D.sys_pts.filter(function(p){ return p[4]; }), bad = D.sys_pts.filter(function(p){ return !p[4]; });
  function tip(p){ var v = p.value; return esc(K[v[1]]) + (v[4] ? '' : ' (failed)') + ' at ' + ft(v[0]) + '<br>' + fn(v[2]) + ' bytes (' + fb(v[2]) + ')' + (v[5] > 1 ? '<br>' + v[5] + ' calls in this time step' : '<br>address ' + v[3]); }
  mk('c_sys', {
    title: K.length ? undefined : {text:'no system calls recorded', left:'center', top:'middle', textStyle:{fontSize:13, color:'#888'}},
    tooltip:{trigger:'item', formatter:tip},
    legend:{top:0}, grid:{left:80, right:30, top:30, bottom:50},
    xAxis:timeAxis(), yAxis:{type:'category', data:K}, dataZoom:zoom(),
    series:[{name:'succeeded', type:'scatter', symbolSize:sz, data:ok, itemStyle:{opacity:0.7}},
            {name:'failed', type:'scatter', symbolSize:sz, data:bad, itemStyle:{color:'transparent', borderColor:'#d62728', borderWidth:2}}]}, 'time');
});
step('sizes', function(){
  var lab = D.sizes.map(function(s){ return s[0] === s[1] ? fb(s[0]) : fb(s[0]) + '–' + fb(s[1] + 1); });
  mk('c_sizes', {
    tooltip:{trigger:'axis', formatter:function(p){ var s = D.sizes[p[0].dataIndex]; return fn(s[0]) + ' – ' + fn(s[1]) + ' bytes<br>' + fn(s[2]) + ' requests'; }},
    grid:{left:60, right:20, top:20, bottom:70},
    xAxis:{type:'category', data:lab, axisLabel:{rotate:45, fontSize:10}}, yAxis:{type:'value', name:'requests'},
    series:[{type:'bar', data:D.sizes.map(function(s){ return s[2]; })}]});
});
step('life', function(){
  var lab = D.life.map(function(l){ return '<' + ft(l[1]); });
  var data = D.life.map(function(l){ return l[2]; });
  lab.push('never freed'); data.push({value:D.never_freed, itemStyle:{color:'#d62728'}});
  mk('c_life', {
    tooltip:{trigger:'axis', formatter:function(p){ var i = p[0].dataIndex; if (i >= D.life.length) return fn(D.never_freed) + ' blocks never freed'; var l = D.life[i]; return ft(l[0]) + ' – ' + ft(l[1]) + '<br>' + fn(l[2]) + ' blocks'; }},
    grid:{left:60, right:20, top:20, bottom:70},
    xAxis:{type:'category', data:lab, axisLabel:{rotate:45, fontSize:10}}, yAxis:{type:'value', name:'blocks'},
    series:[{type:'bar', data:data}]});
});
function siteChart(id, list, field, color){
  var L = list.slice(0, 15);
  var c = mk(id, {
    title: L.length ? undefined : {text:'none', left:'center', top:'middle', textStyle:{fontSize:13, color:'#888'}},
    tooltip:{trigger:'item', confine:true, formatter:function(p){ return frameTip(L[p.dataIndex]); }},
    grid:{left:270, right:60, top:10, bottom:20},
    xAxis:{type:'value', axisLabel:{formatter:function(v){ return field === 'bytes' ? fb(v) : fn(v); }}},
    yAxis:{type:'category', inverse:true, data:L.map(shortName), axisLabel:{fontSize:10, width:260, overflow:'truncate'}},
    series:[{type:'bar', itemStyle:{color:color}, data:L.map(function(s){ return s[field]; }),
             label:{show:true, position:'right', fontSize:10, formatter:function(p){ return field === 'bytes' ? fb(p.value) : fn(p.value); }}}]});
}
step('top_bytes', function(){ siteChart('c_top_bytes', D.top_bytes, 'bytes', '#5470c6'); });
step('top_count', function(){ siteChart('c_top_count', D.top_count, 'count', '#91cc75'); });
step('leaks', function(){ siteChart('c_leaks', D.leaks, 'bytes', '#d62728'); });
step('flame', function(){
  var R = D.flame, total = D.flame_total || 1;
  var depth = 1; R.forEach(function(r){ if (r[2] + 1 > depth) depth = r[2] + 1; });
  document.getElementById('c_flame').style.height = Math.min(1600, Math.max(260, depth * 18 + 60)) + 'px';
  function color(name){ var h = 0; for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0; return 'hsl(' + (10 + h % 45) + ',' + (70 + h % 20) + '%,' + (55 + (h >> 8) % 15) + '%)'; }
  var c = mk('c_flame', {
    tooltip:{trigger:'item', confine:true, formatter:function(p){ var v = p.value; return esc(v[3]) + '<br>' + fn(v[4]) + ' bytes (' + fb(v[4]) + '), ' + (100 * v[4] / total).toFixed(2) + '%'; }},
    grid:{left:10, right:10, top:10, bottom:40},
    xAxis:{type:'value', min:0, max:total, show:false},
    yAxis:{type:'value', min:0, max:Math.max(depth, 10), inverse:true, show:false},
    dataZoom:[{type:'inside', xAxisIndex:0, filterMode:'weakFilter'}, {type:'slider', xAxisIndex:0, height:18, bottom:4, filterMode:'weakFilter', showDetail:false}],
    series:[{type:'custom', encode:{x:[0, 1], y:2, tooltip:[4]}, data:R, renderItem:function(params, api){
      var x0 = api.value(0), x1 = api.value(1), d = api.value(2);
      var a = api.coord([x0, d]), b = api.coord([x1, d + 1]);
      var w = b[0] - a[0], h = b[1] - a[1];
      if (w < 0.3) return null;
      var cs = params.coordSys;
      var l = Math.max(a[0], cs.x), r = Math.min(b[0], cs.x + cs.width);
      if (r <= l) return null;
      var name = R[params.dataIndex][3], n = Math.floor((r - l - 6) / 6.2), t = '';
      if (n >= 3) t = name.length > n ? name.slice(0, n - 1) + '…' : name;
      return {type:'group', children:[
        {type:'rect', shape:{x:l, y:a[1], width:Math.max(r - l - 0.5, 0.3), height:h - 1}, style:{fill:color(name), stroke:'#fff', lineWidth:0.3}},
        {type:'text', style:{text:t, x:l + 3, y:a[1] + h / 2, verticalAlign:'middle', fontSize:11, fill:'#1d2430'}, silent:true}]};
    }}]});
  c.on('click', function(p){ if (p.value) c.dispatchAction({type:'dataZoom', startValue:p.value[0], endValue:p.value[1]}); });
  c.getZr().on('dblclick', function(){ c.dispatchAction({type:'dataZoom', start:0, end:100}); });
});
step('tables', function(){
  function table(title, L){
    var s = '<h3 style="font-size:13px;margin:8px 0 2px">' + esc(title) + '</h3><table class="list"><tr><th>bytes</th><th>calls</th><th>frames (innermost first)</th></tr>';
    L.slice(0, 10).forEach(function(x){ s += '<tr><td class="n">' + fn(x.bytes) + '</td><td class="n">' + fn(x.count) + '</td><td><code>' + (x.frames.length ? x.frames.slice(0, 6).map(esc).join('<br>') : '(no stack)') + (x.frames.length > 6 ? '<br>…' : '') + '</code></td></tr>'; });
    return s + '</table>';
  }
  document.getElementById('tables').innerHTML = table('by bytes', D.top_bytes) + table('by count', D.top_count) + table('leaks by site', D.leaks);
  var sc = '<table class="list"><tr><th>call</th><th>calls</th><th>bytes</th><th>failed</th></tr>';
  Object.keys(D.syscalls).forEach(function(k){ var v = D.syscalls[k]; sc += '<tr><td>' + esc(k) + '</td><td class="n">' + fn(v.calls) + '</td><td class="n">' + fn(v.bytes) + ' (' + fb(v.bytes) + ')</td><td class="n">' + fn(v.failed) + '</td></tr>'; });
  document.getElementById('syscalls').innerHTML = sc + '</table>';
  function one(c){ if (c.error) return esc(c.file) + ': ' + esc(c.error); return 'pid <b>' + c.pid + '</b> (parent ' + c.ppid + ') <code>' + esc(c.program) + '</code>: ' + fn(c.allocations) + ' allocations, ' + fn(c.frees) + ' frees, peak ' + fb(c.peak_bytes) + ', leaked ' + fn(c.leaked_bytes) + ' bytes in ' + fn(c.leaked_blocks) + ' blocks, ' + ft(c.duration_s) + (c.clean_exit ? '' : ', no END') + ' <code>' + esc(c.file) + '</code>'; }
  var ch = D.children.map(one), im = D.images.map(function(c){ return 'image ' + c.image + ': ' + one(c); });
  document.getElementById('children').innerHTML = (ch.length ? '<ul><li>' + ch.join('</li><li>') + '</li></ul>' : '<p>no child trace files</p>') + (im.length ? '<p>other images in this file (exec):</p><ul><li>' + im.join('</li><li>') + '</li></ul>' : '');
});
var failed = 0;
steps.forEach(function(s){ try { s[1](); } catch (e) { failed++; window.record_error(s[0] + ': ' + (e && e.stack ? e.stack : e)); } });
try { echarts.connect('time'); } catch (e) { failed++; window.record_error('connect: ' + e); }
window.addEventListener('resize', function(){ charts.forEach(function(c){ c.resize(); }); });
if (!failed && !window.__errors.length) document.title = document.title + ' — ready';
})();
</script>
</body></html>
"""


def html_report(r, out_path):
    data = html_data(r)
    f = data["figures"]
    rows = [("allocations", f["allocations"]), ("frees", f["frees"]), ("reallocs", f["reallocs"]),
            ("failed", f["failed"]), ("bytes_allocated", f["bytes_allocated"]),
            ("peak_bytes", f["peak_bytes"]), ("peak_time_s", f["peak_time_s"]),
            ("leaked_bytes", f["leaked_bytes"]), ("leaked_blocks", f["leaked_blocks"]),
            ("duration_s", f["duration_s"])]
    labels = {"allocations": "allocations", "frees": "frees", "reallocs": "reallocs",
              "failed": "failed calls", "bytes_allocated": "bytes allocated",
              "peak_bytes": "peak heap in use (bytes)", "peak_time_s": "peak at (s)",
              "leaked_bytes": "leaked bytes", "leaked_blocks": "leaked blocks",
              "duration_s": "duration (s)"}
    attrs = " ".join('data-%s="%s"' % (k.replace("_", "-"), v) for k, v in rows)
    table = '<table id="figures" %s>%s</table>' % (attrs, "".join(
        '<tr><td>%s</td><td class="v" data-key="%s">%s</td></tr>' % (
            html.escape(labels[k]), k, ("{:,}".format(v) if isinstance(v, int) else repr(v)))
        for k, v in rows))
    head, rest = PAGE.split("@TITLE@", 1)
    mid, tail = rest.split("@FIGURES@", 1)
    page = head + html.escape(os.path.basename(r.a.img.exe) or r.path) + mid + table + tail
    js = vendor_js()
    low = js.lower()
    if "</script" in low or "<!--" in low:
        raise TraceError("cannot inline vendor/echarts.min.js: it contains </script or <!--")
    head, rest = page.split("@ECHARTS@", 1)
    mid, tail = rest.split("@DATA@", 1)
    page = head + js + mid + json_for_script(data) + tail
    with open(out_path, "w", encoding="utf-8") as fo:
        fo.write(page)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("brisk report: %s\n" % message)
        sys.exit(2)


def main(argv=None):
    ap = Parser(
        prog="brisk report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Summarise a trace written by `brisk trace -o FILE` (and its child "
                    "files FILE.<pid>).\nWith no option: a text summary on the terminal.",
        epilog="Collapsed stacks (--collapsed) are the FlameGraph/speedscope format: one line\n"
               "per stack, \"outer;...;inner WEIGHT\", outermost frame first, weighted by the\n"
               "bytes allocated there (or by the number of calls with --collapsed-weight=count):\n"
               "  flamegraph.pl out.folded > flame.svg   or open it in https://speedscope.app\n"
               "See docs/report.md for every chart and JSON field.")
    ap.add_argument("file", help="the trace file (brisk trace -o FILE)")
    ap.add_argument("-o", "--output", metavar="REPORT.html",
                    help="write one self-contained HTML page of interactive charts")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    ap.add_argument("--collapsed", metavar="OUT",
                    help="write collapsed stacks (outer;...;inner bytes) to OUT ('-': stdout)")
    ap.add_argument("--collapsed-weight", choices=["bytes", "count"], default="bytes",
                    help="weight of each collapsed stack: bytes allocated (default) or calls")
    ap.add_argument("--top", type=int, default=None, metavar="N",
                    help="sites listed (default: 10 in the text, 100 in JSON)")
    ap.add_argument("--image", type=int, default=None, metavar="N",
                    help="report on image N of the file (after exec; default: the last)")
    ap.add_argument("--no-children", action="store_true", help="do not read FILE.<pid> files")
    ap.add_argument("--no-symbols", action="store_true",
                    help="print raw addresses instead of running addr2line/nm")
    a = ap.parse_args(argv)
    try:
        text = not (a.output or a.json or a.collapsed)
        top = a.top if a.top is not None else (10 if text else 100)
        r = Report(a.file, image_index=a.image, symbols=not a.no_symbols,
                   children=not a.no_children, top=max(top, 1))
        if a.collapsed:
            coll = r.collapsed(a.collapsed_weight)
            lines = ["%s %d\n" % (";".join(fr), w) for fr, w in
                     sorted(coll.items(), key=lambda kv: (-kv[1], kv[0])) if w > 0]
            if a.collapsed == "-":
                sys.stdout.writelines(lines)
            else:
                with open(a.collapsed, "w", encoding="utf-8") as f:
                    f.writelines(lines)
        if a.output:
            html_report(r, a.output)
            if not a.json and a.collapsed != "-":
                print("brisk report: wrote %s" % a.output, file=sys.stderr)
        if a.json:
            json.dump(r.document(), sys.stdout, indent=1)
            sys.stdout.write("\n")
        if text:
            text_report(r, sys.stdout)
        if r.tf.truncated or r.tf.garbage_at is not None:
            print("brisk report: %s: the file ends with a partial chunk (cut short); "
                  "reported what was complete" % a.file, file=sys.stderr)
    except TraceError as e:
        print("brisk report: %s: %s" % (a.file, e), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (| head): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as e:
        print("brisk report: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        try:
            sys.stdout = None
        except Exception:
            pass
        sys.exit(0)
