/*
name = "port-probe-unprotected-port"
title = "Open port probed from the internet"
severity = "medium"
kind = "detection"
target = "host"
mitre = ["T1595"]
guardduty = ["Recon:EC2/PortProbeUnprotectedPort"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "action", "start", "end"]
description = """
GuardDuty's Recon:EC2/PortProbeUnprotectedPort: a port of an internal host is open to the
internet and known scanners are probing it. GuardDuty knows scanners from threat
intelligence; here a scanner is an internet address that the estate's security groups
refused somewhere in the lake (it tried a closed port). A row is a host and port that
ACCEPTed connections from at least min_scanners scanners, where scanners are at least
min_scanner_share of every internet address that connected: a public service (web, DNS,
an API behind a balancer) answers thousands of ordinary clients and a few scanners, and is
not listed; a port nobody but scanners uses is. expected_ports are never listed."""
triage = """
Check the security group of the destination: is this port meant to be public? Databases
(3306, 5432, 6379, 9200, 27017), SSH and RDP open to 0.0.0.0/0 are the usual finding.
The scanners' other attempts are in rejected-recon."""

[params.expected_ports]
type = "int-list"
default = [80, 443]
description = "Ports meant to be public, never listed"

[params.min_scanners]
type = "int"
default = 3
description = "Scanners (addresses refused elsewhere) that the port accepted"

[params.min_scanner_share]
type = "float"
default = 0.5
description = "Share of all internet addresses connecting to the port that are scanners"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH scanners AS (
    SELECT srcaddr
    FROM vpc_flow_logs
    WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
      AND action = 'REJECT'
    GROUP BY srcaddr
),
callers AS (
    SELECT dstaddr AS host, dstport AS port, srcaddr AS caller, count(*) AS flows,
           min("start") AS first_start, max("end") AS last_end
    FROM vpc_flow_logs
    WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
      AND action = 'ACCEPT'
      AND dstport < 49152
      AND dstport NOT IN ({{expected_ports}})
      AND srcport > dstport
    GROUP BY dstaddr, dstport, srcaddr
)
SELECT c.host,
       c.port,
       count(s.srcaddr) AS scanners,
       count(*) AS sources,
       sum(c.flows) AS flows,
       to_iso8601(from_unixtime(min(c.first_start))) AS first_seen,
       to_iso8601(from_unixtime(max(c.last_end))) AS last_seen,
       'flowlake hunt run traffic-to-dst-addr --param ip=' || c.host AS pivot
FROM callers c
LEFT JOIN scanners s ON s.srcaddr = c.caller
GROUP BY c.host, c.port
HAVING count(s.srcaddr) >= {{min_scanners}}
   AND count(s.srcaddr) >= {{min_scanner_share}} * count(*)
ORDER BY scanners DESC, host, port
LIMIT {{limit}}
