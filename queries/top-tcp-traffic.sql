/*
name = "top-tcp-traffic"
title = "Top TCP traffic of one source"
severity = "info"
kind = "report"
athena = "TopTCPTraffic"
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "protocol", "packets", "bytes"]
description = """
The destinations and ports one source address sent the most TCP bytes to."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.ip]
type = "ip"
description = "The source address"

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT dstaddr, dstport,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS flows
FROM vpc_flow_logs
WHERE srcaddr = {{ip}}
  AND protocol = 6
GROUP BY dstaddr, dstport
ORDER BY bytes DESC, dstaddr, dstport
LIMIT {{limit}}
