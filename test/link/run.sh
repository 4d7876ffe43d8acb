#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test/link/run.sh ITEM — packaging and linking: every way of adopting
# brisk must put a real program on brisk, checked by the program itself
# (brisk's statistics count its allocations; dladdr says where malloc and
# operator new come from), never assumed.  test/run.sh runs each ITEM as
# link/ITEM.  Scratch trees live in build/test/link.XXXXXX (removed at exit).
#
#   version    soname libbrisk.so.MAJOR and the dev symlink (also beside
#              each variant), brisk --version / --help, brisk_version()
#              and the BRISK_VERSION_* macros, LICENSE
#   manpages   brisk(1) and brisk(3) format without a groff warning and
#              carry the version
#   aslink     `make install DESTDIR PREFIX=/usr LIBDIR=/usr/lib/MULTIARCH`;
#              C (allocating only in strdup/stdio) and C++ (only new/delete)
#              programs linked with --as-needed and `pkg-config --libs
#              brisk` run on the installed libbrisk (a plain -lbrisk link of
#              the C program must not: that shows the program can tell)
#   static     cc -static / c++ -static with `pkg-config --static --libs
#              brisk` run on brisk's malloc (statistics table at exit,
#              bad_alloc thrown); a plain -lbrisk static link must not
#   cmake      find_package(brisk) from the scratch install: brisk::brisk
#              (C, C++) and brisk::static; a newer major is refused
#   install    install -> use (pkg-config, launcher) -> uninstall, in a
#              DESTDIR holding other packages' files: the tree is exactly
#              as before; the installed files are exactly the documented
#              ones; also a prefix of its own (/opt/brisk) left empty
#   deb        make deb: dpkg-deb --contents lists the expected files,
#              control fields, dpkg -x into a scratch root where a program
#              builds and runs on brisk (and the launcher works), lintian
#              reports no error (E:)
#   cxxops V   test/link/cxx_ops.cpp against variant V (release, debug,
#              ubsan): every operator form, bad_alloc, new handler, nothrow
#   cxxmisuse  sized delete with a size larger than the block, on an array,
#              and a double delete abort with exactly one brisk: line
#
# Exit status: 0 pass, 1 fail, 77 skipped (a tool is missing and this is not
# root, or apt-get could not install it; the last line names the Debian
# package).  As root a missing package is installed with apt-get, as
# .ci/run does.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
unset MAKEFLAGS MFLAGS MAKELEVEL
export LC_ALL=C
ITEM=${1:?usage: test/link/run.sh ITEM [ARG]}
mkdir -p build/test
W=$(mktemp -d "$ROOT/build/test/link.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT
VERSION=$(sed -n 's/^#define BRISK_VERSION_STRING "\(.*\)"/\1/p' include/brisk.h)
MAJOR=${VERSION%%.*}
MA=$(gcc -print-multiarch)
CC=${CC:-gcc}
CXX=${CXX:-g++}

fail() {
  echo "FAILED: $*"
  exit 1
}
note() { echo "-- $*"; }

# need COMMAND PACKAGE — COMMAND must be on PATH: as root, install PACKAGE
# (apt-get, serialised with a lock); otherwise skip this item.
need() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    note "installing $pkg (for $cmd)"
    (
      flock 8
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 "$pkg" ||
        { apt-get update && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 "$pkg"; }
    ) 8>"$ROOT/build/test/.apt.lock" >"$W/apt.log" 2>&1 || tail -n 5 "$W/apt.log"
    command -v "$cmd" >/dev/null 2>&1 && return 0
    echo "SKIP: needs Debian package $pkg ($cmd not found; apt-get install $pkg failed)"
    exit 77
  fi
  echo "SKIP: needs Debian package $pkg ($cmd not found; not root, not installing)"
  exit 77
}

# install_tree DESTDIR MAKEVAR=... — make install into a scratch root
install_tree() {
  local d=$1
  shift
  make -s --no-print-directory install DESTDIR="$d" "$@" >"$W/install.log" 2>&1 ||
    { cat "$W/install.log"; fail "make install DESTDIR=$d $*"; }
}

