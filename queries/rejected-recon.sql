/*
name = "rejected-recon"
title = "Who probes what: refused traffic from outside, by source"
severity = "info"
kind = "report"
mitre = ["T1595"]
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "action", "start", "end"]
description = """
Every internet address whose traffic the security groups or network ACLs refused, with how
many hosts and ports it tried and when: the reconnaissance against the estate, and the
evidence that segmentation holds. The biggest probers first."""
triage = """
Sources that tried many hosts on one port are sweeping (inbound-port-sweep), many ports
of one host scanning (inbound-port-scan). A source here that also appears in accepted
traffic found something open: run the pivot command."""

[params.min_rejected]
type = "int"
default = 1
description = "Refused flows a source needs to be listed"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
SELECT srcaddr AS source,
       count(*) AS rejected,
       count(DISTINCT dstaddr) AS hosts,
       count(DISTINCT dstport) AS ports,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
  AND action = 'REJECT'
GROUP BY srcaddr
HAVING count(*) >= {{min_rejected}}
ORDER BY rejected DESC, hosts DESC, source
LIMIT {{limit}}
