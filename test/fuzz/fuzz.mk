# SPDX-License-Identifier: MIT
# test/fuzz/fuzz.mk — libFuzzer on brisk (included from test/real/real.mk).
#
#   make fuzz-quick              60 s of fuzzing
#   make fuzz FUZZ_SECONDS=n     n seconds (default 600)
# A replacement malloc cannot live under -fsanitize=fuzzer/address, so the
# fuzzer compiles brisk's src/*/*.c itself with -DBRISK_OVERRIDE=0 (only
# brisk_* names: glibc's malloc keeps serving libFuzzer and the sanitizer
# runtime) plus coverage and UBSan instrumentation, and fuzz_ops.c calls
# brisk_*.  Needs clang with libFuzzer (Debian: clang-14 + libclang-rt-14-dev).
# New coverage goes to build/fuzz/corpus (test/fuzz/corpus is the small
# checked-in seed set); crashes to build/fuzz/artifacts/.  Copy every crash
# into test/fuzz/regressions/ (check-real replays them with fuzz_replay).

FUZZ_CC ?= $(shell command -v clang-14 || command -v clang)
FUZZ_SECONDS ?= 600
FUZZ_OUT := build/fuzz
FUZZ_FLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -DBRISK_OVERRIDE=0 -Iinclude -Isrc \
  -fsanitize=fuzzer,undefined -fno-sanitize-recover=undefined -fvisibility=hidden -pthread
FUZZ_ARGS := -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix=$(FUZZ_OUT)/artifacts/

.PHONY: fuzz fuzz-quick fuzz-bin
fuzz-bin: $(FUZZ_OUT)/fuzz_ops

$(FUZZ_OUT)/fuzz_ops: test/fuzz/fuzz_ops.c $(SRCS) $(HDRS)
	@mkdir -p $(@D)
	@test -n "$(FUZZ_CC)" || { echo "fuzz: clang not found (apt-get install clang-14 libclang-rt-14-dev)"; exit 1; }
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ test/fuzz/fuzz_ops.c $(SRCS)

fuzz: fuzz-bin
	@mkdir -p $(FUZZ_OUT)/corpus $(FUZZ_OUT)/artifacts
	$(FUZZ_OUT)/fuzz_ops $(FUZZ_ARGS) -max_total_time=$(FUZZ_SECONDS) \
	  $(FUZZ_OUT)/corpus test/fuzz/corpus test/fuzz/regressions
	@echo "fuzz: $(FUZZ_SECONDS) s, no crash (corpus: $$(ls $(FUZZ_OUT)/corpus | wc -l) inputs)"

fuzz-quick:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=60

# The replay binary: the same harness, gcc, linked with the prefixed brisk.
$(REAL_OUT)/fuzz_replay: test/fuzz/fuzz_ops.c test/fuzz/fuzz_replay.c build/prefix/libbrisk-prefix.a
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -Iinclude -pthread -o $@ \
	  test/fuzz/fuzz_ops.c test/fuzz/fuzz_replay.c build/prefix/libbrisk-prefix.a

# The harness against glibc's malloc (glibc_shim.c), to validate inputs.
$(REAL_OUT)/fuzz_replay_glibc: test/fuzz/fuzz_ops.c test/fuzz/fuzz_replay.c test/fuzz/glibc_shim.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -Iinclude -pthread -o $@ $^
