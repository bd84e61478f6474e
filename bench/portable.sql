-- A portable workload over vpc_flow_logs, written for comparing engines (not the hunt
-- library): GROUP BY on addresses and ports, count(DISTINCT), top-N and filtered scans,
-- plain SQL that DataFusion and DuckDB run unchanged. Ties are broken in every ORDER BY,
-- so both engines return the same rows.
SELECT count(*) FROM vpc_flow_logs;
SELECT action, count(*), sum(bytes) FROM vpc_flow_logs GROUP BY action ORDER BY action;
SELECT protocol, count(*), sum(bytes), sum(packets) FROM vpc_flow_logs GROUP BY protocol ORDER BY protocol;
SELECT srcaddr, sum(bytes) AS b FROM vpc_flow_logs GROUP BY srcaddr ORDER BY b DESC, srcaddr LIMIT 10;
SELECT dstaddr, sum(bytes) AS b FROM vpc_flow_logs GROUP BY dstaddr ORDER BY b DESC, dstaddr LIMIT 10;
SELECT srcaddr, dstaddr, count(*) AS n FROM vpc_flow_logs GROUP BY srcaddr, dstaddr ORDER BY n DESC, srcaddr, dstaddr LIMIT 20;
SELECT srcaddr, dstaddr, dstport, count(*) AS n, sum(packets) AS p FROM vpc_flow_logs GROUP BY srcaddr, dstaddr, dstport ORDER BY n DESC, srcaddr, dstaddr, dstport LIMIT 20;
SELECT count(*) FROM (SELECT DISTINCT srcaddr, dstaddr, dstport FROM vpc_flow_logs) t;
SELECT count(DISTINCT srcaddr), count(DISTINCT dstaddr) FROM vpc_flow_logs;
SELECT dstport, count(DISTINCT srcaddr) AS s FROM vpc_flow_logs WHERE action = 'REJECT' GROUP BY dstport ORDER BY s DESC, dstport LIMIT 20;
SELECT srcaddr, count(DISTINCT dstport) AS p FROM vpc_flow_logs GROUP BY srcaddr HAVING count(DISTINCT dstport) > 20 ORDER BY p DESC, srcaddr LIMIT 20;
SELECT srcaddr, count(DISTINCT dstaddr) AS d FROM vpc_flow_logs GROUP BY srcaddr ORDER BY d DESC, srcaddr LIMIT 20;
SELECT dstaddr, dstport, count(DISTINCT srcaddr) AS s FROM vpc_flow_logs GROUP BY dstaddr, dstport HAVING count(DISTINCT srcaddr) >= 10 ORDER BY s DESC, dstaddr, dstport LIMIT 50;
SELECT "start" - "start" % 3600 AS h, count(*), sum(bytes) FROM vpc_flow_logs WHERE "start" IS NOT NULL GROUP BY "start" - "start" % 3600 ORDER BY h;
SELECT srcaddr, "start" - "start" % 3600 AS h, sum(bytes) AS b FROM vpc_flow_logs WHERE "start" IS NOT NULL GROUP BY srcaddr, "start" - "start" % 3600 ORDER BY b DESC, srcaddr, h LIMIT 20;
SELECT interface_id, count(*), sum(bytes) AS b FROM vpc_flow_logs GROUP BY interface_id ORDER BY b DESC, interface_id LIMIT 20;
SELECT "aws-account-id", "aws-region", count(*) FROM vpc_flow_logs GROUP BY "aws-account-id", "aws-region" ORDER BY 1, 2;
SELECT srcaddr, dstaddr, srcport, dstport, "start" FROM vpc_flow_logs WHERE dstport = 22 AND action = 'REJECT' ORDER BY "start", srcaddr, dstaddr, srcport LIMIT 100;
SELECT srcaddr, dstaddr, srcport, dstport, bytes FROM vpc_flow_logs WHERE bytes > 1000000 ORDER BY bytes DESC, srcaddr, dstaddr, srcport, dstport LIMIT 50;
SELECT dstport, count(*) AS n FROM vpc_flow_logs WHERE action = 'ACCEPT' AND dstport < 1024 GROUP BY dstport ORDER BY n DESC, dstport LIMIT 20;
SELECT srcaddr, dstport, count(*) AS n FROM vpc_flow_logs WHERE action = 'REJECT' GROUP BY srcaddr, dstport HAVING count(*) >= 5 ORDER BY n DESC, srcaddr, dstport LIMIT 50;
SELECT tcp_flags, count(*) FROM vpc_flow_logs WHERE tcp_flags IS NOT NULL GROUP BY tcp_flags ORDER BY tcp_flags;
SELECT dstaddr, count(*) AS n FROM vpc_flow_logs WHERE srcaddr LIKE '10.%' AND dstaddr NOT LIKE '10.%' GROUP BY dstaddr ORDER BY n DESC, dstaddr LIMIT 20;
SELECT srcaddr, dstaddr, min("start"), max("end"), count(*) AS n FROM vpc_flow_logs GROUP BY srcaddr, dstaddr HAVING max("end") - min("start") > 3600 ORDER BY n DESC, srcaddr, dstaddr LIMIT 20;
