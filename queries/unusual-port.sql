/*
name = "unusual-port"
title = "Remote port never used before by this host"
severity = "medium"
kind = "detection"
actor = "host"
mitre = ["T1571"]
guardduty = ["Behavior:EC2/NetworkPortUnusual"]
min_version = 2
history = ["recent_hours", "min_baseline_hours"]
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "bytes", "start", "end"]
description = """
GuardDuty's Behavior:EC2/NetworkPortUnusual: an internal host starts talking to a remote
port it never used in the baseline (the lake's time before the last recent_hours), over
any protocol (QUIC on UDP 443 after TCP 443 is not new). Only connections the host opened
to public addresses count (from its ephemeral ports, 32768 and up, to a lower port), not
its replies to clients; a new port on an address the host already talked to in the
baseline is a new channel of a known service (passive FTP's data ports), not listed; and
only hosts with min_baseline_flows in the baseline are judged. Needs history:
the baseline must span min_baseline_hours, else it returns nothing, and `hunt run --all`
reports it inconclusive."""
triage = """
New software, a new integration or a deployment explains most hits; a port typical of
remote access tools, proxies or mining pools on a host that never used it does not."""

[params.recent_hours]
type = "int"
default = 24
min = 1
description = "Hours at the end of the data that are checked against the time before"

[params.min_baseline_hours]
type = "int"
default = 12
min = 0
description = "Hours of history before the recent ones that the baseline needs"

[params.min_baseline_flows]
type = "int"
default = 10
description = "Flows a host needs in the baseline to be judged"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH outbound AS (
    SELECT srcaddr, dstaddr, dstport, protocol, bytes, "start", "end"
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
      AND srcport >= 32768 AND srcport > dstport
      AND "start" IS NOT NULL
),
cutoff AS (
    SELECT max("end") - {{recent_hours}} * 3600 AS t,
           min("start") AS first_start
    FROM outbound
),
baseline AS (
    SELECT o.srcaddr, o.dstport
    FROM outbound o CROSS JOIN cutoff c
    WHERE o."start" < c.t
    GROUP BY o.srcaddr, o.dstport
),
known_peers AS (
    SELECT o.srcaddr, o.dstaddr
    FROM outbound o CROSS JOIN cutoff c
    WHERE o."start" < c.t
    GROUP BY o.srcaddr, o.dstaddr
),
active AS (
    SELECT o.srcaddr
    FROM outbound o CROSS JOIN cutoff c
    WHERE o."start" < c.t
    GROUP BY o.srcaddr
    HAVING count(*) >= {{min_baseline_flows}}
)
SELECT o.srcaddr AS host,
       o.dstport AS port,
       protocol_name(o.protocol) AS protocol,
       count(DISTINCT o.dstaddr) AS peers,
       count(*) AS flows,
       sum(o.bytes) AS bytes,
       to_iso8601(from_unixtime(min(o."start"))) AS first_seen,
       to_iso8601(from_unixtime(max(o."end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || o.srcaddr AS pivot
FROM outbound o
CROSS JOIN cutoff c
JOIN active a ON a.srcaddr = o.srcaddr
LEFT JOIN baseline b
  ON b.srcaddr = o.srcaddr AND b.dstport = o.dstport
LEFT JOIN known_peers k
  ON k.srcaddr = o.srcaddr AND k.dstaddr = o.dstaddr
WHERE o."start" >= c.t
  AND c.t - c.first_start >= {{min_baseline_hours}} * 3600
  AND b.srcaddr IS NULL
  AND k.srcaddr IS NULL
GROUP BY o.srcaddr, o.dstport, o.protocol
ORDER BY flows DESC, host, port
LIMIT {{limit}}