# pc ROOT LIBDIR ARGS... — pkg-config on the brisk.pc of a scratch root
pc() {
  local r=$1 l=$2
  shift 2
  PKG_CONFIG_SYSROOT_DIR=$r PKG_CONFIG_LIBDIR=$r$l/pkgconfig pkg-config "$@"
}

# on_brisk NAME WANT_MALLOC CMD... — CMD (test/link/prog.c or prog.cpp)
# must exit 0 and say so; with WANT_MALLOC, malloc must come from that file
on_brisk() {
  local name=$1 want=$2 out rc
  shift 2
  out=$("$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | prefix "$name"
  [[ $rc == 0 ]] || fail "$name: exit $rc (3 = not on brisk)"
  grep -q '^on brisk: ' <<<"$out" || fail "$name: no 'on brisk' line"
  if [[ -n $want ]]; then
    local got
    got=$(sed -n 's/^malloc from: //p' <<<"$out")
    [[ -n $got && $(realpath "$got") == $(realpath "$want") ]] ||
      fail "$name: malloc from '$got', want $want"
    if grep -q '^operator new from: ' <<<"$out"; then
      got=$(sed -n 's/^operator new from: //p' <<<"$out")
      [[ $(realpath "$got") == $(realpath "$want") ]] ||
        fail "$name: operator new from '$got', want $want"
    fi
  fi
  if grep -q '^version: ' <<<"$out"; then
    [[ $(sed -n 's/^version: //p' <<<"$out") == "$VERSION" ]] || fail "$name: brisk_version() is not $VERSION"
  fi
}

# not_on_brisk NAME CMD... — the control: CMD must exit 3 (not on brisk)
not_on_brisk() {
  local name=$1 rc
  shift
  "$@" >"$W/ctl.out" 2>&1
  rc=$?
  prefix "$name" <"$W/ctl.out"
  [[ $rc == 3 ]] || fail "$name: exit $rc, want 3 (the control link should leave it on glibc's malloc)"
}

prefix() { # prefix NAME — indent stdin, each line tagged "NAME| "
  local l
  while IFS= read -r l; do printf '   %s| %s\n' "$1" "$l"; done
}

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }

item_version() {
  local so=build/libbrisk.so.$MAJOR out
  [[ -f $so && ! -L $so ]] || fail "$so is not a file"
  [[ -L build/libbrisk.so && $(readlink build/libbrisk.so) == "libbrisk.so.$MAJOR" ]] ||
    fail "build/libbrisk.so is not a symlink to libbrisk.so.$MAJOR"
  readelf -d "$so" | grep -q "(SONAME).*\[libbrisk.so.$MAJOR\]" || fail "soname of $so is not libbrisk.so.$MAJOR"
  note "$so: soname libbrisk.so.$MAJOR; build/libbrisk.so -> $(readlink build/libbrisk.so)"
  local v
  for v in debug debugfull nofaststats ubsan; do
    [[ -f build/$v/libbrisk.so ]] || continue
    [[ $(realpath "build/$v/libbrisk.so.$MAJOR") == $(realpath "build/$v/libbrisk.so") ]] ||
      fail "build/$v/libbrisk.so.$MAJOR does not name build/$v/libbrisk.so"
  done
  out=$(build/brisk --version 2>"$W/err") || fail "brisk --version: exit $?"
  [[ $(head -n 1 <<<"$out") == "brisk $VERSION" && ! -s $W/err ]] ||
    fail "brisk --version printed '$out' (stderr: $(cat "$W/err"))"
  note "brisk --version: $(tr '\n' ' ' <<<"$out")"
  out=$(build/brisk --help 2>"$W/err") || fail "brisk --help: exit $?"
  [[ $out == *"usage: brisk run"* && ! -s $W/err ]] || fail "brisk --help: '$out'"
  build/brisk >/dev/null 2>"$W/err"
  [[ $? == 2 && -s $W/err ]] || fail "brisk without arguments: want exit 2 and usage on stderr"
  cat >"$W/v.c" <<'EOF'
#include <brisk.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  char s[32];
  snprintf(s, sizeof s, "%d.%d.%d", BRISK_VERSION_MAJOR, BRISK_VERSION_MINOR, BRISK_VERSION_PATCH);
  if (strcmp(s, BRISK_VERSION_STRING)) return 1;
  if (BRISK_VERSION != BRISK_VERSION_MAJOR * 10000 + BRISK_VERSION_MINOR * 100 + BRISK_VERSION_PATCH) return 1;
  printf("%s %s\n", BRISK_VERSION_STRING, brisk_version());
  return strcmp(brisk_version(), BRISK_VERSION_STRING) != 0;
}
EOF
  $CC -Iinclude "$W/v.c" -Lbuild -lbrisk -Wl,-rpath,"$ROOT/build" -o "$W/v" || fail "compile v.c"
  out=$("$W/v") || fail "brisk_version() / macros disagree: $out"
  [[ $out == "$VERSION $VERSION" ]] || fail "brisk_version(): '$out', want $VERSION"
  note "BRISK_VERSION_STRING and brisk_version(): $out"
  grep -q '^MIT License' LICENSE || fail "LICENSE is not the MIT license"
  echo "version: ok"
}

