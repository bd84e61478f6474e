/*
name = "total-bytes-transferred"
title = "Top source and destination pairs by bytes"
severity = "info"
kind = "report"
athena = "TotalBytesTransferred"
min_version = 2
fields = ["srcaddr", "dstaddr", "packets", "bytes"]
description = """
The source and destination pairs that moved the most bytes."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT srcaddr, dstaddr,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS flows
FROM vpc_flow_logs
GROUP BY srcaddr, dstaddr
ORDER BY bytes DESC, srcaddr, dstaddr
LIMIT {{limit}}
