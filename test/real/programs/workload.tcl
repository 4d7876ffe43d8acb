# SPDX-License-Identifier: MIT
# workload.tcl — allocation-heavy Tcl: dicts, lists, arrays, string ops,
# regexp/regsub, lsort, string maps, nested structures, format.
set n [expr {[llength $argv] ? [lindex $argv 0] : 100000}]
set seed 4242
proc rnd {} { global seed; set seed [expr {($seed * 1103515245 + 12345) % 2147483648}]; return [expr {$seed >> 16}] }
set words {}
for {set i 0} {$i < $n} {incr i} {
  set w ""
  set len [expr {3 + [rnd] % 10}]
  for {set k 0} {$k < $len} {incr k} { append w [format %c [expr {97 + [rnd] % 26}]] }
  lappend words $w
  dict incr counts $w
  set arr($w,[expr {$i % 5}]) $i
}
puts "words [llength $words] distinct [dict size $counts] array [array size arr]"
set sorted [lsort -dictionary [dict keys $counts]]
puts "first [lrange $sorted 0 4] last [lrange $sorted end-4 end]"
set byn [lsort -stride 2 -index 1 -integer -decreasing [dict get $counts]]
puts "top [lrange $byn 0 9]"
set text [join $words " "]
puts "text [string length $text]"
set m [regexp -all -inline {\m[a-f]\w{3}\M} $text]
puts "regexp matches [llength $m]"
regsub -all {([aeiou])([bcdfg])} $text {\2\1} t2
puts "regsub [string length $t2] [string range $t2 0 40]"
set mapped [string map {a 4 e 3 i 1 o 0 u _} $text]
puts "map [string length $mapped] [string range $mapped 100 140]"
set nested [dict create]
foreach w [lrange $words 0 20000] {
  dict lappend nested [string index $w 0] [list $w [string length $w] [string toupper $w]]
}
set tot 0
dict for {k v} $nested { incr tot [llength $v] }
puts "nested $tot"
set nums {}
for {set i 0} {$i < $n} {incr i} { lappend nums [expr {[rnd] % 1000000}] }
set ns [lsort -integer $nums]
puts "median [lindex $ns [expr {$n / 2}]] sum [tcl::mathop::+ {*}$ns]"
set s ""
for {set i 0} {$i < 50000} {incr i} { append s [format "%05d:%s;" $i [lindex $words [expr {$i % $n}]]] }
puts "concat [string length $s] [string range $s end-30 end]"
foreach k [array names arr *,3] { unset arr($k) }
puts "array after unset [array size arr]"
set l [split $text " "]
set l [lreverse [lsort -unique $l]]
puts "unique [llength $l] [lindex $l 0]"