item_manpages() {
  need groff groff-base
  local m
  for m in docs/man/brisk.1 docs/man/brisk.3; do
    groff -man -ww -z -t "$m" 2>"$W/groff.err" || fail "groff $m: exit $?"
    [[ ! -s $W/groff.err ]] || { cat "$W/groff.err"; fail "groff warnings in $m"; }
    grep -q "^\.TH BRISK [13] .*\"brisk $VERSION\"" "$m" || fail "$m: .TH does not carry brisk $VERSION"
    groff -man -Tascii -P-cbou -t "$m" 2>/dev/null | grep -q '^NAME' || fail "$m: no NAME section rendered"
    note "$m: formats cleanly"
  done
  echo "manpages: ok"
}

item_aslink() {
  need pkg-config pkg-config
  need "$CXX" g++
  local D=$W/root L=/usr/lib/$MA
  install_tree "$D" PREFIX=/usr LIBDIR="$L"
  local lib=$D$L/libbrisk.so.$VERSION flags
  [[ $(pc "$D" "$L" --modversion brisk) == "$VERSION" ]] || fail "pkg-config --modversion brisk is not $VERSION"
  flags=$(pc "$D" "$L" --cflags --libs brisk)
  note "pkg-config --cflags --libs brisk: $flags"
  # the control: plain -lbrisk under --as-needed drops libbrisk
  $CC -Wl,--as-needed test/link/prog.c -I"$D/usr/include" -L"$D$L" -lbrisk -o "$W/ctl" ||
    fail "compile control"
  note "control (-lbrisk, --as-needed): NEEDED $(needed "$W/ctl")"
  not_on_brisk control env LD_LIBRARY_PATH="$D$L" "$W/ctl"
  # shellcheck disable=SC2086
  $CC -Wl,--as-needed test/link/prog.c $flags -o "$W/prog" || fail "compile prog.c with pkg-config flags"
  note "prog.c: NEEDED $(needed "$W/prog")"
  on_brisk prog.c "$lib" env LD_LIBRARY_PATH="$D$L" "$W/prog"
  # shellcheck disable=SC2086
  $CXX -Wl,--as-needed test/link/prog.cpp $flags -o "$W/progxx" || fail "compile prog.cpp with pkg-config flags"
  note "prog.cpp: NEEDED $(needed "$W/progxx")"
  on_brisk prog.cpp "$lib" env LD_LIBRARY_PATH="$D$L" "$W/progxx"
  echo "aslink: ok"
}

