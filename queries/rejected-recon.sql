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
evidence that segmentation holds. The biggest probers (most refused flows) first."""
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
min = 1
description = "Rows to return"
*/
WITH refused AS (
    SELECT srcaddr, dstaddr, dstport, "start", "end"
    FROM vpc_flow_logs
    WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
      AND action = 'REJECT'
),
top AS (
    -- The biggest probers first, so the distinct hosts and ports are counted for them only.
    SELECT srcaddr, count(*) AS rejected
    FROM refused
    GROUP BY srcaddr
    HAVING count(*) >= {{min_rejected}}
    ORDER BY rejected DESC, srcaddr
    LIMIT {{limit}}
)
SELECT t.srcaddr AS source,
       t.rejected,
       count(DISTINCT r.dstaddr) AS hosts,
       count(DISTINCT r.dstport) AS ports,
       min(r.dstport) AS lowest_port,
       max(r.dstport) AS highest_port,
       to_iso8601(from_unixtime(min(r."start"))) AS first_seen,
       to_iso8601(from_unixtime(max(r."end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || t.srcaddr AS pivot
FROM top t
JOIN refused r ON r.srcaddr = t.srcaddr
GROUP BY t.srcaddr, t.rejected
ORDER BY t.rejected DESC, source
