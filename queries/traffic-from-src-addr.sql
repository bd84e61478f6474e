/*
name = "traffic-from-src-addr"
title = "Traffic from one source address"
severity = "info"
kind = "report"
athena = "TrafficFrmSrcAddr"
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "protocol", "bytes", "action", "start", "end"]
description = """
Everything one address sent, grouped by destination, port, protocol and action."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.ip]
type = "ip"
description = "The source address"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT dstaddr, dstport,
       protocol_name(protocol) AS protocol,
       action,
       count(*) AS flows,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE srcaddr = {{ip}}
GROUP BY dstaddr, dstport, protocol, action
ORDER BY flows DESC, dstaddr, dstport, protocol, action
LIMIT {{limit}}
