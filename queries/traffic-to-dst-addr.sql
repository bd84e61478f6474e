/*
name = "traffic-to-dst-addr"
title = "Traffic to one destination address"
severity = "info"
kind = "report"
athena = "TrafficToDstAddr"
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "protocol", "bytes", "action", "start", "end"]
description = """
Everything sent to one address, grouped by source, port, protocol and action."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.ip]
type = "ip"
description = "The destination address"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr, dstport,
       protocol_name(protocol) AS protocol,
       action,
       count(*) AS flows,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE dstaddr = {{ip}}
GROUP BY srcaddr, dstport, protocol, action
ORDER BY flows DESC, srcaddr, dstport, protocol, action
LIMIT {{limit}}
