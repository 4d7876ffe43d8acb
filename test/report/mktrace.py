#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mktrace.py — write synthetic brisk trace files (docs/trace-format.md) for
the report tests, and the figures the synthetic program knows about itself.

    mktrace.py OUT [--scenario basic|random] [--events N] [--threads K]
               [--no-stacks] [--debug-elf PATH] [--expect OUT.json]
               [--unknown-chunk] [--no-child] [--seed S]

Writes OUT (the traced "program", pid 4242) and, unless --no-child, a child
file OUT.4250 (ppid 4242) with its own PROCESS chunk.  The stacks' return
addresses fall inside real ELF files: this Python process's own
/proc/self/maps (python3.11, libc.so.6) go into the MAPS chunk, plus
mappings made up (at addresses no real mapping uses) for --debug-elf (a
program built with -g, test/report/known.c: file:line symbolisation) and a
fake libbrisk-trace.so (frames there must be dropped).

With stacks, each thread writes a STACK record (kind 8) the first time
it uses a stack and its events refer to it by id (nframes 255, one word),
as the tracer does.  Every event is generated in time order by a small model of the program
that keeps its own books (live blocks, peak, sites), independent of the
report tool; the events are then written the way the tracer does: one
buffer per thread, flushed as an EVENTS chunk every 40..200 events, so
chunks of different threads overlap in time.  --expect writes the model's
figures (the --json fields) and the symbols each site's frames must
resolve to.

--scenario basic: a fixed, hand-checkable program (see basic() below).
--scenario random: N random events over K threads (for volume tests).
"""
import argparse
import bisect
import json
import os
import random
import re
import struct
import subprocess
import sys

MAGIC = 0x43525442
PROCESS, EVENTS, MAPS, END, THREAD = 1, 2, 3, 4, 5
MALLOC, CALLOC, REALLOC, ALIGNED, FREE, SYSCALL, SAMPLE, STACK = 1, 2, 3, 4, 5, 6, 7, 8
STACK_REF = 255
SYSCALL_NAMES = ["mmap", "munmap", "madvise", "mremap", "mprotect"]

TPS = 2_000_000_000          # 2 GHz "time-stamp counter"
START_TICKS = 987_654_321_000_000
START_NS = 5_000_000_000_000
START_RT = 1_700_000_000_000_000_000
FAKE_BASE = 0x100000000000   # made-up mappings live here (nothing real does)


def chunk(ctype, tid, payload):
    return struct.pack("<IHHII", MAGIC, ctype, 0, tid, len(payload)) + payload


# --------------------------------------------------------------------------
# ELF helpers: where a function of a real file lies, and maps lines for it
# --------------------------------------------------------------------------

def pt_loads(path):
    with open(path, "rb") as f:
        data = f.read(4096)
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, path
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    with open(path, "rb") as f:
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _pa, p_filesz, p_memsz, _al = \
            struct.unpack_from("<IIQQQQQQ", ph, i * phentsize)
        if p_type == 1:
            out.append((p_offset, p_vaddr, p_filesz, p_memsz, p_flags))
    return out


def vaddr_to_fileoff(path, vaddr):
    for off, va, filesz, _memsz, _fl in pt_loads(path):
        if va <= vaddr < va + filesz:
            return vaddr - va + off
    raise ValueError("%s: 0x%x not in a PT_LOAD" % (path, vaddr))


def dynsyms(path, dynamic=True):
    """{name: (vaddr, size)} of the defined functions whose address no
    other symbol shares (so the expected name is unambiguous)."""
    args = ["nm", "-S", "--defined-only"] + (["-D"] if dynamic else []) + [path]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    by_addr = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "TtWw":
            name = f[3].split("@")[0]
            by_addr.setdefault(int(f[0], 16), set()).add((name, int(f[1], 16)))
    res = {}
    for a, names in by_addr.items():
        if len(names) == 1:
            (n, s), = names
            res[n] = (a, s)
    return res


def return_after_call(path, func, callee):
    """vaddr of the instruction after the first call to callee (a PLT
    stub name like malloc) inside func, from objdump -d."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path],
                         capture_output=True, text=True).stdout
    inside = False
    want = False
    for line in out.splitlines():
        if line.endswith("<%s>:" % func):
            inside = True
            continue
        if inside:
            if not line.strip():
                break
            m = re.match(r"\s*([0-9a-f]+):", line)
            if not m:
                continue
            if want:
                return int(m.group(1), 16)
            if "call" in line and ("<%s@plt>" % callee in line or "<%s>" % callee in line):
                want = True
    raise ValueError("no call to %s in %s of %s" % (callee, func, path))


