# SPDX-License-Identifier: MIT
# workload.pl — allocation-heavy perl: big hashes, regexes, sorts, string
# building, nested structures, closures, pack/unpack, sprintf; prints
# digests so that any corrupted byte changes the output.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex);
my $n = shift // 200000;
my (%h, @words);
my $seed = 12345;
sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; return int($seed / 65536); }
for my $i (1 .. $n) {
  my $len = 3 + rnd() % 12;
  my $w = join '', map { chr(97 + rnd() % 26) } 1 .. $len;
  push @words, $w;
  $h{$w}{count}++;
  push @{ $h{$w}{pos} }, $i if $i % 7 == 0;
}
printf "words %d distinct %d\n", scalar @words, scalar keys %h;
my @sorted = sort { $h{$b}{count} <=> $h{$a}{count} || $a cmp $b } keys %h;
print "top: @sorted[0 .. 9]\n";
print "sorted md5 ", md5_hex(join ',', @sorted), "\n";
my $text = join ' ', @words;
my %bigrams;
while ($text =~ /\b([a-m]\w{2,5})\s+([n-z]\w*)\b/g) { $bigrams{"$1 $2"}++; }
print "bigrams ", scalar(keys %bigrams), " md5 ", md5_hex(join "\n", sort keys %bigrams), "\n";
(my $t2 = $text) =~ s/([aeiou])([^aeiou\s])/$2$1/g;
print "swap md5 ", md5_hex($t2), " len ", length $t2, "\n";
my @parts = split /(?<=[xyz])\s+/, $text;
print "parts ", scalar @parts, "\n";
my @nums = map { rnd() % 1000000 } 1 .. $n;
my @ns = sort { $a <=> $b } @nums;
print "num median $ns[$#ns / 2] sum ", eval { my $s = 0; $s += $_ for @ns; $s }, "\n";
my @closures = map { my $k = $_; sub { return $k * $_[0] + length($words[$k % @words]) } } 1 .. 5000;
my $acc = 0;
$acc += $_->(3) for @closures;
print "closures $acc\n";
my $packed = pack 'N*', @nums[0 .. 9999];
my @un = unpack 'N*', $packed;
print "pack ", length $packed, " ", md5_hex($packed), " ", ($un[9999] == $nums[9999] ? 'ok' : 'bad'), "\n";
my $s = '';
for my $i (1 .. 50000) { $s .= sprintf '%05d:%s;', $i, $words[$i % @words]; substr($s, -3, 1, 'Q') if $i % 11 == 0; }
print "concat ", length $s, " ", md5_hex($s), "\n";
my %tree;
for my $i (0 .. $#words / 10) {
  my $w = $words[$i];
  $tree{ substr($w, 0, 1) }{ substr($w, 0, 2) }{$w} = [$i, { sq => $i * $i }];
}
my $cnt = 0;
for my $k1 (sort keys %tree) {
  for my $k2 (sort keys %{ $tree{$k1} }) { $cnt += scalar keys %{ $tree{$k1}{$k2} }; }
}
print "tree ", scalar(keys %tree), " $cnt\n";
my @odd = grep { length($_) % 2 } keys %h;
delete @h{@odd};
print "after delete ", scalar(keys %h), "\n";
my @rev = reverse sort(map { scalar reverse $_ } keys %h);
print "rev md5 ", md5_hex(join '', @rev), "\n";
