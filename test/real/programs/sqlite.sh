# SPDX-License-Identifier: MIT
# sqlite.sh — sqlite3 on a large scripted workload (200k rows; 50k with
# REAL_QUICK=1): bulk insert through a recursive CTE, indexes, joins,
# GROUP BY, window functions, string functions, a big ORDER BY, UPDATE,
# DELETE, VACUUM, integrity check; output identical with and without brisk.
source "$(dirname "$0")/lib.sh"
need sqlite3
N=200000
((QUICK)) && N=50000
cat >"$WORK/w.sql" <<SQL
PRAGMA cache_size = -20000;
CREATE TABLE cust(id INTEGER PRIMARY KEY, name TEXT, region INTEGER, note TEXT);
CREATE TABLE ord(id INTEGER PRIMARY KEY, cust INTEGER, amount INTEGER, tag TEXT, day INTEGER);
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N / 10)
INSERT INTO cust SELECT i, 'customer-' || printf('%06d', i), i % 37,
  substr('note ' || (i * 7919 % 1000003), 1, 40 + i % 60) FROM c;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N)
INSERT INTO ord SELECT i, 1 + (i * 48271) % ($N / 10), (i * 2654435761) % 100000,
  printf('t%x-%s', i % 4093, substr('abcdefghijklmnopqrstuvwxyz', 1 + i % 26, 1 + i % 7)),
  i % 365 FROM c;
COMMIT;
CREATE INDEX ord_cust ON ord(cust);
CREATE INDEX ord_tag ON ord(tag, amount);
CREATE INDEX cust_region ON cust(region, name);
SELECT count(*), sum(amount), min(tag), max(tag) FROM ord;
SELECT c.region, count(*), sum(o.amount), avg(o.amount) FROM ord o JOIN cust c ON c.id = o.cust
  GROUP BY c.region ORDER BY c.region;
SELECT tag, count(*) AS n, sum(amount) FROM ord GROUP BY tag ORDER BY n DESC, tag LIMIT 20;
SELECT name, total FROM (SELECT c.name, sum(o.amount) AS total FROM cust c JOIN ord o ON o.cust = c.id
  GROUP BY c.id) ORDER BY total DESC, name LIMIT 15;
SELECT day, amount, sum(amount) OVER (PARTITION BY day ORDER BY id ROWS 3 PRECEDING) FROM ord
  WHERE id % 997 = 0 ORDER BY id LIMIT 50;
SELECT region, group_concat(name, ',') FROM (SELECT region, name FROM cust WHERE id % 500 = 0
  ORDER BY name) GROUP BY region ORDER BY region;
SELECT sum(length(note)), count(DISTINCT substr(note, 1, 8)), max(upper(note)) FROM cust;
SELECT count(*) FROM (SELECT * FROM ord ORDER BY tag DESC, amount, id);
SELECT hex(md5) FROM (SELECT sum(amount * id % 1000003) AS md5 FROM ord);
UPDATE ord SET amount = amount / 2, tag = tag || '-u' WHERE id % 3 = 0;
DELETE FROM ord WHERE id % 5 = 0;
SELECT count(*), sum(amount), count(DISTINCT tag) FROM ord;
SELECT c.region, o.day, count(*) FROM ord o JOIN cust c ON c.id = o.cust WHERE o.day < 3
  GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 40;
VACUUM;
PRAGMA integrity_check;
SELECT count(*) FROM ord WHERE tag LIKE 't1%-u';
SQL
compare sqlite sqlite3 db.sqlite ".read $WORK/w.sql"
echo "sqlite3 $N rows: identical output ($(wc -l <"$(plain_dir sqlite).out") lines)"
