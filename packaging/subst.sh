#!/bin/sh
# SPDX-License-Identifier: MIT
# packaging/subst.sh TEMPLATE KEY=VALUE... — TEMPLATE on stdout with every
# @KEY@ replaced by VALUE (used by `make install` for brisk.pc and the
# CMake package files).  Values may hold any character but newline.
set -eu
t=$1
shift
script=""
for kv in "$@"; do
  k=${kv%%=*}
  v=$(printf '%s' "${kv#*=}" | sed 's/[\\|&]/\\&/g')
  script="$script;s|@$k@|$v|g"
done
sed -e "${script#;}" "$t"
