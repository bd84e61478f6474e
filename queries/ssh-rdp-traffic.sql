/*
name = "ssh-rdp-traffic"
title = "SSH and RDP traffic"
severity = "info"
kind = "report"
athena = "SshRdpTraffic"
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "bytes", "action", "start", "end"]
description = """
Flows to SSH (22) and RDP (3389), grouped by source, destination and action."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr, dstaddr, dstport, action,
       count(*) AS flows,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE dstport IN (22, 3389)
GROUP BY srcaddr, dstaddr, dstport, action
ORDER BY flows DESC, srcaddr, dstaddr, dstport, action
LIMIT {{limit}}
