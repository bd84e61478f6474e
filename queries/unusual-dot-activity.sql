/*
name = "unusual-dot-activity"
title = "DNS over TLS to a public resolver"
severity = "medium"
kind = "detection"
actor = "host"
target = "resolver"
mitre = ["T1071.004", "T1572"]
guardduty = ["DefenseEvasion:EC2/UnusualDoTActivity"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "bytes", "start", "end"]
description = """
An internal host talks DNS over TLS (port 853) to a public address: name resolution that
bypasses the VPC resolver and its logs (GuardDuty's
DefenseEvasion:EC2/UnusualDoTActivity)."""
triage = """
Some operating systems try DoT opportunistically; repeated flows from a server are worth
a look at its resolver configuration."""

[params.min_flows]
type = "int"
default = 3
description = "Flows from one host to one resolver (a port scan touches port 853 once)"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr AS host,
       dstaddr AS resolver,
       count(*) AS flows,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND dstport = 853
  AND srcport > 1023
GROUP BY srcaddr, dstaddr
HAVING count(*) >= {{min_flows}}
ORDER BY flows DESC, host, resolver
LIMIT {{limit}}
