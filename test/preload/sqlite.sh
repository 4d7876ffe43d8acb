# SPDX-License-Identifier: MIT
# sqlite.sh — sqlite3 (on-disk database: 20000 rows via a recursive CTE,
# indexes, group by, joins, update/delete, vacuum, integrity check) gives
# identical output with and without brisk.
source "$(dirname "$0")/lib.sh"
need sqlite3
compare sqlite sqlite3 -batch db.sqlite ".read $HERE/workload.sql"
compare sqlite_mem sqlite3 -batch :memory: ".read $HERE/workload.sql"
echo ok
