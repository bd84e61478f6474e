/*
name = "beaconing"
title = "Regular check-ins to one destination"
severity = "high"
kind = "detection"
mitre = ["T1071", "T1573"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "start"]
description = """
An internal host opens connections to the same external address and port at regular
intervals (a small spread around the mean interval): the heartbeat of
command-and-control implants. Each connection counts once however many records it spans."""
triage = """
Software update checks and monitoring agents beacon too, to well-known vendors: look the
destination up. An unknown address, a fixed interval of minutes and small flows are the
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

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
WITH connections AS (
    SELECT srcaddr, dstaddr, dstport, srcport, min("start") AS t
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
      AND srcport > 1023
      AND "start" IS NOT NULL
    GROUP BY srcaddr, dstaddr, dstport, srcport
),
gaps AS (
    SELECT srcaddr, dstaddr, dstport,
           t - lag(t) OVER (PARTITION BY srcaddr, dstaddr, dstport ORDER BY t) AS gap
    FROM connections
)
SELECT srcaddr AS host,
       dstaddr AS destination,
       dstport AS port,
       count(gap) + 1 AS connections,
       round(avg(gap), 1) AS mean_interval_s,
       round(stddev_pop(gap), 1) AS spread_s
FROM gaps
WHERE gap IS NOT NULL
GROUP BY srcaddr, dstaddr, dstport
HAVING count(gap) + 1 >= {{min_connections}}
   AND avg(gap) >= {{min_interval_s}}
   AND stddev_pop(gap) <= {{max_spread}} * avg(gap)
ORDER BY connections DESC, host, destination, port
LIMIT {{limit}}
