/*
name = "top-talkers"
title = "Top talkers by bytes"
severity = "info"
kind = "report"
athena = "TopTalkers"
min_version = 2
fields = ["srcaddr", "packets", "bytes"]
description = """
The addresses that sent the most bytes."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT srcaddr,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS flows
FROM vpc_flow_logs
GROUP BY srcaddr
ORDER BY bytes DESC, srcaddr
LIMIT {{limit}}
