# SPDX-License-Identifier: MIT
# tcl.sh — tclsh (dicts, lists, arrays, regexp, lsort, string map) runs
# workload.tcl identically with and without brisk.
source "$(dirname "$0")/lib.sh"
need tclsh
N=100000
((QUICK)) && N=30000
compare tcl tclsh "$HERE/workload.tcl" "$N"
echo "tclsh: identical output ($(wc -l <"$(plain_dir tcl).out") lines)"
