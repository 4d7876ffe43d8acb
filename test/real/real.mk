# SPDX-License-Identifier: MIT
# test/real/real.mk — reliability suites (included by the top-level Makefile).
#
#   make check-real        real programs (CPython's regression tests, sqlite3,
#                          perl, tclsh, g++, git, a threaded C++ program) with
#                          and without brisk, fault programs (OOM, fork,
#                          thread churn, dlopen, TLS destructors, spawn,
#                          signals, bad sizes/alignments), heap-misuse
#                          programs and the fuzz regression replay.  One
#                          PASS/FAIL/XFAIL line per item, last line
#                          "N passed, M failed".  ~6-10 min on 2 cores.
#   make check-real-quick  a subset, < 2 min (for `make test`).
#   make fuzz-quick        libFuzzer on the prefixed brisk for 60 s.
#   make fuzz FUZZ_SECONDS=n   the same, longer (default 600).
#   make soak SOAK_SECONDS=n   multithreaded soak with RSS bound (default 600).
# Knobs: REAL_JOBS, REAL_FILTER, REAL_FRESH (test/real/run.sh).
# Docs: docs/reliability.md.  Binaries go to build/real/.

REAL_OUT := build/real
REAL_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
  -Wno-use-after-free -Wno-alloc-size-larger-than \
  -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc -pthread
REAL_CXXFLAGS := -std=c++17 -O1 -g -Wall -Wextra -pthread
# Misuse programs commit the bug on purpose: no optimiser, no warnings about it.
REAL_MISUSE_CFLAGS := -std=gnu11 -O0 -g -fno-builtin -Wno-free-nonheap-object \
  -Wno-use-after-free -Wno-mismatched-dealloc -D_GNU_SOURCE

REAL_FAULT_C := $(filter-out test/real/faults/lib_%.c,$(wildcard test/real/faults/*.c))
REAL_FAULT_CXX := $(wildcard test/real/faults/*.cpp)
REAL_FAULT_BINS := $(patsubst test/real/faults/%.c,$(REAL_OUT)/faults/%,$(REAL_FAULT_C)) \
  $(patsubst test/real/faults/%.cpp,$(REAL_OUT)/faults/%,$(REAL_FAULT_CXX)) \
  $(REAL_OUT)/faults/lib_dlalloc.so
REAL_MISUSE_BINS := $(patsubst test/real/misuse/%.c,$(REAL_OUT)/misuse/%,$(wildcard test/real/misuse/*.c))
REAL_PROG_BINS := $(REAL_OUT)/cxx_threads
REAL_BUG_BINS := $(patsubst test/real/bugs/%.c,$(REAL_OUT)/bugs/%,$(wildcard test/real/bugs/*.c))
REAL_BINS := $(REAL_FAULT_BINS) $(REAL_MISUSE_BINS) $(REAL_PROG_BINS) $(REAL_BUG_BINS) \
  $(REAL_OUT)/fuzz_replay $(REAL_OUT)/fuzz_replay_glibc

.PHONY: check-real check-real-quick check-real-bins fuzz fuzz-quick fuzz-bin soak soak-bin
# Libraries the items use: release (preloaded), debug (free_sized check),
# prefix (fuzz replay).
REAL_LIBS := lib build/debug/libbrisk.so build/prefix/libbrisk-prefix.a

check-real: $(REAL_LIBS)
	@$(MAKE) --no-print-directory check-real-bins
	@test/real/run.sh

check-real-quick: $(REAL_LIBS)
	@$(MAKE) --no-print-directory check-real-bins
	@test/real/run.sh --quick

check-real-bins: $(REAL_BINS)

$(REAL_OUT)/faults/%: test/real/faults/%.c test/real/faults/common.h
	@mkdir -p $(@D)
	$(CC) $(REAL_CFLAGS) -o $@ $< -ldl

$(REAL_OUT)/faults/%: test/real/faults/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(REAL_CXXFLAGS) -o $@ $<

$(REAL_OUT)/faults/lib_dlalloc.so: test/real/faults/lib_dlalloc.c
	@mkdir -p $(@D)
	$(CC) $(REAL_CFLAGS) -fPIC -shared -o $@ $<

$(REAL_OUT)/bugs/%: test/real/bugs/%.c
	@mkdir -p $(@D)
	$(CC) $(REAL_CFLAGS) -o $@ $< -ldl

$(REAL_OUT)/misuse/%: test/real/misuse/%.c
	@mkdir -p $(@D)
	$(CC) $(REAL_MISUSE_CFLAGS) -o $@ $<

$(REAL_OUT)/cxx_threads: test/real/programs/cxx_threads.cpp
	@mkdir -p $(@D)
	$(CXX) $(REAL_CXXFLAGS) -O2 -o $@ $<

-include test/fuzz/fuzz.mk
-include test/soak/soak.mk
