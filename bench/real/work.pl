# SPDX-License-Identifier: MIT
# bench/real/work.pl — a fixed allocation-heavy Perl workload.
# Run as: perl work.pl N   (N scales the work)
# Models a text-processing script: build and split lines, hashes of arrays,
# regex captures, sorting, string concatenation and joins.  Prints a checksum
# that does not depend on the allocator.
use strict;
use warnings;

my $n = shift // 50000;
my @words = qw(alpha beta gamma delta epsilon zeta eta theta iota kappa);
my $h = 0;

for my $round (1 .. 3) {
    my $x = 4242 + $round;
    my @lines;
    for my $i (1 .. $n) {
        $x = ($x * 1103515245 + 12345) % 2147483648;
        my $w = $words[$x % 10];
        push @lines, join(" ", $i, $w, "$w-" . ($x % 1009), map { $words[($x >> $_) % 10] } 1 .. 1 + $x % 6);
    }
    my %index;
    my %count;
    for my $l (@lines) {
        my ($id, $w, $tag, @rest) = split / /, $l;
        push @{ $index{$w} }, [ $id, $tag, scalar @rest ];
        $count{$_}++ for @rest;
        if ($tag =~ /^(\w+)-(\d+)$/) {
            $count{"num$2"} += length $1;
        }
    }
    my $text = "";
    for my $w (sort keys %index) {
        my @sorted = sort { $b->[2] <=> $a->[2] or $a->[0] <=> $b->[0] } @{ $index{$w} };
        $text .= join(",", map { "$_->[0]:$_->[1]" } @sorted[0 .. ($#sorted < 500 ? $#sorted : 500)]) . "\n";
    }
    my @keys = sort { $count{$b} <=> $count{$a} or $a cmp $b } keys %count;
    $h = ($h * 31 + length($text) + scalar(@keys) + $count{ $keys[0] }) % 4294967296;
    (my $copy = $text) =~ s/(\d+):/<$1>/g;
    $h = ($h + length $copy) % 4294967296;
}
print "checksum=$h\n";
