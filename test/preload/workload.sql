-- SPDX-License-Identifier: MIT
-- workload.sql — sqlite3 workload for the preload test
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val REAL, blob BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT INTO t SELECT x, x % 97, 'name-' || x || '-' || substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 26),
  (x * 7919) % 1000 / 7.0, zeroblob(x % 300) FROM c;
CREATE INDEX t_grp ON t(grp);
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(id), round(sum(val), 3), sum(length(blob)) FROM t;
SELECT grp, count(*), round(avg(val), 4), min(name), max(name) FROM t GROUP BY grp ORDER BY grp LIMIT 20;
SELECT name FROM t WHERE name LIKE 'name-1999%' ORDER BY name;
UPDATE t SET name = upper(name) WHERE grp < 10;
DELETE FROM t WHERE id % 3 = 0;
SELECT count(*), count(DISTINCT grp), max(length(name)) FROM t;
CREATE TABLE u AS SELECT grp, group_concat(id, ',') AS ids FROM t GROUP BY grp;
SELECT grp, length(ids), substr(ids, 1, 40) FROM u ORDER BY length(ids) DESC, grp LIMIT 10;
SELECT a.grp, count(*) FROM t a JOIN u b ON a.grp = b.grp WHERE a.id < 2000 GROUP BY a.grp ORDER BY 2 DESC, 1 LIMIT 5;
VACUUM;
PRAGMA integrity_check;
SELECT printf('%.6f', sum(val * grp)) FROM t;
