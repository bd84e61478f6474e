/*
name = "port-scan"
title = "Outbound port scan of one host"
severity = "high"
kind = "detection"
mitre = ["T1046"]
guardduty = ["Recon:EC2/Portscan"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "action", "start", "end"]
description = """
An internal host connects to many ports of one external host: the flow-log signature of
GuardDuty's Recon:EC2/Portscan, usually a compromised instance mapping a target. Only
ports below 32768 count: a server's replies to one busy client go to that client's many
ephemeral ports (32768 and up) and would look like a scan."""
triage = """
Check what runs on the source instance and whether anyone there runs scanners on purpose
(vulnerability management, pentests). A scan answered mostly by REJECT or RST from the
target is reconnaissance; follow up with traffic-from-src-addr on the source."""

[params.min_ports]
type = "int"
default = 100
description = "Distinct destination ports of one target that make a scan"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
SELECT srcaddr AS scanner,
       dstaddr AS target,
       count(DISTINCT dstport) AS ports,
       count(*) AS flows,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       count_if(action = 'REJECT') AS rejected,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND srcport > 1023
  AND dstport < 32768
GROUP BY srcaddr, dstaddr
HAVING count(DISTINCT dstport) >= {{min_ports}}
ORDER BY ports DESC, flows DESC, scanner, target
LIMIT {{limit}}
