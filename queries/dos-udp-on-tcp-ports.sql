/*
name = "dos-udp-on-tcp-ports"
title = "Outbound UDP flood on TCP ports"
severity = "high"
kind = "detection"
actor = "source"
target = "target"
mitre = ["T1498"]
guardduty = ["Backdoor:EC2/DenialOfService.UdpOnTcpPorts"]
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "protocol", "packets", "bytes", "start", "end"]
description = """
Large volume of UDP to ports that normally carry TCP (web, SSH, RDP, SMB): GuardDuty's
Backdoor:EC2/DenialOfService.UdpOnTcpPorts. HTTP/3 (QUIC) on 443 is UDP: raise the
threshold if you serve it. Counted per minute, per source and target, outbound to public
addresses."""
triage = """
An instance flooding an outside target is usually compromised and rented out; isolate it
and check its processes. Load tests against your own public endpoints look the same:
check the target."""

[params.min_packets_per_minute]
type = "int"
default = 60000
description = "Packets per minute to one target that make a flood"

[params.tcp_ports]
type = "int-list"
default = [21, 22, 23, 25, 80, 445, 1433, 3306, 3389, 5432, 8080]
description = "Ports that normally carry TCP"

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
  AND protocol = 17 AND dstport IN ({{tcp_ports}})
GROUP BY srcaddr, dstaddr, protocol, "start" - "start" % 60
HAVING sum(packets) >= {{min_packets_per_minute}}
ORDER BY packets DESC, source, target, minute
LIMIT {{limit}}