def source_line(path, marker):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return i
    raise ValueError(marker)


class Maps:
    """The MAPS text: this process's /proc/self/maps plus made-up mappings
    of other ELF files; pc_of() turns (file, vaddr) into a run-time pc."""

    def __init__(self):
        with open("/proc/self/maps") as f:
            self.lines = f.read().splitlines()
        self.next_base = FAKE_BASE

    def entries(self):
        for line in self.lines:
            f = line.split(None, 5)
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            path = f[5].strip() if len(f) > 5 else ""
            yield lo, hi, int(f[2], 16), path

    def find(self, needle):
        """Real path of a mapped file whose name contains needle."""
        for _lo, _hi, _off, path in self.entries():
            if needle in os.path.basename(path):
                return path
        return None

    def add_elf(self, path, shown_path=None):
        """Map path's PT_LOAD segments at a fresh made-up base, the way
        the kernel does (page-aligned, one line per segment)."""
        base = self.next_base
        hi_end = 0
        for off, va, filesz, memsz, flags in pt_loads(path):
            lo = base + (va & ~0xfff)
            hi = (base + va + memsz + 0xfff) & ~0xfff
            perms = ("r" if flags & 4 else "-") + ("w" if flags & 2 else "-") + \
                    ("x" if flags & 1 else "-") + "p"
            self.lines.append("%x-%x %s %08x fe:00 4711                       %s"
                              % (lo, hi, perms, off & ~0xfff, shown_path or path))
            hi_end = max(hi_end, hi)
        self.next_base = (hi_end + 0x10000000) & ~0xfffffff
        return base

    def pc_of(self, path, vaddr):
        fo = vaddr_to_fileoff(path, vaddr)
        for lo, hi, off, p in self.entries():
            if p == path and off <= fo < off + (hi - lo):
                return lo + fo - off
        raise ValueError("%s 0x%x not mapped" % (path, vaddr))

    def text(self):
        return "\n".join(self.lines) + "\n"


# --------------------------------------------------------------------------
# The program model and the writer
# --------------------------------------------------------------------------

