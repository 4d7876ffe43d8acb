# SPDX-License-Identifier: MIT
# workload.pl — perl workload for the preload test: hashes, regexes, sort,
# string building, references.
use strict; use warnings;
my %h;
for my $i (1 .. 200000) { $h{"key$i"} = [$i, "x" x ($i % 17), { n => $i }]; }
my $sum = 0; $sum += $h{$_}[0] for keys %h;
print scalar(keys %h), " $sum\n";
delete $h{"key$_"} for grep { $_ % 2 } 1 .. 200000;
print scalar(keys %h), "\n";
my @w = map { sprintf "w%x", ($_ * 2654435761) % 1000003 } 1 .. 100000;
my @s = sort @w; print "@s[0..4] @s[-5..-1]\n";
my @n = sort { $a <=> $b } map { ($_ * 7919) % 100003 } 1 .. 100000;
print "$n[0] $n[500] $n[-1]\n";
my $text = join " ", @w;
my $count = () = $text =~ /w1[0-9a-f]{3}\b/g; print "$count\n";
(my $t2 = $text) =~ s/w([0-9a-f])([0-9a-f]*)/$2$1/g; print length($t2), " ", substr($t2, 0, 60), "\n";
my %freq; $freq{$_}++ for split //, $text;
print join(",", map { "$_=$freq{$_}" } sort keys %freq), "\n";
my @recs = map { { id => $_, name => "n$_", tags => [ ($_) x ($_ % 5) ] } } 1 .. 50000;
my $tot = 0; $tot += scalar @{$_->{tags}} for @recs; print "$tot\n";
my $big = ""; $big .= chr(65 + $_ % 26) x ($_ % 100) for 1 .. 20000; print length($big), "\n";
