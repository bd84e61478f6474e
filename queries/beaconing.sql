/*
name = "beaconing"
title = "Regular check-ins to one destination"
severity = "high"
kind = "detection"
actor = "host"
target = "destination"
mitre = ["T1071", "T1573"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "start", "end"]
description = """
An internal host opens connections to the same external address and port at regular
intervals (a small spread around the mean interval): the heartbeat of
command-and-control implants. Each connection counts once however many records it spans
(records of the same addresses and ports less than 15 minutes apart are one connection).
A destination that fleet_hosts or more of our hosts connect to is fleet software (update
checks, monitoring agents), not an implant, and is left out: an implant calls home from the
hosts it is on, which are few. GuardDuty reports the same behaviour only against its threat
lists (Backdoor:EC2/C&CActivity.B, c2-activity here)."""
triage = """
Software update checks and monitoring agents on a single host beacon too, to well-known
vendors: look the destination up. An unknown address, a fixed interval of minutes and small flows are the
classic implant."""

[params.min_connections]
type = "int"
default = 12
description = "Connections to one destination"

[params.min_interval_s]
type = "int"
default = 10
description = "Shortest mean interval, in seconds, that counts as a beacon"

[params.max_spread]
type = "float"
default = 0.1
description = "Largest standard deviation of the intervals, as a fraction of their mean"

[params.fleet_hosts]
type = "int"
default = 3
description = "Hosts connecting to one destination and port that make it fleet software"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH candidates AS (
    -- A destination needs min_connections records to have min_connections connections:
    -- the cheap test first, the sessions only for what passes it.
    SELECT srcaddr, dstaddr, dstport
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
      AND srcport > 1023
      AND "start" IS NOT NULL
    GROUP BY srcaddr, dstaddr, dstport
    HAVING count(*) >= {{min_connections}}
),
flows AS (
    -- A record opens a connection unless the same addresses and ports were seen less
    -- than 15 minutes before (the longest aggregation interval is 10): long connections
    -- span many records, and ephemeral ports are reused hours apart.
    SELECT v.srcaddr, v.dstaddr, v.dstport, v."start",
           CASE WHEN v."start" - lag(v."end") OVER (
                         PARTITION BY v.srcaddr, v.dstaddr, v.dstport, v.srcport
                         ORDER BY v."start"
                     ) <= 900
                THEN 0 ELSE 1 END AS opens
    FROM vpc_flow_logs v
    JOIN candidates c
      ON c.srcaddr = v.srcaddr AND c.dstaddr = v.dstaddr AND c.dstport = v.dstport
    WHERE v.srcport > 1023
      AND v."start" IS NOT NULL
),
connections AS (
    SELECT srcaddr, dstaddr, dstport, "start" AS t
    FROM flows
    WHERE opens = 1
),
fleet AS (
    SELECT dstaddr, dstport
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
      AND srcport > 1023
    GROUP BY dstaddr, dstport
    HAVING count(DISTINCT srcaddr) >= {{fleet_hosts}}
),
gaps AS (
    SELECT srcaddr, dstaddr, dstport, t,
           t - lag(t) OVER (PARTITION BY srcaddr, dstaddr, dstport ORDER BY t) AS gap
    FROM connections
)
SELECT g.srcaddr AS host,
       g.dstaddr AS destination,
       g.dstport AS port,
       count(g.gap) + 1 AS connections,
       round(avg(g.gap), 1) AS mean_interval_s,
       round(stddev_pop(g.gap), 1) AS spread_s,
       to_iso8601(from_unixtime(min(g.t - g.gap))) AS first_seen,
       to_iso8601(from_unixtime(max(g.t))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || g.srcaddr AS pivot
FROM gaps g
LEFT JOIN fleet f ON f.dstaddr = g.dstaddr AND f.dstport = g.dstport
WHERE g.gap IS NOT NULL
  AND f.dstaddr IS NULL
GROUP BY g.srcaddr, g.dstaddr, g.dstport
HAVING count(g.gap) + 1 >= {{min_connections}}
   AND avg(g.gap) >= {{min_interval_s}}
   AND stddev_pop(g.gap) <= {{max_spread}} * avg(g.gap)
ORDER BY connections DESC, host, destination, port
LIMIT {{limit}}
