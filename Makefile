# SPDX-License-Identifier: MIT
# brisk — build.  `make` builds build/libbrisk.so.0 (soname libbrisk.so.0,
# with the development symlink build/libbrisk.so), build/libbrisk.a and the
# launcher build/brisk.  `make install` / `make uninstall` / `make deb`: see
# "install" below.  Variants (each its own object directory; libbrisk.so
# with a libbrisk.so.0 symlink beside it, so that programs linked -lbrisk
# run on a variant through LD_LIBRARY_PATH):
#   build/                release, overrides malloc (the product)
#   build/debug/          -O2 -g, BRISK_DEBUG=1 assertions, overrides malloc
#   build/debugfull/      -O1 -g, assertions + invariant walks (BRISK_DEBUG_FULL)
#   build/nofaststats/    release with BRISK_FAST_STATS=0
#   build/prefix/         release, exports only brisk_* names (no override)
#   build/prefix-debug/   debug, prefix-only (static archive: unit tests)
#   build/tsan/           ThreadSanitizer, prefix-only (static archive)
#   build/ubsan/          UndefinedBehaviorSanitizer, overrides malloc
#   build/hardened/       BRISK_HARDENED=1 (copied to build/libbrisk-hardened.so)
#   build/nochecks/       release with BRISK_SAFE_LINKS=0 (to measure the checks)
#   build/trace/          BRISK_TRACE=1, the tracing library `brisk trace`
#                         preloads (copied to build/libbrisk-trace.so)
# Sources: src/<folder>/<module>.c, folders by concern (docs/design.md):
# core/ (heaps, pages, spans, segments, blocks), os/ (the kernel seam),
# observe/ (event hook, statistics, output), safety/ (mitigations beside
# the heap: guarded samples, ...), api/ (exported functions).
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

# The version lives in include/brisk.h; the soname carries its major number.
VERSION := $(shell sed -n 's/^\#define BRISK_VERSION_STRING "\(.*\)"/\1/p' include/brisk.h)
VERSION_MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libbrisk.so.$(VERSION_MAJOR)

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
VARIANT_hardened_DIR  := build/hardened
VARIANT_hardened_FLAGS := $(OPT) -DBRISK_HARDENED=1
VARIANT_nochecks_DIR  := build/nochecks
VARIANT_nochecks_FLAGS := $(OPT) -DBRISK_SAFE_LINKS=0
VARIANT_trace_DIR     := build/trace
VARIANT_trace_FLAGS   := $(OPT) -DBRISK_TRACE=1
VARIANT_ubsan_DIR     := build/ubsan
VARIANT_ubsan_FLAGS   := -O1 -g -fsanitize=undefined -fno-sanitize-recover=undefined

.PHONY: all lib variants hardened trace clean demo test bench bench-quick soak check-real install uninstall deb
all: lib build/brisk trace

lib: build/libbrisk.so build/libbrisk.a

variants: build/debug/libbrisk.so build/debugfull/libbrisk.so build/nofaststats/libbrisk.so \
  build/debug/$(SONAME) build/debugfull/$(SONAME) build/nofaststats/$(SONAME) build/ubsan/$(SONAME) \
  build/prefix/libbrisk-prefix.a build/prefix/libbrisk-prefix.so \
  build/prefix-debug/libbrisk-prefix.a build/tsan/libbrisk-prefix.a build/ubsan/libbrisk.so \
  build/libbrisk-hardened.so build/hardened/$(SONAME) build/nochecks/libbrisk.so

# $(call variant_rules,NAME)
define variant_rules
$$(VARIANT_$(1)_DIR)/obj/%.o: src/%.c $$(HDRS)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_BASE) $$(VARIANT_$(1)_FLAGS) $$(CFLAGS) -c $$< -o $$@
OBJS_$(1) := $$(patsubst src/%.c,$$(VARIANT_$(1)_DIR)/obj/%.o,$$(SRCS))
endef
VARIANTS := release debug debugfull nofaststats prefix prefixdebug tsan ubsan hardened nochecks trace
$(foreach v,$(VARIANTS),$(eval $(call variant_rules,$(v))))
# The C++ operators (api/newdelete.c) let exceptions from the new handler
# and std::bad_alloc pass through them.
$(foreach v,$(VARIANTS),$(VARIANT_$(v)_DIR)/obj/api/newdelete.o): CFLAGS_BASE += -fexceptions

build/$(SONAME): $(OBJS_release)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,now -Wl,-z,nodelete $(OPT) -o $@ $^ $(LDLIBS_LIB)
build/libbrisk.so: build/$(SONAME)
	ln -sfn $(SONAME) $@
# variants: the soname's file name beside each variant's libbrisk.so
build/%/$(SONAME): build/%/libbrisk.so
	ln -sfn libbrisk.so $@