class Program:
    """One traced process image: generates events in time order, keeps
    the books the report must reproduce, writes per-thread chunks."""

    def __init__(self, pid, ppid, exe, cmdline, stacks=True, rng=None):
        self.pid, self.ppid, self.exe, self.cmdline = pid, ppid, exe, cmdline
        self.stacks = stacks
        self.rng = rng or random.Random(1)
        self.t = 1000                  # ticks since start_ticks
        self.out = bytearray()
        self.buffers = {}              # tid -> [bytes of records]
        self.flush_at = {}
        self.maps_text = None
        self.stack_ids = {}            # (tid, stack) -> id: each thread writes a stack once
        self.next_stack_id = 1
        self.stacks_written = 0
        # the books
        self.live = {}                 # addr -> (size, site)
        self.live_bytes = 0
        self.peak = 0
        self.peak_t = 0
        self.allocations = self.frees = self.reallocs = self.failed = 0
        self.bytes_allocated = self.bytes_reallocated = 0
        self.events = 0
        self.sites = {}                # site (tuple of pcs) -> [bytes, count]
        self.syscalls = {}
        self.samples = 0
        self.size_hist = {}
        self.tids = set()
        self.out += chunk(PROCESS, pid, self.process_payload())

    def process_payload(self):
        return struct.pack("<IIIIQQQQ", 1, self.pid, self.ppid, 1 if self.stacks else 0,
                           START_TICKS, START_NS, START_RT, TPS * 1000) + \
            self.exe.encode() + b"\0" + self.cmdline.encode() + b"\0"

    # -- time and records --
    def tick(self, n=None):
        self.t += n if n is not None else self.rng.randint(200, 3000)

    def record(self, tid, kind, addr, size, arg, site=()):
        self.tick()
        if not self.stacks:
            site = ()
        buf = self.buffers.setdefault(tid, [])
        if site:
            # a STACK record the first time this thread uses the stack,
            # then the event refers to it by id (nframes 255 + one word)
            key = (tid, tuple(site))
            sid = self.stack_ids.get(key)
            if sid is None:
                sid = self.stack_ids[key] = self.next_stack_id
                self.next_stack_id += 1
                buf.append(struct.pack("<QQQQ", self.t << 16 | len(site) << 8 | STACK, sid,
                                       len(site), 0) + struct.pack("<%dQ" % len(site), *site))
                self.stacks_written += 1
            rec = struct.pack("<QQQQQ", self.t << 16 | STACK_REF << 8 | kind, addr, size, arg, sid)
        else:
            rec = struct.pack("<QQQQ", self.t << 16 | kind, addr, size, arg)
        self.tids.add(tid)
        buf.append(rec)
        self.events += 1
        if tid not in self.flush_at:
            self.flush_at[tid] = self.rng.randint(40, 200)
        if len(buf) >= self.flush_at[tid]:
            self.flush(tid)

    def flush(self, tid, sample=True):
        buf = self.buffers.get(tid)
        if sample:
            # the tracer writes a SAMPLE with each flush
            rss = 8 << 20 | (self.live_bytes * 3 // 2)
            self.tick()
            buf = self.buffers.setdefault(tid, [])
            buf.append(struct.pack("<QQQQ", self.t << 16 | SAMPLE, rss,
                                   (4 << 20) + self.live_bytes * 5 // 4, self.live_bytes + 1000))
            self.events += 1
            self.samples += 1
        if buf:
            self.out += chunk(EVENTS, tid, b"".join(buf))
        self.buffers[tid] = []
        self.flush_at[tid] = self.rng.randint(40, 200)

    def site_add(self, site, size):
        key = tuple(site) if self.stacks else ()
        s = self.sites.setdefault(key, [0, 0])
        s[0] += size
        s[1] += 1

    def _add_live(self, addr, size, site):
        assert addr not in self.live, hex(addr)
        self.live[addr] = (size, tuple(site) if self.stacks else ())
        self.live_bytes += size
        if self.live_bytes > self.peak:
            self.peak, self.peak_t = self.live_bytes, self.t

    def _hist(self, size):
        k = size.bit_length()
        self.size_hist[k] = self.size_hist.get(k, 0) + 1

    # -- the calls --
    def malloc(self, tid, addr, size, site, kind=MALLOC, arg=None):
        self.record(tid, kind, addr, size, arg if arg is not None else (size + 15) & ~15, site)
        if addr == 0:
            self.failed += 1
            return
        self.allocations += 1
        self.bytes_allocated += size
        self.site_add(site, size)
        self._hist(size)
        self._add_live(addr, size, site)

    def calloc(self, tid, addr, count, size, site):
        self.malloc(tid, addr, count * size, site, kind=CALLOC)

    def aligned(self, tid, addr, align, size, site):
        self.malloc(tid, addr, size, site, kind=ALIGNED, arg=align)

    def free(self, tid, addr, site=()):
        self.record(tid, FREE, addr, 0, 0, site)
        self.frees += 1
        v = self.live.pop(addr, None)
        if v:
            self.live_bytes -= v[0]

    def realloc(self, tid, new, size, old, site):
        self.record(tid, REALLOC, new, size, old, site)
        if old == 0:
            if new == 0:
                self.failed += 1
                return
            self.allocations += 1
            self.bytes_allocated += size
            self.site_add(site, size)
            self._hist(size)
            self._add_live(new, size, site)
            return
        if new == 0:
            if size == 0:
                self.frees += 1
                v = self.live.pop(old, None)
                if v:
                    self.live_bytes -= v[0]
            else:
                self.failed += 1
            return
        self.reallocs += 1
        self.bytes_reallocated += size
        self.site_add(site, size)
        self._hist(size)
        v = self.live.pop(old, None)
        if v:
            self.live_bytes -= v[0]
        self._add_live(new, size, site)

    def syscall(self, tid, kind, addr, size, ok=True):
        self.record(tid, SYSCALL, addr, size, kind | (1 if ok else 0) << 8)
        s = self.syscalls.setdefault(SYSCALL_NAMES[kind], {"calls": 0, "bytes": 0})
        s["calls"] += 1
        if ok:
            s["bytes"] += size

    def thread_exit(self, tid):
        self.flush(tid)
        self.out += chunk(THREAD, tid, struct.pack("<IIQ", tid, 0, self.t))   # relative

    def maps(self, text):
        self.maps_text = text
        self.out += chunk(MAPS, self.pid, text.encode())

    def finish(self, end=True):
        for tid in sorted(self.buffers):
            self.flush(tid)
        if self.maps_text:
            self.maps(self.maps_text)          # again at exit
        self.tick(10000)
        self.end_t = self.t
        if end:
            self.out += chunk(END, self.pid, struct.pack(
                "<QQQ", START_TICKS + self.t, START_NS + self.t * 1_000_000_000 // TPS, 0))

    def unknown_chunk(self):
        self.out += chunk(77, self.pid, b"future stuff\0" * 5)

    def expected(self):
        leaks = {}
        for size, site in self.live.values():
            s = leaks.setdefault(site, [0, 0])
            s[0] += size
            s[1] += 1
        sites = sorted(self.sites.items(), key=lambda kv: (-kv[1][0], -kv[1][1]))
        leak_sites = sorted(leaks.items(), key=lambda kv: (-kv[1][0], -kv[1][1]))
        return {
            "pid": self.pid, "ppid": self.ppid, "program": self.exe,
            "allocations": self.allocations, "frees": self.frees,
            "reallocs": self.reallocs, "failed": self.failed,
            "bytes_allocated": self.bytes_allocated,
            "bytes_reallocated": self.bytes_reallocated,
            "peak_bytes": self.peak, "peak_time_s": self.peak_t / TPS,
            "leaked_bytes": sum(v[0] for v in self.live.values()),
            "leaked_blocks": len(self.live),
            "duration_s": self.end_t / TPS,
            "events": self.events, "samples": self.samples,
            "stacks_written": self.stacks_written,
            "threads": len(self.tids),
            "syscalls": self.syscalls,
            "size_histogram": {str(k): v for k, v in sorted(self.size_hist.items())},
            "sites": [{"pcs": ["0x%x" % p for p in k], "bytes": v[0], "count": v[1]}
                      for k, v in sites],
            "leak_sites": [{"pcs": ["0x%x" % p for p in k], "bytes": v[0], "count": v[1]}
                           for k, v in leak_sites],
        }


# --------------------------------------------------------------------------
# Frames: real functions at known places
# --------------------------------------------------------------------------

class Frames:
    def __init__(self, debug_elf=None):
        self.maps = Maps()
        self.expect = {}               # "0x..." -> regex the frame must match
        libc = self.maps.find("libc.so")
        self.libc = libc
        self.libc_syms = dynsyms(libc)
        # Python's functions: in the running interpreter (Debian's python3
        # links libpython statically) or its libpython, else a made-up
        # mapping of /usr/bin/python3.
        self.py, self.py_syms = None, {}
        cands = [self.maps.find(os.path.basename(os.path.realpath(sys.executable))),
                 self.maps.find("libpython")]
        for c in cands:
            if c and os.path.exists(c):
                syms = dynsyms(c)
                if sum(1 for n in syms if n.startswith("Py")) >= 100:
                    self.py, self.py_syms = c, syms
                    break
        if not self.py:
            c = os.path.realpath("/usr/bin/python3")
            if os.path.exists(c):
                self.maps.add_elf(c)
                self.py, self.py_syms = c, dynsyms(c)
        if not self.py:                 # no Python ELF: use libc twice
            self.py, self.py_syms = self.libc, self.libc_syms
        self.debug_elf = debug_elf = os.path.abspath(debug_elf) if debug_elf else None
        if debug_elf:
            self.maps.add_elf(debug_elf)
        # a libbrisk: its frames must be dropped by the report
        self.brisk_path = "/opt/brisk/lib/libbrisk-trace.so.0"
        self.brisk_base = self.maps.next_base
        self.maps.lines.append("%x-%x r-xp 00000000 fe:00 4712                       %s"
                               % (self.brisk_base, self.brisk_base + 0x10000, self.brisk_path))
        self.maps.next_base += 0x10000000

    def dyn(self, which, name, delta=None):
        """A return address delta bytes into exported function name of libc
        or python; the report must print it as name+0x<delta> (module)."""
        path, syms = (self.libc, self.libc_syms) if which == "libc" else (self.py, self.py_syms)
        va, size = syms[name]
        if delta is None or delta >= size:
            delta = max(1, min(0x20, size // 2))
        pc = self.maps.pc_of(path, va + delta)
        # without debug information: name+0xDELTA (module); with it (a
        # -dbg package, or a Python built from source): the outermost
        # frame of the pc names the function (perhaps an internal alias
        # like __GI_qsort) and a file:line
        self.expect["0x%x" % pc] = r"^%s\+0x%x \(%s\)$|^\S*%s\S* \(.+:\d+\)$" % (
            re.escape(name), delta, re.escape(os.path.basename(path)), re.escape(name))
        return pc

    def dbg(self, func, callee, marker):
        """The return address after func's call to callee in the -g
        program; the report must print it as func (known.c:LINE)."""
        va = return_after_call(self.debug_elf, func, callee)
        pc = self.maps.pc_of(self.debug_elf, va)
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known.c")
        line = source_line(src, marker)
        self.expect["0x%x" % pc] = r"^%s \(known\.c:%d\)$" % (func, line)
        return pc

    def dbg_caller(self, func, callee):
        """Return address in func after its call to callee (a function of
        the -g program): func (known.c:N), N not checked."""
        va = return_after_call(self.debug_elf, func, callee)
        pc = self.maps.pc_of(self.debug_elf, va)
        self.expect["0x%x" % pc] = r"^%s \(known\.c:\d+\)$" % func
        return pc

    def brisk(self, off=0x1234):
        return self.brisk_base + off

    def unmapped(self):
        pc = 0x10
        self.expect["0x%x" % pc] = r"^0x10 \(\?\)$"
        return pc


def pick(syms, names):
    for n in names:
        if n in syms:
            return n
    return sorted(n for n in syms if not n.startswith("_"))[0]


def basic(path, fr, stacks=True, unknown=False, child=True):
    """The fixed program (tids 4242 main, 4243 and 4244 workers):
    main: 1000 x malloc(100) at site A (worker 4243 meanwhile 50 x
    calloc(10, 64) at site B, each freed 10 calls later); main frees the
    first 900 (100 blocks of 100 bytes leak); malloc(48) at A, then
    realloc(it, 0) (a free); a realloc chain at site C: realloc(NULL, 16),
    in place to 32, moved to 4096, a failed realloc to 1 TiB (the block
    lives on), moved to 8192, free; worker 4244: 10 x aligned_alloc(64,
    1000) at site D, 8 freed (2 leak); a free of an address never
    allocated; a failed malloc(1 << 50); system calls; an exit."""
    rng = random.Random(7)
    have_dbg = fr.debug_elf is not None
    libc_a = pick(fr.libc_syms, ["qsort", "getenv", "strdup"])
    libc_b = pick(fr.libc_syms, ["getenv", "strtol", "atoi"])
    py_a = pick(fr.py_syms, ["PyList_Append", "PyDict_SetItem", "PyObject_Repr"])
    py_b = pick(fr.py_syms, ["PyDict_SetItem", "PyObject_Repr", "PyTuple_New"])
    if have_dbg:
        site_a = [fr.brisk(), fr.dbg("known_alloc", "malloc", "KNOWN_ALLOC_LINE"),
                  fr.dbg_caller("main", "known_alloc"), fr.dyn("libc", libc_a)]
        site_c = [fr.dbg("known_grow", "realloc", "KNOWN_GROW_LINE"),
                  fr.dbg_caller("main", "known_grow")]
    else:
        site_a = [fr.brisk(), fr.dyn("libc", libc_a, 0x11), fr.dyn("py", py_a, 0x7)]
        site_c = [fr.dyn("libc", libc_b, 0x9)]
    site_b = [fr.dyn("py", py_a), fr.dyn("py", py_b), fr.dyn("libc", libc_a, 0x13)]
    site_d = [fr.dyn("libc", libc_b), fr.unmapped()]
    p = Program(4242, 4000, "/usr/bin/known-program", "known-program --fast -n 1000",
                stacks=stacks, rng=rng)
    p.maps(fr.maps.text())
    heap = 0x7f1200000000
    pending = []
    cal = 0x7f3400000000
    for i in range(1000):
        p.malloc(4242, heap + i * 128, 100, site_a)
        if i % 20 == 5 and cal < 0x7f3400000000 + 50 * 1024:
            p.calloc(4243, cal, 10, 64, site_b)
            pending.append((i + 10, cal))
            cal += 1024
        while pending and pending[0][0] <= i:
            p.free(4243, pending.pop(0)[1])
        if i == 300:
            p.syscall(4242, 0, 0x7f5500000000, 4 << 20)            # mmap 4 MiB
            p.syscall(4242, 0, 0, 2 << 20, ok=False)               # failed mmap
    while pending:
        p.free(4243, pending.pop(0)[1])
    if unknown:
        p.unknown_chunk()
    for i in range(900):
        p.free(4242, heap + i * 128)
        if i == 450:
            p.syscall(4242, 2, 0x7f5500010000, 64 << 10)           # madvise
            p.syscall(4242, 2, 0x7f5500020000, 64 << 10)
            p.syscall(4242, 2, 0x7f5500030000, 64 << 10)
    q = 0x7f1300000000
    p.malloc(4242, q, 48, site_a)
    p.realloc(4242, 0, 0, q, site_a)                               # realloc(q, 0): free
    r1, r2, r3 = 0x7f1300001000, 0x7f1300010000, 0x7f1300020000
    p.realloc(4242, r1, 16, 0, site_c)                             # realloc(NULL, 16)
    p.realloc(4242, r1, 32, r1, site_c)                            # in place
    p.realloc(4242, r2, 4096, r1, site_c)                          # moved
    p.realloc(4242, 0, 1 << 40, r2, site_c)                        # failed: r2 lives
    p.realloc(4242, r3, 8192, r2, site_c)                          # moved
    p.free(4242, r3)
    p.syscall(4242, 1, 0x7f5500100000, 1 << 20)                    # munmap 1 MiB
    p.syscall(4242, 3, 0x7f5600000000, 8 << 20)                    # mremap
    p.syscall(4242, 4, 0x7f5500000000, 4096)                       # mprotect
    al = 0x7f3500000000
    for i in range(10):
        p.aligned(4244, al + i * 1024, 64, 1000, site_d)
    for i in range(8):
        p.free(4244, al + i * 1024)
    p.thread_exit(4244)
    p.free(4242, 0xdead0000)                                       # never allocated
    p.malloc(4242, 0, 1 << 50, site_a)                             # failed
    p.thread_exit(4243)
    p.finish()
    with open(path, "wb") as f:
        f.write(p.out)
    exp = p.expected()
    exp["symbols"] = fr.expect
    exp["site_names"] = {"A": [hex(x) for x in site_a], "B": [hex(x) for x in site_b],
                         "C": [hex(x) for x in site_c], "D": [hex(x) for x in site_d]}
    exp["children"] = []
    if child:
        c = Program(4250, 4242, "/usr/bin/known-child", "known-child", stacks=stacks,
                    rng=random.Random(3))
        c.maps(fr.maps.text())
        for i in range(20):
            c.malloc(4250, 0x7f4400000000 + i * 256, 256, site_b)
        for i in range(17):
            c.free(4250, 0x7f4400000000 + i * 256)
        c.finish()
        with open(path + ".4250", "wb") as f:
            f.write(c.out)
        ce = c.expected()
        ce["file"] = path + ".4250"
        exp["children"].append(ce)
    return exp


def random_program(path, fr, events, threads, stacks=True, seed=1, child=True, syscalls=15):
    rng = random.Random(seed)
    names = sorted(n for n in fr.libc_syms if fr.libc_syms[n][1] >= 16)
    pool = [fr.dyn("libc", n, rng.randint(1, 15)) for n in rng.sample(names, min(60, len(names)))]
    pynames = sorted(n for n in fr.py_syms if fr.py_syms[n][1] >= 16)
    pool += [fr.dyn("py", n, rng.randint(1, 15)) for n in rng.sample(pynames, min(60, len(pynames)))]
    sites = [[rng.choice(pool) for _ in range(rng.randint(1, 12))] for _ in range(400)]
    weights = [1.0 / (i + 1) for i in range(len(sites))]
    p = Program(5000, 4999, "/usr/bin/random-program", "random-program", stacks=stacks, rng=rng)
    p.maps(fr.maps.text())
    tids = [5000 + i for i in range(threads)]
    live = {t: [] for t in tids}
    next_addr = 0x7e0000000000
    sizes = [8, 16, 24, 32, 48, 64, 100, 128, 256, 512, 1000, 4096, 10000, 65536, 1 << 20]
    n = 0
    cum = []
    acc = 0
    for w in weights:
        acc += w
        cum.append(acc)
    while n < events:
        tid = rng.choice(tids)
        lv = live[tid]
        r = rng.random()
        site = sites[bisect.bisect(cum, rng.random() * acc)]
        if r < 0.45 or not lv:
            size = rng.choice(sizes) + rng.randint(0, 7)
            p.malloc(tid, next_addr, size, site)
            lv.append(next_addr)
            next_addr += 1 << 21 if size > 65536 else 128 + ((size + 15) & ~15)
        elif r < 0.05 + 0.45:
            a = lv.pop(rng.randrange(len(lv)))
            size = rng.choice(sizes)
            if rng.random() < 0.5:
                p.realloc(tid, a, size, a, site)
                lv.append(a)
            else:
                p.realloc(tid, next_addr, size, a, site)
                lv.append(next_addr)
                next_addr += 1 << 21 if size > 65536 else 128 + ((size + 15) & ~15)
        elif r < 0.985 - syscalls / 1000.0:
            a = lv.pop(rng.randrange(len(lv)))
            p.free(tid, a)
        elif r < 1 - syscalls / 1000.0:
            p.calloc(tid, next_addr, 4, 25, site)
            lv.append(next_addr)
            next_addr += 256
        else:
            p.syscall(tid, rng.randrange(5), 0x7f0000000000 + rng.randrange(1 << 30) * 4096,
                      rng.choice([4096, 65536, 1 << 20, 4 << 20]), ok=rng.random() < 0.95)
        n += 1
    p.finish()
    with open(path, "wb") as f:
        f.write(p.out)
    exp = p.expected()
    exp["symbols"] = fr.expect
    exp["children"] = []
    if child:
        c = Program(5001, 5000, "/usr/bin/random-child", "random-child", stacks=stacks,
                    rng=random.Random(seed + 1))
        c.maps(fr.maps.text())
        for i in range(5):
            c.malloc(5001, 0x7f4400000000 + i * 256, 100, sites[0])
        c.finish(end=False)        # killed: no END chunk
        with open(path + ".5001", "wb") as f:
            f.write(c.out)
        ce = c.expected()
        ce["file"] = path + ".5001"
        exp["children"].append(ce)
    return exp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--scenario", choices=["basic", "random"], default="basic")
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--no-stacks", action="store_true")
    ap.add_argument("--debug-elf")
    ap.add_argument("--expect")
    ap.add_argument("--unknown-chunk", action="store_true")
    ap.add_argument("--no-child", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--syscalls", type=int, default=15, metavar="N",
                    help="random: system calls per 1000 events")
    a = ap.parse_args()
    fr = Frames(a.debug_elf)
    if a.scenario == "basic":
        exp = basic(a.out, fr, stacks=not a.no_stacks, unknown=a.unknown_chunk,
                    child=not a.no_child)
    else:
        exp = random_program(a.out, fr, a.events, a.threads, stacks=not a.no_stacks,
                             seed=a.seed, child=not a.no_child, syscalls=a.syscalls)
    if a.expect:
        with open(a.expect, "w") as f:
            json.dump(exp, f, indent=1)


if __name__ == "__main__":
    main()
