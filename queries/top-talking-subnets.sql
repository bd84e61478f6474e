/*
name = "top-talking-subnets"
title = "Top talking subnets"
severity = "info"
kind = "report"
athena = "TopTalkingSubnets"
min_version = 3
fields = ["subnet_id", "packets", "bytes"]
description = """
The subnets whose interfaces carried the most bytes (version 3 or later)."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT subnet_id,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS flows
FROM vpc_flow_logs
WHERE subnet_id IS NOT NULL
GROUP BY subnet_id
ORDER BY bytes DESC, subnet_id
LIMIT {{limit}}
