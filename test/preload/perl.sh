# SPDX-License-Identifier: MIT
# perl.sh — perl runs workload.pl identically with and without brisk.
source "$(dirname "$0")/lib.sh"
need perl
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
compare perl perl "$HERE/workload.pl"
echo ok
