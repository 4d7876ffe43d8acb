# SPDX-License-Identifier: MIT
# workload.tcl — Tcl workload for the preload test: dicts, lists, strings.
set d [dict create]
for {set i 0} {$i < 100000} {incr i} { dict set d k$i [list $i [string repeat x [expr {$i % 13}]]] }
puts [dict size $d]
set total 0
dict for {k v} $d { incr total [lindex $v 0] }
puts $total
set l {}
for {set i 0} {$i < 100000} {incr i} { lappend l [format w%x [expr {($i * 2654435761) % 1000003}]] }
set s [lsort $l]
puts "[lrange $s 0 4] [lrange $s end-4 end]"
set str [join $s " "]
puts [string length $str]
puts [regexp -all {w1[0-9a-f]{3}\M} $str]
regsub -all {w([0-9a-f])} $str {\1W} str2
puts [string range $str2 0 60]
array set a {}
foreach w $l { incr a([string index $w end]) }
foreach k [lsort [array names a]] { puts -nonewline "$k=$a($k) " }
puts ""
