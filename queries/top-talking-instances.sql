/*
name = "top-talking-instances"
title = "Top talking instances"
severity = "info"
kind = "report"
athena = "TopTalkingInstances"
min_version = 3
fields = ["instance_id", "packets", "bytes"]
description = """
The EC2 instances whose interfaces carried the most bytes (flow logs of version 3 or
later, or custom formats with instance-id)."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT instance_id,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS flows
FROM vpc_flow_logs
WHERE instance_id IS NOT NULL
GROUP BY instance_id
ORDER BY bytes DESC, instance_id
LIMIT {{limit}}
