#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# packaging/mkdeb.sh DEBDIR VERSION MULTIARCH — split the tree that
# `make deb` installed into DEBDIR/root (PREFIX=/usr,
# LIBDIR=/usr/lib/MULTIARCH) into three Debian binary packages, built with
# dpkg-deb alone (no debhelper, no fakeroot: --root-owner-group):
#   libbrisk0      libbrisk.so.VERSION and its soname link libbrisk.so.0
#   libbrisk-dev   brisk.h, libbrisk.a, libbrisk.so, brisk.pc, the CMake
#                  package, brisk(3)
#   brisk          the launcher /usr/bin/brisk, brisk(1), the tracing
#                  library /usr/lib/MULTIARCH/brisk/libbrisk-trace.so and
#                  the report tool /usr/share/brisk/ (brisk trace, report)
# Each gets /usr/share/doc/PKG/{copyright,changelog.gz}; binaries are
# stripped as dh_strip does, man pages compressed with gzip -9n, control
# files from packaging/debian/ (Depends of libbrisk0 by dpkg-shlibdeps when
# it is installed, else from the library's GLIBC_ symbol versions).
# Writes DEBDIR/PKG_VERSION_ARCH.deb and prints their paths.
set -euo pipefail
debdir=$1 version=$2 ma=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$debdir/root
arch=$(dpkg --print-architecture)
lib=usr/lib/$ma
cl=$(sed -n '1s/^brisk (\([^)]*\)).*/\1/p' "$here/debian/changelog")
[[ $cl == "$version" ]] || { echo "mkdeb: packaging/debian/changelog is for $cl, not $version: add an entry" >&2; exit 1; }
[[ -f $root/$lib/libbrisk.so.$version ]] || { echo "mkdeb: $root/$lib/libbrisk.so.$version missing (make deb installs it)" >&2; exit 1; }

# move FILE... from the staged root into package PKG's tree
take() {
  local pkg=$1 f
  shift
  for f in "$@"; do
    mkdir -p "$debdir/$pkg/$(dirname "$f")"
    mv "$root/$f" "$debdir/$pkg/$f"
  done
}
for p in libbrisk0 libbrisk-dev brisk; do rm -rf "${debdir:?}/$p"; done
take libbrisk0 "$lib/libbrisk.so.$version" "$lib/libbrisk.so.0"
take libbrisk-dev usr/include/brisk.h "$lib/libbrisk.a" "$lib/libbrisk.so" \
  "$lib/pkgconfig/brisk.pc" "$lib/cmake/brisk/brisk-config.cmake" \
  "$lib/cmake/brisk/brisk-config-version.cmake" usr/share/man/man3/brisk.3
take brisk usr/bin/brisk usr/share/man/man1/brisk.1 "$lib/brisk/libbrisk-trace.so" \
  usr/share/brisk/brisk_report.py $(cd "$root" && ls -d usr/share/brisk/vendor/*)
rm -f "$root/usr/share/doc/brisk/LICENSE" # Debian: the copyright file says it
left=$(find "$root" -type f -o -type l)
[[ -z $left ]] || { echo "mkdeb: files in no package: $left" >&2; exit 1; }

# stripping as dh_strip does
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
  "$debdir/libbrisk0/$lib/libbrisk.so.$version"
strip --strip-debug --remove-section=.comment --remove-section=.note \
  --enable-deterministic-archives "$debdir/libbrisk-dev/$lib/libbrisk.a"
chmod 644 "$debdir/libbrisk0/$lib/libbrisk.so.$version"
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
  "$debdir/brisk/$lib/brisk/libbrisk-trace.so"
chmod 644 "$debdir/brisk/$lib/brisk/libbrisk-trace.so"

shlibs=""
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  mkdir -p "$tmp/debian"
  printf 'Source: brisk\n\nPackage: libbrisk0\nArchitecture: any\n' >"$tmp/debian/control"
  shlibs=$(cd "$tmp" && dpkg-shlibdeps -O "$OLDPWD/$debdir/libbrisk0/$lib/libbrisk.so.$version" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p') || shlibs=""
  rm -rf "$tmp"
fi
if [[ -z $shlibs ]]; then
  glibc=$(objdump -T "$debdir/libbrisk0/$lib/libbrisk.so.$version" |
    grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
  shlibs="libc6 (>= ${glibc:-2.34})"
fi

# control stanza of PKG from packaging/debian/control, filled in
stanza() {
  awk -v p="$1" 'BEGIN { RS = ""; ORS = "\n" } $0 ~ "(^|\n)Package: " p "\n" { print }' \
    <(grep -v '^#' "$here/debian/control") |
    sed -e "s/@VERSION@/$version/g" -e "s/@ARCH@/$arch/g" -e "s/@SHLIBS@/$shlibs/g"
}

for p in libbrisk0 libbrisk-dev brisk; do
  d=$debdir/$p
  doc=$d/usr/share/doc/$p
  mkdir -p "$doc" "$d/DEBIAN"
  install -m 644 "$here/debian/copyright" "$doc/copyright"
  gzip -9n <"$here/debian/changelog" >"$doc/changelog.gz"
  chmod 644 "$doc/changelog.gz"
  find "$d/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} + 2>/dev/null || true
  size=$(du -k -s --apparent-size --exclude=DEBIAN "$d" | cut -f1)
  { stanza "$p"; echo "Installed-Size: $size"; } >"$d/DEBIAN/control"
  if [[ $p == libbrisk0 ]]; then
    echo "libbrisk 0 libbrisk0 (>= $version)" >"$d/DEBIAN/shlibs"
    echo "activate-noawait ldconfig" >"$d/DEBIAN/triggers"
  fi
  (cd "$d" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
    xargs -0 md5sum) >"$d/DEBIAN/md5sums"
  chmod 644 "$d"/DEBIAN/*
  find "$d" -type d -exec chmod 755 {} +
  out=$debdir/${p}_${version}_${arch}.deb
  dpkg-deb --root-owner-group -Zxz --build "$d" "$out" >/dev/null
  echo "$out"
done
rm -rf "$root"
