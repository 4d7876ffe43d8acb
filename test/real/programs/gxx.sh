# SPDX-License-Identifier: MIT
# gxx.sh — g++ (cc1plus, as, collect2/ld all run with brisk preloaded)
# compiles a 5-file C++ program (templates, STL, regex, variants); the
# object files must be byte-identical to those g++ makes without brisk,
# and the program (run with and without brisk) must print the same.
source "$(dirname "$0")/lib.sh"
need g++
SRC=$HERE/gxxproj
FILES="main matrix graph text shapes"
build() { # run in the scratch dir: compile each file, then link
  cp "$SRC"/*.cpp "$SRC"/*.hpp . || exit 1
  for f in $FILES; do
    g++ -std=c++17 -O2 -Wall -c "$f.cpp" -o "$f.o" || exit 1
  done
  g++ -O2 -o prog ./*.o || exit 1
  md5sum ./*.o
}
export -f build
export SRC FILES
compare gxx-build bash -c build
a=$(plain_dir gxx-build) b=$(brisk_dir gxx-build)
for f in $FILES; do
  cmp -s "$a/$f.o" "$b/$f.o" || fail "gxx: $f.o differs when g++ runs under brisk"
done
SCALE=2
((QUICK)) && SCALE=1
compare gxx-run-glibc-built "$a/prog" "$SCALE"
compare gxx-run-brisk-built "$b/prog" "$SCALE"
cmp -s "$WORK/gxx-run-glibc-built.plain.out" "$WORK/gxx-run-brisk-built.plain.out" ||
  fail "gxx: the program g++ built under brisk prints something else"
echo "g++: 5 files compiled identically, program output identical ($(tr '\n' ' ' <"$WORK/gxx-run-glibc-built.plain.out"))"
