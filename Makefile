# brisk — build.  `make` builds build/libbrisk.so, build/libbrisk.a and the
# launcher build/brisk.  Variants (each its own object directory):
#   build/                release, overrides malloc (the product)
#   build/debug/          -O2 -g, BRISK_DEBUG=1 assertions, overrides malloc
#   build/debugfull/      -O1 -g, assertions + invariant walks (BRISK_DEBUG_FULL)
#   build/nofaststats/    release with BRISK_FAST_STATS=0
#   build/prefix/         release, exports only brisk_* names (no override)
#   build/prefix-debug/   debug, prefix-only (static archive: unit tests)
#   build/tsan/           ThreadSanitizer, prefix-only (static archive)
#   build/ubsan/          UndefinedBehaviorSanitizer, overrides malloc
# Sources: src/<folder>/<module>.c, folders by concern (docs/design.md):
# core/ (heaps, pages, spans, segments, blocks), os/ (the kernel seam),
# observe/ (event hook, statistics, output), api/ (exported functions).
# Tests live in test/test.mk, benchmarks in bench/bench.mk.

CC      ?= gcc
# -fno-tree-slp-vectorize: SLP packs the malloc fast path's three counter
# adds into SSE moves (+2 instructions per call, measured with callgrind).
CFLAGS_BASE := -std=gnu11 -Wall -Wextra -Wundef -Wshadow -Wstrict-prototypes \
  -Werror=implicit-function-declaration \
  -fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-plt \
  -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc \
  -D_GNU_SOURCE -Iinclude -Isrc \
  -fno-tree-slp-vectorize
OPT     ?= -O2 -g
LDLIBS_LIB := -lpthread

SRCS := $(sort $(wildcard src/*/*.c))
HDRS := $(wildcard src/*.h src/*/*.h) include/brisk.h

VARIANT_release_DIR   := build
VARIANT_release_FLAGS := $(OPT)
VARIANT_debug_DIR     := build/debug
VARIANT_debug_FLAGS   := -O2 -g -DBRISK_DEBUG=1
VARIANT_debugfull_DIR   := build/debugfull
VARIANT_debugfull_FLAGS := -O1 -g -DBRISK_DEBUG=1 -DBRISK_DEBUG_FULL=1
VARIANT_nofaststats_DIR   := build/nofaststats
VARIANT_nofaststats_FLAGS := $(OPT) -DBRISK_FAST_STATS=0
VARIANT_prefixdebug_DIR   := build/prefix-debug
VARIANT_prefixdebug_FLAGS := -O1 -g -DBRISK_DEBUG=1 -DBRISK_DEBUG_FULL=1 -DBRISK_OVERRIDE=0
VARIANT_prefix_DIR    := build/prefix
VARIANT_prefix_FLAGS  := $(OPT) -DBRISK_OVERRIDE=0
VARIANT_tsan_DIR      := build/tsan
VARIANT_tsan_FLAGS    := -O1 -g -fsanitize=thread -DBRISK_OVERRIDE=0
VARIANT_ubsan_DIR     := build/ubsan
VARIANT_ubsan_FLAGS   := -O1 -g -fsanitize=undefined -fno-sanitize-recover=undefined

.PHONY: all lib variants clean demo test bench bench-quick soak check-real install
all: lib build/brisk

lib: build/libbrisk.so build/libbrisk.a

variants: build/debug/libbrisk.so build/debugfull/libbrisk.so build/nofaststats/libbrisk.so \
  build/prefix/libbrisk-prefix.a build/prefix/libbrisk-prefix.so \
  build/prefix-debug/libbrisk-prefix.a build/tsan/libbrisk-prefix.a build/ubsan/libbrisk.so

# $(call variant_rules,NAME)
define variant_rules
$$(VARIANT_$(1)_DIR)/obj/%.o: src/%.c $$(HDRS)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_BASE) $$(VARIANT_$(1)_FLAGS) $$(CFLAGS) -c $$< -o $$@
OBJS_$(1) := $$(patsubst src/%.c,$$(VARIANT_$(1)_DIR)/obj/%.o,$$(SRCS))
endef
VARIANTS := release debug debugfull nofaststats prefix prefixdebug tsan ubsan
$(foreach v,$(VARIANTS),$(eval $(call variant_rules,$(v))))

build/libbrisk.so: $(OBJS_release)
	$(CC) -shared -Wl,-soname,libbrisk.so -Wl,-z,now -Wl,-z,nodelete $(OPT) -o $@ $^ $(LDLIBS_LIB)
build/libbrisk.a: $(OBJS_release)
	rm -f $@ && ar rcs $@ $^
build/debug/libbrisk.so: $(OBJS_debug)
	$(CC) -shared -Wl,-soname,libbrisk.so -Wl,-z,now -o $@ $^ $(LDLIBS_LIB)
build/debugfull/libbrisk.so: $(OBJS_debugfull)
	$(CC) -shared -Wl,-soname,libbrisk.so -Wl,-z,now -o $@ $^ $(LDLIBS_LIB)
build/nofaststats/libbrisk.so: $(OBJS_nofaststats)
	$(CC) -shared -Wl,-soname,libbrisk.so -Wl,-z,now -Wl,-z,nodelete -o $@ $^ $(LDLIBS_LIB)
build/prefix-debug/libbrisk-prefix.a: $(OBJS_prefixdebug)
	rm -f $@ && ar rcs $@ $^
build/ubsan/libbrisk.so: $(OBJS_ubsan)
	$(CC) -shared -fsanitize=undefined -Wl,-soname,libbrisk.so -o $@ $^ $(LDLIBS_LIB)
build/prefix/libbrisk-prefix.a: $(OBJS_prefix)
	rm -f $@ && ar rcs $@ $^
build/prefix/libbrisk-prefix.so: $(OBJS_prefix)
	$(CC) -shared -o $@ $^ $(LDLIBS_LIB)
build/tsan/libbrisk-prefix.a: $(OBJS_tsan)
	rm -f $@ && ar rcs $@ $^

build/brisk: tools/brisk.sh | build
	cp $< $@ && chmod +x $@

demo: all
	@tools/demo.sh
build:
	mkdir -p $@

clean:
	rm -rf build

PREFIX ?= /usr/local
install: lib build/brisk
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 755 build/libbrisk.so $(DESTDIR)$(PREFIX)/lib/libbrisk.so
	install -m 644 build/libbrisk.a $(DESTDIR)$(PREFIX)/lib/libbrisk.a
	install -m 644 include/brisk.h $(DESTDIR)$(PREFIX)/include/brisk.h
	install -m 755 build/brisk $(DESTDIR)$(PREFIX)/bin/brisk
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: brisk\nDescription: fast, safe drop-in malloc\nVersion: 0.1.0\nLibs: -L$${libdir} -lbrisk\nLibs.private: -lpthread\nCflags: -I$${includedir}\n' \
	  '$(PREFIX)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/brisk.pc

-include test/test.mk
-include bench/bench.mk
-include test/real/real.mk
