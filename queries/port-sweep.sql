/*
name = "port-sweep"
title = "Outbound port sweep across many hosts"
severity = "high"
kind = "detection"
mitre = ["T1046"]
guardduty = ["Impact:EC2/PortSweep"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "packets", "start", "end"]
description = """
An internal host probes the same port on many public addresses with tiny flows (a few
packets each): GuardDuty's Impact:EC2/PortSweep, typical of worms and of instances
recruited into scanning botnets."""
triage = """
Look at the port: 22, 23, 445, 3389, 6379, 9200 and 27017 sweeps hunt for exposed
services. Ordinary clients (HTTPS to many CDN addresses) move real data and are left out
by the packet limit; raise max_packets only with care."""

[params.min_targets]
type = "int"
default = 50
description = "Distinct public addresses probed on one port"

[params.max_packets]
type = "int"
default = 3
description = "Packets a flow may carry and still count as a probe"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
SELECT srcaddr AS sweeper,
       dstport AS port,
       count(DISTINCT dstaddr) AS targets,
       count(*) AS probes,
       sum(packets) AS packets,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND srcport > 1023
  AND packets <= {{max_packets}}
GROUP BY srcaddr, dstport
HAVING count(DISTINCT dstaddr) >= {{min_targets}}
ORDER BY targets DESC, sweeper, port
LIMIT {{limit}}