item_static() {
  need pkg-config pkg-config
  need "$CXX" g++
  local D=$W/root L=/usr/lib/$MA flags
  install_tree "$D" PREFIX=/usr LIBDIR="$L"
  flags=$(pc "$D" "$L" --static --cflags --libs brisk)
  note "pkg-config --static --cflags --libs brisk: $flags"
  $CC -static -DLINK_STATIC test/link/prog.c -I"$D/usr/include" -L"$D$L" -lbrisk -o "$W/ctl" 2>"$W/cc.err" ||
    { cat "$W/cc.err"; fail "compile static control"; }
  not_on_brisk "control (-static -lbrisk)" "$W/ctl"
  # shellcheck disable=SC2086
  $CC -static -DLINK_STATIC test/link/prog.c $flags -o "$W/prog" 2>"$W/cc.err" ||
    { cat "$W/cc.err"; fail "compile static prog.c"; }
  readelf -l "$W/prog" | grep -q INTERP && fail "prog is not a static binary"
  on_brisk "prog.c -static" "" "$W/prog"
  BRISK_STATS=1 "$W/prog" >/dev/null 2>"$W/stats" || fail "BRISK_STATS=1 run failed"
  grep -q '^brisk: heap statistics' "$W/stats" || fail "no statistics table from the static binary"
  note "BRISK_STATS=1: $(grep -m1 allocations "$W/stats")"
  # shellcheck disable=SC2086
  $CXX -static -DLINK_STATIC test/link/prog.cpp $flags -o "$W/progxx" 2>"$W/cc.err" ||
    { cat "$W/cc.err"; fail "compile static prog.cpp"; }
  on_brisk "prog.cpp -static" "" "$W/progxx"
  echo "static: ok"
}

item_cmake() {
  need cmake cmake
  need "$CXX" g++
  local D=$W/root L=/usr/lib/$MA B=$W/build
  install_tree "$D" PREFIX=/usr LIBDIR="$L"
  cmake -S test/link/cmake -B "$B" -DCMAKE_PREFIX_PATH="$D/usr" -DEXPECT_VERSION="$VERSION" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$W/cmake.log" 2>&1 || { cat "$W/cmake.log"; fail "cmake configure"; }
  grep 'brisk .* from' "$W/cmake.log" | prefix cmake
  cmake --build "$B" -j 2 >"$W/build.log" 2>&1 || { cat "$W/build.log"; fail "cmake --build"; }
  note "prog_c: NEEDED $(needed "$B/prog_c")"
  on_brisk "cmake prog_c (brisk::brisk)" "$D$L/libbrisk.so.$VERSION" env LD_LIBRARY_PATH="$D$L" "$B/prog_c"
  on_brisk "cmake prog_cxx (brisk::brisk)" "$D$L/libbrisk.so.$VERSION" env LD_LIBRARY_PATH="$D$L" "$B/prog_cxx"
  [[ $(needed "$B/prog_c_static") != *libbrisk* ]] || fail "prog_c_static needs libbrisk.so"
  on_brisk "cmake prog_c_static (brisk::static)" "$B/prog_c_static" "$B/prog_c_static"
  echo "cmake: ok"
}

listing() { (cd "$1" && find . -printf '%y %p %l\n' | sed 's/ $//' | sort); }

