# SPDX-License-Identifier: MIT
# ls.sh — ls -lR /usr/include (LC_ALL=C) lists the same with and without
# brisk.
source "$(dirname "$0")/lib.sh"
compare ls ls -lR /usr/include
compare du du -a /usr/share/perl5
echo ok