# libbrisk.a takes its C++ operators from a copy of api/newdelete.c that
# names libstdc++'s symbols strongly (see the file): a static C++ link then
# pulls std::__throw_bad_alloc in from libstdc++.a.
build/obj/api/newdelete-static.o: src/api/newdelete.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -fexceptions $(VARIANT_release_FLAGS) $(CFLAGS) -DBRISK_NEWDELETE_STRONG=1 -c $< -o $@
build/libbrisk.a: $(filter-out build/obj/api/newdelete.o,$(OBJS_release)) build/obj/api/newdelete-static.o
	rm -f $@ && ar rcs $@ $^
build/debug/libbrisk.so: $(OBJS_debug)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,now -o $@ $^ $(LDLIBS_LIB)
build/debugfull/libbrisk.so: $(OBJS_debugfull)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,now -o $@ $^ $(LDLIBS_LIB)
build/nofaststats/libbrisk.so: $(OBJS_nofaststats)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,now -Wl,-z,nodelete -o $@ $^ $(LDLIBS_LIB)
# The hardened variant (BRISK_HARDENED preset, docs/security.md), and the
# default build with its always-on checks compiled out (to measure them).
hardened: build/libbrisk-hardened.so build/hardened/$(SONAME)
build/hardened/libbrisk.so: $(OBJS_hardened)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,now -Wl,-z,nodelete $(OPT) -o $@ $^ $(LDLIBS_LIB)
build/libbrisk-hardened.so: build/hardened/libbrisk.so
	cp $< $@
