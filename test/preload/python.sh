# SPDX-License-Identifier: MIT
# python.sh — python3 (PYTHONMALLOC=malloc, so every object goes through
# malloc) runs workload.py identically with and without brisk.
source "$(dirname "$0")/lib.sh"
[[ -x $PYTHON ]] || skip "python3 not installed"
export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
compare python "$PYTHON" "$HERE/workload.py"
echo ok
