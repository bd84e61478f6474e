/*
name = "dos-unusual-protocol"
title = "Outbound flood with an unusual protocol"
severity = "high"
kind = "detection"
actor = "source"
target = "target"
mitre = ["T1498"]
guardduty = ["Backdoor:EC2/DenialOfService.UnusualProtocol"]
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "protocol", "packets", "bytes", "start", "end"]
description = """
Large volume of IP traffic with an unusual protocol number (not TCP, UDP, ICMP, ESP or
GRE) to one public target: GuardDuty's Backdoor:EC2/DenialOfService.UnusualProtocol.
Counted per minute, per source and target, outbound to public addresses."""
triage = """
An instance flooding an outside target is usually compromised and rented out; isolate it
and check its processes. Load tests against your own public endpoints look the same:
check the target."""

[params.min_packets_per_minute]
type = "int"
default = 60000
description = "Packets per minute to one target that make a flood"

[params.usual_protocols]
type = "int-list"
default = [1, 6, 17, 47, 50, 51, 58]
description = "Protocol numbers that are not unusual"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr AS source,
       dstaddr AS target,
       protocol_name(protocol) AS protocol,
       to_iso8601(from_unixtime("start" - "start" % 60)) AS minute,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       count(DISTINCT dstport) AS ports,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND protocol NOT IN ({{usual_protocols}})
GROUP BY srcaddr, dstaddr, protocol, "start" - "start" % 60
HAVING sum(packets) >= {{min_packets_per_minute}}
ORDER BY packets DESC, source, target, minute
LIMIT {{limit}}
