# SPDX-License-Identifier: MIT
# test/test.mk — brisk's test suite (included by the top-level Makefile).
#
#   make test        build lib + variants + every test program, then run
#                    test/all.sh: the main suites (test/run.sh: unit tests,
#                    api and stress against release,
#                    debug and ubsan builds, the TSan stress build against the
#                    prefix-only TSan library, preload tests, valgrind) and
#                    the quick reliability subset (test/real/run.sh --quick).
#                    Last line: "N passed, M failed" over both; exit 1 if M > 0.
#   make test-libc   build and run the api and stress suites against glibc's
#                    malloc (no brisk needed): validates the tests themselves.
#   TEST_FILTER=re   run only tests whose name matches the regex (run.sh).
#   TEST_JOBS=n      tests run in parallel (default 2).
#
# Binaries go to build/test/:
#   api/NAME          plain programs, run with LD_PRELOAD=<variant>/libbrisk.so
#   api/link_lbrisk   linked -lbrisk with RUNPATH $ORIGIN/../.. (= build/)
#   stress/NAME       linked -lbrisk with RUNPATH; variants are selected with
#                     LD_LIBRARY_PATH (which takes precedence over RUNPATH)
#   stress-libc/NAME  plain (glibc mode)
#   stress-tsan/NAME  -DUSE_BRISK_PREFIX -fsanitize=thread + tsan prefix .a

TEST_OUT := build/test
TEST_INC := -Itest/lib -Iinclude
TEST_WARN := -Wall -Wextra -Wno-unused-parameter
TEST_CFLAGS := -std=gnu11 -O1 -g $(TEST_WARN) -D_GNU_SOURCE $(TEST_INC) \
  -fno-builtin -pthread
TEST_CXXFLAGS := -std=c++17 -O1 -g -Wall -Wextra -pthread
STRESS_CFLAGS := -std=gnu11 -O2 -g $(TEST_WARN) -D_GNU_SOURCE $(TEST_INC) \
  -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc \
  -fno-builtin-realloc -pthread
TEST_RPATH := -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/../..'
TEST_HDRS := $(wildcard test/lib/*.h) $(wildcard test/stress/*.h) include/brisk.h

TEST_API_SRCS := $(filter-out test/api/link_lbrisk.c,$(wildcard test/api/*.c))
TEST_API_BINS := $(patsubst test/api/%.c,$(TEST_OUT)/api/%,$(TEST_API_SRCS)) \
  $(TEST_OUT)/api/cxx
TEST_STRESS_SRCS := $(wildcard test/stress/*.c)
TEST_STRESS_NAMES := $(patsubst test/stress/%.c,%,$(TEST_STRESS_SRCS))
TEST_STRESS_BINS := $(addprefix $(TEST_OUT)/stress/,$(TEST_STRESS_NAMES))
TEST_STRESS_LIBC_BINS := $(addprefix $(TEST_OUT)/stress-libc/,$(TEST_STRESS_NAMES))
TEST_TSAN_BINS := $(addprefix $(TEST_OUT)/stress-tsan/,$(TEST_STRESS_NAMES))

TEST_UNIT_SRCS := $(wildcard test/unit/*.c)
TEST_UNIT_BINS := $(patsubst test/unit/%.c,$(TEST_OUT)/unit/%,$(TEST_UNIT_SRCS))

# The hardened build's mitigations (guard pages, zero-size faults,
# read-only globals): plain programs run with LD_PRELOAD of
# build/hardened/libbrisk.so only (test/run.sh).
TEST_HU_SRCS := $(wildcard test/harden-unit/*.c)
TEST_HU_BINS := $(patsubst test/harden-unit/%.c,$(TEST_OUT)/harden-unit/%,$(TEST_HU_SRCS))

TEST_LIBC_BINS := $(TEST_API_BINS) $(TEST_STRESS_LIBC_BINS)
TEST_BRISK_BINS := $(TEST_OUT)/api/link_lbrisk $(TEST_STRESS_BINS) \
  $(TEST_TSAN_BINS) $(TEST_UNIT_BINS) $(TEST_OUT)/stress-static/stress_mix \
  $(TEST_HU_BINS)

.PHONY: test test-bins test-libc test-libc-bins
test: all variants
	@$(MAKE) --no-print-directory test-bins check-real-bins check-harden-bins
	@TEST_JOBS="$(TEST_JOBS)" TEST_FILTER="$(TEST_FILTER)" test/all.sh

test-bins: $(TEST_LIBC_BINS) $(TEST_BRISK_BINS)

test-libc:
	@$(MAKE) --no-print-directory test-libc-bins
	@TEST_JOBS="$(TEST_JOBS)" TEST_FILTER="$(TEST_FILTER)" test/run.sh --libc

test-libc-bins: $(TEST_LIBC_BINS)

$(TEST_OUT)/api/%: test/api/%.c $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -ldl

$(TEST_OUT)/harden-unit/%: test/harden-unit/%.c test/harden-unit/hu.h $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -ldl

$(TEST_OUT)/api/cxx: test/api/cxx.cpp
	@mkdir -p $(@D)
	$(CXX) $(TEST_CXXFLAGS) -o $@ $<

$(TEST_OUT)/api/link_lbrisk: test/api/link_lbrisk.c $(TEST_HDRS) build/libbrisk.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -Lbuild -lbrisk $(TEST_RPATH) -ldl

$(TEST_OUT)/stress/%: test/stress/%.c $(TEST_HDRS) build/libbrisk.so
	@mkdir -p $(@D)
	$(CC) $(STRESS_CFLAGS) -o $@ $< -Lbuild -lbrisk $(TEST_RPATH) -ldl

# brisk linked statically into the program: valgrind's memcheck then runs
# brisk's own code as client code (--soname-synonyms=somalloc=NONE keeps
# valgrind from replacing it) and reports any bad access inside brisk.
$(TEST_OUT)/stress-static/%: test/stress/%.c $(TEST_HDRS) build/libbrisk.a
	@mkdir -p $(@D)
	$(CC) $(STRESS_CFLAGS) -o $@ $< build/libbrisk.a -ldl

$(TEST_OUT)/stress-libc/%: test/stress/%.c $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(STRESS_CFLAGS) -o $@ $< -ldl

$(TEST_OUT)/stress-tsan/%: test/stress/%.c $(TEST_HDRS) build/tsan/libbrisk-prefix.a
	@mkdir -p $(@D)
	$(CC) $(STRESS_CFLAGS) -O1 -DUSE_BRISK_PREFIX -fsanitize=thread -o $@ $< \
	  build/tsan/libbrisk-prefix.a -ldl

# Unit tests of internals: include src/internal.h, link the prefix-only
# static library (internal symbols are hidden only from dynamic export).
$(TEST_OUT)/unit/%: test/unit/%.c test/unit/unit.h build/prefix-debug/libbrisk-prefix.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -Isrc -Iinclude -Itest/unit \
	  -DBRISK_OVERRIDE=0 -DBRISK_DEBUG=1 -DBRISK_DEBUG_FULL=1 -pthread $< build/prefix-debug/libbrisk-prefix.a -o $@

# The hardening misuse suite: make check-harden (test/harden/harden.mk).
include test/harden/harden.mk
