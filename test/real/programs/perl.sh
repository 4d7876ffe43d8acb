# SPDX-License-Identifier: MIT
# perl.sh — perl (hashes, regexes, sorts, closures, pack, big strings) runs
# workload.pl identically with and without brisk; plus perl's own
# core-module self-checks that ship with Debian (none ship: see docs).
source "$(dirname "$0")/lib.sh"
need perl
N=200000
((QUICK)) && N=50000
compare perl perl "$HERE/workload.pl" "$N"
compare perl-oneliners perl -MList::Util=sum,shuffle,uniq -MStorable=dclone,freeze,thaw -e '
  srand(7); my @a = shuffle(1 .. 300000); my %h = map { $_ => [$_ x 3] } @a[0 .. 99999];
  my $c = dclone(\%h); my $f = thaw(freeze($c)); print scalar(keys %$f), " ", sum(@a), " ",
  scalar(uniq(map { $_ % 1000 } @a)), "\n"; my $s = join ",", sort { $a <=> $b } @a[0 .. 999];
  print length($s), "\n"; $_ = "x" x 1000000; s/x/yz/g; print length, "\n";'
echo "perl: identical output ($(tail -n 1 "$(plain_dir perl).out"))"
