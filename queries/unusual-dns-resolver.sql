/*
name = "unusual-dns-resolver"
title = "DNS to an outside resolver"
severity = "medium"
kind = "detection"
actor = "host"
target = "resolver"
mitre = ["T1071.004", "T1568"]
guardduty = ["DefenseEvasion:EC2/UnusualDNSResolver"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "packets", "start", "end"]
description = """
An internal host sends DNS (port 53) to a public resolver. Flow logs never record
queries to the Amazon-provided resolver, so any DNS flow to the internet bypasses it
(and its query logs and DNS Firewall): GuardDuty's
DefenseEvasion:EC2/UnusualDNSResolver."""
triage = """
Hosts configured with public resolvers on purpose are the benign case. Tunnelling tools
and malware that brings its own resolver show as many flows to one resolver."""

[params.min_flows]
type = "int"
default = 3
description = "Flows from one host to one resolver (a port scan touches port 53 once)"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr AS host,
       dstaddr AS resolver,
       count(*) AS flows,
       sum(packets) AS packets,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND dstport = 53
  AND srcport > 1023
GROUP BY srcaddr, dstaddr
HAVING count(*) >= {{min_flows}}
ORDER BY flows DESC, host, resolver
LIMIT {{limit}}
