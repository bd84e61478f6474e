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
description = "Rows to return"
*/
SELECT srcaddr,
       dstport,
       protocol_name(protocol) AS protocol,
       count(*) AS flows,
       count(DISTINCT dstaddr) AS targets,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
      to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE action = 'REJECT'
GROUP BY srcaddr, dstport, protocol
ORDER BY flows DESC
LIMIT {{limit}}
