-- SPDX-License-Identifier: MIT
-- bench/real/work.sql — a fixed SQLite workload (in-memory database).
-- Run as: sqlite3 -cmd "CREATE TEMP TABLE p(n INT); INSERT INTO p VALUES(N);" :memory: < work.sql
-- N scales the row count.  Models an analytics/ETL job: bulk insert, index
-- builds, joins, grouping, sorting, window functions, updates and deletes;
-- SQLite's page cache, parser and sorter all allocate through malloc.
-- Prints one checksum line that does not depend on the allocator.
PRAGMA cache_size = -65536;
CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT, city TEXT, tier INT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INT, item TEXT, qty INT, price REAL, note TEXT);

WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < (SELECT n FROM p) / 10)
INSERT INTO customer
SELECT i, 'cust-' || hex(i * 2654435761 % 1000003), 'city' || (i * 7 % 97), i % 5 FROM c;

WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < (SELECT n FROM p))
INSERT INTO orders
SELECT i, 1 + (i * 48271 % ((SELECT n FROM p) / 10)), 'item-' || (i * 16807 % 5003),
       1 + i % 9, (i * 69621 % 100000) / 100.0,
       substr('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod', 1 + i % 40, 10 + i % 30)
FROM c;

CREATE INDEX orders_cust ON orders(cust);
CREATE INDEX orders_item ON orders(item, qty);
CREATE INDEX customer_city ON customer(city);

CREATE TABLE summary AS
SELECT c.city, c.tier, count(*) AS n, sum(o.qty * o.price) AS revenue, group_concat(DISTINCT o.item) AS items
FROM orders o JOIN customer c ON c.id = o.cust
GROUP BY c.city, c.tier;

CREATE TABLE ranked AS
SELECT cust, item, qty * price AS v,
       row_number() OVER (PARTITION BY cust ORDER BY qty * price DESC, id) AS rk
FROM orders;

UPDATE orders SET note = upper(note) || '-' || id WHERE id % 3 = 0;
DELETE FROM orders WHERE id % 7 = 0;
CREATE TABLE words AS SELECT item, count(*) AS n, max(length(note)) AS ml FROM orders GROUP BY item ORDER BY n DESC, item;
VACUUM;

SELECT 'checksum=' || (
  (SELECT count(*) FROM summary) + (SELECT sum(n) FROM summary) +
  (SELECT count(*) FROM ranked WHERE rk <= 3) + (SELECT sum(length(note)) FROM orders) +
  (SELECT sum(n * ml) FROM words) + CAST((SELECT sum(revenue) FROM summary) AS INT));
