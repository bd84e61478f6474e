/*
name = "rejected-traffic"
title = "Rejected traffic by source and port"
severity = "info"
kind = "report"
athena = "RejectedTraffic"
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "protocol", "action", "start", "end"]
description = """
Rejected flows grouped by source, destination port and protocol: who knocks on which
closed door, and how many hosts they tried."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH per_target AS (
    SELECT srcaddr, dstport, protocol, dstaddr,
           count(*) AS flows,
           min("start") AS first_start,
           max("end") AS last_end
    FROM vpc_flow_logs
    WHERE action = 'REJECT'
    GROUP BY srcaddr, dstport, protocol, dstaddr
)
SELECT srcaddr,
       dstport,
       protocol_name(protocol) AS protocol,
       sum(flows) AS flows,
       count(dstaddr) AS targets,
       to_iso8601(from_unixtime(min(first_start))) AS first_seen,
       to_iso8601(from_unixtime(max(last_end))) AS last_seen
FROM per_target
GROUP BY srcaddr, dstport, protocol
ORDER BY flows DESC, srcaddr, dstport, protocol
LIMIT {{limit}}
