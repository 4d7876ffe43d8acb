# SPDX-License-Identifier: MIT
# gcc.sh — gcc (cc1, as, collect2, ld all under LD_PRELOAD) compiles prog.c
# with the same diagnostics, and the program then runs with the same output
# and exit status; also -fsyntax-only on a large header set.
source "$(dirname "$0")/lib.sh"
need gcc
compare gcc_build gcc -O2 -Wall -o prog "$HERE/prog.c"
[[ -x $WORK/gcc_build.brisk/prog ]] || fail "gcc under brisk produced no binary"
compare prog_plain_built "$WORK/gcc_build.plain/prog"
compare prog_brisk_built "$WORK/gcc_build.brisk/prog"
cat >"$WORK/hdrs.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <math.h>
int main(void) { printf("%zu\n", sizeof(struct sockaddr_in)); return 0; }
C
compare gcc_E bash -c "gcc -E -dM '$WORK/hdrs.c' | sort"
echo ok