# The tracing library (observe/tracefile.h) and the report tool beside the
# launcher: `brisk trace` and `brisk report` (docs/report.md).
REPORT_FILES := $(patsubst tools/%,build/%,$(wildcard tools/brisk_report.py)) $(patsubst tools/vendor/%,build/vendor/%,$(wildcard tools/vendor/*))
trace: build/libbrisk-trace.so $(REPORT_FILES)
build/trace/libbrisk.so: $(OBJS_trace)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,now -Wl,-z,nodelete $(OPT) -o $@ $^ $(LDLIBS_LIB)
build/libbrisk-trace.so: build/trace/libbrisk.so
	cp $< $@
build/brisk_report.py: tools/brisk_report.py | build
	cp $< $@
build/vendor/%: tools/vendor/%
	@mkdir -p $(@D)
	cp $< $@
build/nochecks/libbrisk.so: $(OBJS_nochecks)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,now -Wl,-z,nodelete $(OPT) -o $@ $^ $(LDLIBS_LIB)
build/prefix-debug/libbrisk-prefix.a: $(OBJS_prefixdebug)
	rm -f $@ && ar rcs $@ $^
build/ubsan/libbrisk.so: $(OBJS_ubsan)
	$(CC) -shared -fsanitize=undefined -Wl,-soname,$(SONAME) -o $@ $^ $(LDLIBS_LIB)
build/prefix/libbrisk-prefix.a: $(OBJS_prefix)
	rm -f $@ && ar rcs $@ $^
build/prefix/libbrisk-prefix.so: $(OBJS_prefix)
	$(CC) -shared -o $@ $^ $(LDLIBS_LIB)
build/tsan/libbrisk-prefix.a: $(OBJS_tsan)
	rm -f $@ && ar rcs $@ $^

build/brisk: tools/brisk.sh include/brisk.h | build
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@SONAME@/$(SONAME)/' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

demo: all
	@tools/demo.sh
build:
	mkdir -p $@

clean:
	rm -rf build

# ------------------------------------------------------------------ install
#   make install   PREFIX=/usr/local DESTDIR= LIBDIR=$(PREFIX)/lib (set it to
#                  e.g. /usr/lib/x86_64-linux-gnu for multiarch) INCLUDEDIR=
#                  BINDIR= MANDIR= DOCDIR= PKGCONFIGDIR= CMAKEDIR= DATADIR=
#   make uninstall the same variables: removes exactly the files install
#                  wrote, and its own directories (cmake/brisk, doc/brisk,
#                  LIBDIR/brisk, DATADIR/brisk)
#   make deb       build/deb/{libbrisk0,libbrisk-dev,brisk}_VERSION_ARCH.deb
#                  (packaging/mkdeb.sh; DEBDIR= to put them elsewhere)
# Installed: libbrisk.so.VERSION, the soname link libbrisk.so.0 and the
# development link libbrisk.so; libbrisk.a; brisk.h; the launcher brisk;
# brisk(1) and brisk(3); brisk.pc; the CMake package (brisk::brisk,
# brisk::static); LICENSE; for `brisk trace` the tracing library in a
# directory of its own, LIBDIR/brisk/libbrisk-trace.so (it carries the
# soname libbrisk.so.0, so it must stay out of ldconfig's directories),
# and for `brisk report` the report tool and the chart library it inlines
# in DATADIR/brisk (brisk_report.py, vendor/).  The pkg-config and CMake
# files find their directories relative to themselves where they can, so a
# DESTDIR tree is usable in place (PKG_CONFIG_SYSROOT_DIR,
# CMAKE_PREFIX_PATH).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/brisk
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/brisk
DATADIR ?= $(PREFIX)/share
TRACELIBDIR = $(LIBDIR)/brisk
REPORTDIR = $(DATADIR)/brisk
VENDOR_FILES := $(notdir $(wildcard tools/vendor/*))

INSTALL_FILES = $(LIBDIR)/libbrisk.so.$(VERSION) $(LIBDIR)/$(SONAME) $(LIBDIR)/libbrisk.so \
  $(LIBDIR)/libbrisk.a $(INCLUDEDIR)/brisk.h $(BINDIR)/brisk \
  $(MANDIR)/man1/brisk.1 $(MANDIR)/man3/brisk.3 $(PKGCONFIGDIR)/brisk.pc \
  $(CMAKEDIR)/brisk-config.cmake $(CMAKEDIR)/brisk-config-version.cmake $(DOCDIR)/LICENSE \
  $(TRACELIBDIR)/libbrisk-trace.so $(REPORTDIR)/brisk_report.py \
  $(addprefix $(REPORTDIR)/vendor/,$(VENDOR_FILES))
# ${prefix}-relative forms for brisk.pc; paths relative to the launcher and
# to the CMake files (realpath -m: the directories need not exist yet).
pc_dir = $(if $(filter $(PREFIX)/%,$(1)),$${prefix}$(patsubst $(PREFIX)%,%,$(1)),$(1))
rel_path = $(shell realpath -m --relative-to='$(1)' '$(2)')

install: lib build/brisk trace
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(TRACELIBDIR) \
	  $(DESTDIR)$(REPORTDIR)/vendor
	install -m 644 build/libbrisk-trace.so $(DESTDIR)$(TRACELIBDIR)/libbrisk-trace.so
	install -m 755 build/brisk_report.py $(DESTDIR)$(REPORTDIR)/brisk_report.py
	install -m 644 $(addprefix build/vendor/,$(VENDOR_FILES)) $(DESTDIR)$(REPORTDIR)/vendor/
	install -m 755 build/$(SONAME) $(DESTDIR)$(LIBDIR)/libbrisk.so.$(VERSION)
	ln -sfn libbrisk.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libbrisk.so
	install -m 644 build/libbrisk.a $(DESTDIR)$(LIBDIR)/libbrisk.a
	install -m 644 include/brisk.h $(DESTDIR)$(INCLUDEDIR)/brisk.h
	sed -e 's|^rel_libdir=.*|rel_libdir=$(call rel_path,$(BINDIR),$(LIBDIR))|' \
	  -e 's|^rel_reportdir=.*|rel_reportdir=$(call rel_path,$(BINDIR),$(REPORTDIR))|' build/brisk \
	  > $(DESTDIR)$(BINDIR)/brisk && chmod 755 $(DESTDIR)$(BINDIR)/brisk
	install -m 644 docs/man/brisk.1 $(DESTDIR)$(MANDIR)/man1/brisk.1
	install -m 644 docs/man/brisk.3 $(DESTDIR)$(MANDIR)/man3/brisk.3
	install -m 644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE
	packaging/subst.sh packaging/brisk.pc.in VERSION='$(VERSION)' PREFIX='$(PREFIX)' \
	  LIBDIR='$(call pc_dir,$(LIBDIR))' INCLUDEDIR='$(call pc_dir,$(INCLUDEDIR))' \
	  > $(DESTDIR)$(PKGCONFIGDIR)/brisk.pc
	packaging/subst.sh packaging/brisk-config.cmake.in VERSION='$(VERSION)' \
	  REL_LIBDIR='$(call rel_path,$(CMAKEDIR),$(LIBDIR))' \
	  REL_INCLUDEDIR='$(call rel_path,$(CMAKEDIR),$(INCLUDEDIR))' \
	  > $(DESTDIR)$(CMAKEDIR)/brisk-config.cmake
	packaging/subst.sh packaging/brisk-config-version.cmake.in VERSION='$(VERSION)' \
	  > $(DESTDIR)$(CMAKEDIR)/brisk-config-version.cmake
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/brisk.pc $(DESTDIR)$(CMAKEDIR)/*.cmake

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	rmdir $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(TRACELIBDIR) \
	  $(DESTDIR)$(REPORTDIR)/vendor $(DESTDIR)$(REPORTDIR) 2>/dev/null || true

# Debian packages (dpkg-deb; no debhelper needed): staged by `make install`
# into $(DEBDIR)/root with the Debian layout, then split by mkdeb.sh.
DEBDIR ?= build/deb
DEB_MULTIARCH = $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch)
deb: lib build/brisk trace
	rm -rf $(DEBDIR)/root
	$(MAKE) --no-print-directory install DESTDIR='$(abspath $(DEBDIR))/root' PREFIX=/usr \
	  LIBDIR=/usr/lib/$(DEB_MULTIARCH) DOCDIR=/usr/share/doc/brisk
	packaging/mkdeb.sh '$(DEBDIR)' '$(VERSION)' '$(DEB_MULTIARCH)'

-include test/test.mk
-include bench/bench.mk
-include test/real/real.mk
-include test/region/region.mk
-include examples/examples.mk
