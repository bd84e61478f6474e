/*
name = "rejected-tcp-traffic"
title = "Rejected TCP traffic"
severity = "info"
kind = "report"
athena = "RejectedTCPTraffic"
min_version = 2
fields = ["interface_id", "srcaddr", "srcport", "dstaddr", "dstport", "protocol", "packets", "bytes", "start", "action"]
description = """
The most recent rejected TCP flows, with the day of the week."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT day_of_week(from_unixtime("start")) AS day_of_week,
       to_iso8601(from_unixtime("start")) AS start_time,
       interface_id, srcaddr, srcport, dstaddr, dstport, packets, bytes
FROM vpc_flow_logs
WHERE action = 'REJECT'
  AND protocol = 6
ORDER BY "start" DESC, interface_id, srcaddr, srcport, dstaddr, dstport
LIMIT {{limit}}