# installed_trace_report LAUNCHER TRACELIB — `brisk trace` runs a program
# on the installed tracing library and `brisk report` (the installed tool,
# its chart library beside it) reads the trace: 100 allocations of 100
# bytes, 50 freed, found in the JSON and written as HTML.
installed_trace_report() {
  local b=$1 tlib=$2 got
  need python3 python3
  printf '%s\n' '#include <stdlib.h>' '#include <string.h>' \
    'int main(void) {' '  void *k[100];' \
    '  for (int i = 0; i < 100; i++) { k[i] = malloc(100); memset(k[i], 1, 100); }' \
    '  for (int i = 0; i < 50; i++) free(k[i]);' '  return 0;' '}' >"$W/leaky.c"
  $CC -O0 -o "$W/leaky" "$W/leaky.c" || fail "compile leaky.c"
  (cd "$W" && "$b" trace -o "$W/leaky.trace" -- "$W/leaky") || fail "installed brisk trace"
  (cd "$W" && "$b" trace -o "$W/maps.trace" -- cat /proc/self/maps) | grep -q -- "$tlib" ||
    fail "brisk trace did not preload the installed $tlib"
  got=$("$b" report "$W/leaky.trace" --json | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["allocations"], d["frees"], d["leaked_blocks"], d["leaked_bytes"])') ||
    fail "installed brisk report --json"
  [[ $got == "100 50 50 5000" ]] || fail "installed brisk report: allocations frees leaked_blocks leaked_bytes = $got, want 100 50 50 5000"
  "$b" report "$W/leaky.trace" -o "$W/leaky.html" >/dev/null || fail "installed brisk report -o html"
  grep -q 'echarts' "$W/leaky.html" || fail "the installed report's HTML lacks its chart library"
  note "installed brisk trace + report: $got (allocations frees leaked blocks bytes), HTML $(wc -c <"$W/leaky.html") bytes"
}

