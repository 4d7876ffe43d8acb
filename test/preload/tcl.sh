# SPDX-License-Identifier: MIT
# tcl.sh — tclsh runs workload.tcl identically with and without brisk.
source "$(dirname "$0")/lib.sh"
need tclsh
compare tcl tclsh "$HERE/workload.tcl"
echo ok
