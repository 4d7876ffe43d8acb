# SPDX-License-Identifier: MIT
# test/region/region.mk — the region-heap suite (included by the top-level
# Makefile).  `make region-bins` builds into build/test/region/:
#   NAME          test/region/NAME.c linked -lbrisk (RUNPATH build/)
#   misuse/NAME   test/region/misuse/NAME.c: one misuse each, run by
#                 test/region/run.sh, which checks SIGABRT and the message
#   crash         test/region/crash.c with the region sources recompiled
#                 with BRISK_REGION_HOOKS=1 (kill points inside operations)
#                 and the rest of the prefix-only static library
# `make test` builds them (test-bins depends on region-bins) and runs
# test/region/run.sh through test/all.sh.

REGION_OUT := build/test/region
REGION_TESTS := unit model badinput threads multiproc
REGION_MISUSE := $(patsubst test/region/misuse/%.c,%,$(wildcard test/region/misuse/*.c))
REGION_HOOK_OBJS := $(patsubst src/heaps/%.c,$(REGION_OUT)/hooked/%.o,$(wildcard src/heaps/region*.c))
REGION_BINS := $(addprefix $(REGION_OUT)/,$(REGION_TESTS) crash) \
  $(addprefix $(REGION_OUT)/misuse/,$(REGION_MISUSE))
REGION_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -Iinclude -Isrc -Itest/region -pthread
REGION_DEPS := test/region/rt.h include/brisk.h src/heaps/region.h

.PHONY: region-bins
region-bins: $(REGION_BINS)
test-bins: region-bins

$(REGION_OUT)/%: test/region/%.c $(REGION_DEPS) build/libbrisk.so
	@mkdir -p $(@D)
	$(CC) $(REGION_CFLAGS) -o $@ $< -Lbuild -lbrisk -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/../..'

$(REGION_OUT)/misuse/%: test/region/misuse/%.c $(REGION_DEPS) build/libbrisk.so
	@mkdir -p $(@D)
	$(CC) $(REGION_CFLAGS) -o $@ $< -Lbuild -lbrisk -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/../../..'

$(REGION_OUT)/hooked/%.o: src/heaps/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O2 -g -DBRISK_OVERRIDE=0 -DBRISK_REGION_HOOKS=1 -c $< -o $@

$(REGION_OUT)/crash: test/region/crash.c $(REGION_DEPS) $(REGION_HOOK_OBJS) build/prefix/libbrisk-prefix.a
	@mkdir -p $(@D)
	$(CC) $(REGION_CFLAGS) -o $@ $< $(REGION_HOOK_OBJS) build/prefix/libbrisk-prefix.a
