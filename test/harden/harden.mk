# SPDX-License-Identifier: MIT
# test/harden/harden.mk — the hardening misuse suite (included from
# test/test.mk).
#
#   make check-harden   build the libraries (lib, hardened) and one program
#                       per heap misuse (test/harden/*.c, *.cpp), then run
#                       test/harden/run.sh: every case against the default,
#                       hardened and sampled (BRISK_GUARD_SAMPLE=1) builds,
#                       one PASS/FAIL line per case and build, a table of
#                       outcomes (also build/test/harden/table.md), last
#                       line "N passed, M failed".  < 60 s on 2 cores.
#   make check-harden-bins   only the programs.
# Knobs: HARDEN_BUILD (default|hardened|sampled: one build only),
# HARDEN_FILTER (regex on case names), HARDEN_JOBS (default 2).
# Binaries go to build/test/harden/<case>.

HARDEN_OUT := build/test/harden
# The programs commit their bug on purpose: keep the compiler from seeing
# (-fno-builtin) or warning about (the -Wno-*) what they do.
HARDEN_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -fno-builtin -pthread \
  -Wno-use-after-free -Wno-free-nonheap-object -Wno-alloc-size-larger-than \
  -Wno-array-bounds -Wno-stringop-overflow -Wno-maybe-uninitialized
HARDEN_CXXFLAGS := -std=c++17 -O1 -g -Wall -Wextra -fno-builtin -fsized-deallocation \
  -Wno-mismatched-new-delete -Wno-use-after-free
HARDEN_C_SRCS := $(wildcard test/harden/*.c)
HARDEN_CXX_SRCS := $(wildcard test/harden/*.cpp)
HARDEN_BINS := $(patsubst test/harden/%.c,$(HARDEN_OUT)/%,$(HARDEN_C_SRCS)) \
  $(patsubst test/harden/%.cpp,$(HARDEN_OUT)/%,$(HARDEN_CXX_SRCS))

.PHONY: check-harden check-harden-bins
check-harden: lib hardened
	@$(MAKE) --no-print-directory check-harden-bins
	@test/harden/run.sh $(if $(HARDEN_BUILD),--build $(HARDEN_BUILD))

check-harden-bins: $(HARDEN_BINS)

$(HARDEN_OUT)/%: test/harden/%.c test/harden/harden.h
	@mkdir -p $(@D)
	$(CC) $(HARDEN_CFLAGS) -o $@ $< -ldl

$(HARDEN_OUT)/%: test/harden/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(HARDEN_CXXFLAGS) -o $@ $<