item_install() {
  need pkg-config pkg-config
  local D=$W/sys L=/usr/lib/$MA f
  # a tree where other packages already live in every directory brisk uses
  for f in "$L/libother.so.1" "$L/pkgconfig/other.pc" "$L/cmake/other/other-config.cmake" \
    usr/include/other.h usr/bin/other usr/share/man/man1/other.1 usr/share/man/man3/other.3 \
    usr/share/doc/other/copyright; do
    mkdir -p "$D/$(dirname "${f#/}")"
    echo other >"$D/${f#/}"
  done
  listing "$D" >"$W/before"
  install_tree "$D" PREFIX=/usr LIBDIR="$L"
  listing "$D" >"$W/after-install"
  comm -13 "$W/before" "$W/after-install" | sed 's/^[a-z] //' | sort >"$W/added"
  cat >"$W/expected" <<EOF
.$L/cmake/brisk
.$L/cmake/brisk/brisk-config-version.cmake
.$L/cmake/brisk/brisk-config.cmake
.$L/libbrisk.a
.$L/libbrisk.so libbrisk.so.$MAJOR
.$L/libbrisk.so.$MAJOR libbrisk.so.$VERSION
.$L/libbrisk.so.$VERSION
.$L/pkgconfig/brisk.pc
./usr/bin/brisk
./usr/include/brisk.h
./usr/share/doc/brisk
./usr/share/doc/brisk/LICENSE
./usr/share/man/man1/brisk.1
./usr/share/man/man3/brisk.3
.$L/brisk
.$L/brisk/libbrisk-trace.so
./usr/share/brisk
./usr/share/brisk/brisk_report.py
./usr/share/brisk/vendor
./usr/share/brisk/vendor/LICENSE-echarts
./usr/share/brisk/vendor/README.md
./usr/share/brisk/vendor/echarts.min.js
EOF
  sort -o "$W/expected" "$W/expected"
  diff "$W/expected" "$W/added" >"$W/diff" || { cat "$W/diff"; fail "make install wrote other files than expected (< expected, > written)"; }
  comm -23 "$W/before" "$W/after-install" | grep -q . && fail "make install changed other packages' files"
  note "installed exactly the $(wc -l <"$W/added") expected entries"
  # use: a program linked through pkg-config, and the installed launcher
  # shellcheck disable=SC2046
  $CC test/link/prog.c $(pc "$D" "$L" --cflags --libs brisk) -o "$W/prog" || fail "compile against the install"
  on_brisk "installed -lbrisk" "$D$L/libbrisk.so.$VERSION" env LD_LIBRARY_PATH="$D$L" "$W/prog"
  $CC -Iinclude test/link/prog.c -o "$W/plain" -ldl || fail "compile plain prog.c"
  not_on_brisk "plain prog.c" "$W/plain"
  on_brisk "installed launcher" "$D$L/libbrisk.so.$VERSION" "$D/usr/bin/brisk" run -- "$W/plain"
  installed_trace_report "$D/usr/bin/brisk" "$D$L/brisk/libbrisk-trace.so"
  make -s --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr LIBDIR="$L" >"$W/un.log" 2>&1 ||
    { cat "$W/un.log"; fail "make uninstall"; }
  listing "$D" >"$W/after-uninstall"
  diff "$W/before" "$W/after-uninstall" >"$W/diff" ||
    { cat "$W/diff"; fail "the tree after uninstall differs from before install (< before, > after)"; }
  note "uninstall: the tree is exactly as before (other packages' files kept)"
  # a prefix of its own: nothing but empty directories remains
  D=$W/opt
  install_tree "$D" PREFIX=/opt/brisk
  [[ -f $D/opt/brisk/lib/libbrisk.so.$VERSION && -f $D/opt/brisk/lib/pkgconfig/brisk.pc ]] ||
    fail "PREFIX=/opt/brisk: files not under /opt/brisk/lib"
  on_brisk "launcher in /opt/brisk" "$D/opt/brisk/lib/libbrisk.so.$VERSION" "$D/opt/brisk/bin/brisk" run -- "$W/plain"
  make -s --no-print-directory uninstall DESTDIR="$D" PREFIX=/opt/brisk >"$W/un.log" 2>&1 ||
    { cat "$W/un.log"; fail "make uninstall PREFIX=/opt/brisk"; }
  left=$(find "$D" ! -type d)
  [[ -z $left ]] || fail "left after uninstall: $left"
  note "PREFIX=/opt/brisk: install, use, uninstall leaves no file"
  echo "install: ok"
}

item_deb() {
  need dpkg-deb dpkg
  need lintian lintian
  need pkg-config pkg-config
  local O=$W/deb X=$W/x L=/usr/lib/$MA arch p f
  arch=$(dpkg --print-architecture)
  make -s --no-print-directory deb DEBDIR="$O" >"$W/deb.log" 2>&1 || { cat "$W/deb.log"; fail "make deb"; }
  declare -A want
  want[libbrisk0]=".$L/libbrisk.so.$VERSION
.$L/libbrisk.so.$MAJOR -> libbrisk.so.$VERSION"
  want[libbrisk-dev]="./usr/include/brisk.h
.$L/libbrisk.a
.$L/libbrisk.so -> libbrisk.so.$MAJOR
.$L/pkgconfig/brisk.pc
.$L/cmake/brisk/brisk-config.cmake
.$L/cmake/brisk/brisk-config-version.cmake
./usr/share/man/man3/brisk.3.gz"
  want[brisk]="./usr/bin/brisk
./usr/share/man/man1/brisk.1.gz
.$L/brisk/libbrisk-trace.so
./usr/share/brisk/brisk_report.py
./usr/share/brisk/vendor/LICENSE-echarts
./usr/share/brisk/vendor/README.md
./usr/share/brisk/vendor/echarts.min.js"
  for p in libbrisk0 libbrisk-dev brisk; do
    f=$O/${p}_${VERSION}_${arch}.deb
    [[ -f $f ]] || fail "make deb did not write $f"
    { printf '%s\n' "${want[$p]}" "./usr/share/doc/$p/copyright" "./usr/share/doc/$p/changelog.gz"; } |
      sort >"$W/want.$p"
    dpkg-deb --contents "$f" | awk '$1 !~ /^d/ { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' |
      sort >"$W/got.$p"
    diff "$W/want.$p" "$W/got.$p" >"$W/diff" || { cat "$W/diff"; fail "$p: dpkg-deb --contents differs (< expected, > in the package)"; }
    [[ $(dpkg-deb -f "$f" Package) == "$p" && $(dpkg-deb -f "$f" Version) == "$VERSION" &&
      $(dpkg-deb -f "$f" Architecture) == "$arch" ]] || fail "$p: control fields"
    note "$p: $(wc -l <"$W/got.$p") files as expected; Depends: $(dpkg-deb -f "$f" Depends)"
    dpkg -x "$f" "$X" || fail "dpkg -x $f"
  done
  [[ $(dpkg-deb -f "$O/libbrisk0_${VERSION}_${arch}.deb" Depends) == libc6* ]] || fail "libbrisk0 does not depend on libc6"
  [[ $(dpkg-deb -f "$O/libbrisk-dev_${VERSION}_${arch}.deb" Depends) == "libbrisk0 (= $VERSION)" ]] ||
    fail "libbrisk-dev does not depend on libbrisk0 (= $VERSION)"
  # shellcheck disable=SC2046
  $CC test/link/prog.c $(pc "$X" "$L" --cflags --libs brisk) -o "$W/prog" || fail "compile against the unpacked packages"
  on_brisk "prog.c on the .deb files" "$X$L/libbrisk.so.$VERSION" env LD_LIBRARY_PATH="$X$L" "$W/prog"
  [[ $("$X/usr/bin/brisk" --version | head -n 1) == "brisk $VERSION" ]] || fail "unpacked brisk --version"
  $CC -Iinclude test/link/prog.c -o "$W/plain" -ldl || fail "compile plain prog.c"
  on_brisk "unpacked launcher" "$X$L/libbrisk.so.$VERSION" "$X/usr/bin/brisk" run -- "$W/plain"
  installed_trace_report "$X/usr/bin/brisk" "$X$L/brisk/libbrisk-trace.so"
  lintian --tag-display-limit 0 "$O"/*.deb >"$W/lintian" 2>&1
  prefix lintian <"$W/lintian"
  grep -q '^E: ' "$W/lintian" && fail "lintian reports errors"
  note "lintian: $(grep -c '^E: ' "$W/lintian") errors, $(grep -c '^W: ' "$W/lintian") warnings"
  echo "deb: ok"
}

cxx_bin() { # builds $W/cxx_ops linked -lbrisk against build/ (RUNPATH)
  need "$CXX" g++
  $CXX -std=c++17 -O1 -g -Wall -Wextra -Wno-use-after-free -pthread -Iinclude test/link/cxx_ops.cpp \
    -Lbuild -Wl,--no-as-needed -lbrisk -Wl,--as-needed -Wl,-rpath,"$ROOT/build" -o "$W/cxx_ops" ||
    fail "compile cxx_ops.cpp"
}

item_cxxops() {
  local v=${1:-release} d=build
  [[ $v == release ]] || d=build/$v
  [[ -f $d/libbrisk.so ]] || fail "$d/libbrisk.so missing (make variants)"
  cxx_bin
  LD_LIBRARY_PATH="$ROOT/$d" LINK_EXPECT_LIB="$ROOT/$d/libbrisk.so" \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$W/cxx_ops" || fail "cxx_ops on $v: exit $?"
}

item_cxxmisuse() {
  cxx_bin
  local m re rc ptr line
  for m in sized-small sized-array double-delete; do
    case $m in
      sized-*) re='^brisk: sized delete: size does not match the block \(pointer PTR\)$' ;;
      double-delete) re='^brisk: double free \(pointer PTR\)$' ;;
    esac
    (LINK_EXPECT_LIB="$ROOT/build/libbrisk.so" "$W/cxx_ops" "$m" >"$W/out" 2>"$W/err"; exit $?) 2>/dev/null
    rc=$?
    ptr=$(sed -n 's/^PTR=//p' "$W/out")
    re=${re//PTR/$ptr}
    line=$(head -n 1 "$W/err")
    [[ $rc == 134 ]] || fail "$m: exit $rc, want SIGABRT (stderr: $line)"
    [[ $(wc -l <"$W/err") == 1 ]] && grep -Eq -- "$re" <<<"$line" ||
      fail "$m: stderr '$(cat "$W/err")', want one line /$re/"
    note "$m: $line"
  done
  echo "cxxmisuse: ok"
}

case $ITEM in
  version | manpages | aslink | static | cmake | install | deb | cxxops | cxxmisuse)
    "item_$ITEM" "${@:2}" ;;
  *) echo "unknown item $ITEM" >&2; exit 2 ;;
esac
