# SPDX-License-Identifier: MIT
# bench/bench.mk — benchmark suite (included by the top-level Makefile).
#   make bench        full run (20-40 min): every workload x every allocator,
#                     and brisk with meshing on (variant "mesh")
#   make bench-quick  smaller parameters, fewer rounds (< 5 min on 2 cores)
#   make bench-progs  only build the workload programs into build/bench/
#   make bench-safety quick run of brisk beside its checks-compiled-out
#                     build (nochecks) and its hardened build, plus glibc
#                     and mimalloc for scale; results in bench/results/safety/
#   make bench-heaps  first-class heaps against malloc: pair cost, destroy
#                     against a free loop, request arenas (bench/heaps.c;
#                     bench/results/heaps/latest.md)
#   make bench-trace  what statistics, brisk trace (with and without stacks)
#                     and heaptrack cost on a malloc loop, python, sqlite
#                     and gcc (bench/trace_overhead.sh; bench/results/trace/)
# Both bench targets first (re)build the library with `make lib`, so a stale
# build/libbrisk.so is never measured.  If that build fails, the run goes on
# with the peers only and says so loudly; BENCH_STRICT=1 makes it fatal.
# Extra runner flags: make bench BENCH_ARGS="--rounds 3 --only larson,churn"

BENCH_CC     ?= $(CC)
BENCH_CFLAGS ?= -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -pthread \
  -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc
BENCH_PROGS  := churn larson prodcons xmalloc cache realloc large frag threadchurn bigset rptest \
  frag2m pairs measure
BENCH_BINS   := $(addprefix build/bench/,$(BENCH_PROGS))
BENCH_STRICT ?= 0
BENCH_ARGS   ?=

.PHONY: bench bench-quick bench-progs bench-clean bench-safety bench-trace bench-heaps

bench-progs: $(BENCH_BINS)

build/bench/%: bench/%.c bench/common.h | build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $< -lm

build/bench:
	mkdir -p $@

# $(call bench_run,MODE[,BRISK-ONLY FLAGS])
define bench_run
	@if $(MAKE) --no-print-directory lib; then \
	  bench/run.sh $(1) $(2) $(BENCH_ARGS); \
	elif [ "$(BENCH_STRICT)" = 1 ]; then \
	  echo "bench: 'make lib' failed and BENCH_STRICT=1" >&2; exit 1; \
	else \
	  echo "bench: WARNING: 'make lib' failed; benchmarking the peers only" >&2; \
	  bench/run.sh $(1) --no-brisk $(BENCH_ARGS); \
	fi
endef

# The full run measures meshing (BRISK_MESH=1, core/mesh.h) as a variant.
bench: bench-progs
	$(call bench_run,--full,--variants mesh=build/libbrisk.so+BRISK_MESH=1)

bench-quick: bench-progs
	$(call bench_run,--quick)

bench-safety: bench-progs
	$(MAKE) --no-print-directory lib hardened build/nochecks/libbrisk.so
	bench/run.sh --quick --allocators glibc,brisk,mimalloc \
	  --variants nochecks=build/nochecks/libbrisk.so,hardened=build/libbrisk-hardened.so \
	  --out bench/results/safety $(BENCH_ARGS)

build/bench/heaps: bench/heaps.c include/brisk.h build/libbrisk.so | build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $< -Lbuild -lbrisk -Wl,-rpath,'$$ORIGIN/..'

bench-heaps: build/bench/heaps
	@mkdir -p bench/results/heaps
	build/bench/heaps n=1000000 rounds=5 | tee bench/results/heaps/latest.md

bench-trace: bench-progs
	$(MAKE) --no-print-directory all
	bench/trace_overhead.sh

bench-clean:
	rm -rf build/bench bench/results/raw

# Region heaps (bench/region.c): per-operation latency (mean, p99.99, max)
# of brisk_region_* beside malloc, then fragmentation after a long run.
.PHONY: bench-region
bench-region: build/bench/region build/libbrisk.so
	build/bench/region
	LD_PRELOAD=$(abspath build/libbrisk.so) build/bench/region malloc_only=1
build/bench/region: bench/region.c bench/common.h include/brisk.h build/prefix/libbrisk-prefix.a | build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) -Iinclude -o $@ $< build/prefix/libbrisk-prefix.a -lm
