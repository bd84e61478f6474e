/*
name = "port-probe-unprotected-port"
title = "Open port probed from the internet"
severity = "medium"
kind = "detection"
mitre = ["T1595"]
guardduty = ["Recon:EC2/PortProbeUnprotectedPort"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "action", "start", "end"]
description = """
A port of an internal host, other than the expected public services, accepts connections
from many different internet addresses: it is open to the world and being probed
(GuardDuty's Recon:EC2/PortProbeUnprotectedPort)."""
triage = """
Check the security group of the destination: is this port meant to be public? Databases
(3306, 5432, 6379, 9200, 27017), SSH and RDP open to 0.0.0.0/0 are the usual finding.
Add real public services to expected_ports."""

[params.expected_ports]
type = "int-list"
default = [80, 443]
description = "Ports meant to be public"

[params.min_sources]
type = "int"
default = 5
description = "Distinct internet addresses connecting"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
SELECT dstaddr AS host,
       dstport AS port,
       count(DISTINCT srcaddr) AS sources,
       count(*) AS flows,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
  AND action = 'ACCEPT'
  AND dstport < 49152
  AND dstport NOT IN ({{expected_ports}})
  AND srcport > dstport
GROUP BY dstaddr, dstport
HAVING count(DISTINCT srcaddr) >= {{min_sources}}
ORDER BY sources DESC, host, port
LIMIT {{limit}}
