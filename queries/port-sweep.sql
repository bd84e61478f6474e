/*
name = "port-sweep"
title = "Outbound port sweep across many hosts"
severity = "high"
kind = "detection"
actor = "sweeper"
mitre = ["T1046"]
guardduty = ["Impact:EC2/PortSweep"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "start", "end"]
description = """
GuardDuty's Impact:EC2/PortSweep: an internal host probes one port on many public
addresses in a short window, and most of them do not answer, the way worms and instances
recruited into scanning botnets look for exposed services. Outbound direction only, and
only connections the host opened from one of its ephemeral ports (32768 and up, the
default range of Linux and Windows; a sweeper that picks a low source port is missed). In
each window (window_minutes, default an hour) a public address counts as swept when the
host sent it at most max_packets packets on the port and got nothing back (for TCP, at
most one packet: a refusal or a bare handshake), and as answered otherwise. A row is a
host, port and window with at least min_targets swept addresses that are at least
min_unanswered of all the addresses it reached on that port in that window, so clients of
CDNs and SaaS (hundreds of addresses, nearly all answering) and NAT gateways (thousands, a
few dead) are left out. Slow sweeps (a few addresses an hour): --param
window_minutes=1440."""
triage = """
Look at the port: 22, 23, 445, 3389, 6379, 9200 and 27017 sweeps hunt for exposed
services. Then run the pivot command for the host's other traffic: a sweeping instance is
usually compromised; isolate it and look for how it was entered."""

[params.window_minutes]
type = "int"
default = 60
min = 1
max = 44640
description = "Length of the window a sweep must fit in, in minutes"

[params.min_targets]
type = "int"
default = 25
description = "Public addresses in one window that got probes and no conversation back"

[params.min_unanswered]
type = "float"
default = 0.5
description = "Share of all addresses reached on the port in the window that must be unanswered"

[params.max_packets]
type = "int"
default = 3
description = "Packets the host may send one address on the port in the window and still count as probing it"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH sent AS (
    SELECT srcaddr AS host, dstaddr AS peer, dstport AS port, protocol,
           "start" - "start" % ({{window_minutes}} * 60) AS window_start,
           sum(packets) AS packets, min("start") AS first_start, max("end") AS last_end
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
      AND srcport >= 32768 AND srcport > dstport
    GROUP BY srcaddr, dstaddr, dstport, protocol, "start" - "start" % ({{window_minutes}} * 60)
),
came_back AS (
    SELECT dstaddr AS host, srcaddr AS peer, srcport AS port, protocol,
           "start" - "start" % ({{window_minutes}} * 60) AS window_start,
           sum(packets) AS packets
    FROM vpc_flow_logs
    WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
      AND dstport >= 32768 AND dstport > srcport
    GROUP BY dstaddr, srcaddr, srcport, protocol, "start" - "start" % ({{window_minutes}} * 60)
)
SELECT s.host AS sweeper,
       s.port,
       protocol_name(s.protocol) AS protocol,
       to_iso8601(from_unixtime(s.window_start)) AS window_start,
       count_if(s.packets <= {{max_packets}} AND (b.packets IS NULL OR (s.protocol = 6 AND b.packets <= 1))) AS unanswered,
       count(*) AS targets,
       sum(s.packets) AS packets,
       to_iso8601(from_unixtime(min(s.first_start))) AS first_seen,
       to_iso8601(from_unixtime(max(s.last_end))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || s.host AS pivot
FROM sent s
LEFT JOIN came_back b
  ON b.host = s.host AND b.peer = s.peer AND b.port = s.port
 AND b.protocol = s.protocol AND b.window_start = s.window_start
GROUP BY s.host, s.port, s.protocol, s.window_start
HAVING count_if(s.packets <= {{max_packets}} AND (b.packets IS NULL OR (s.protocol = 6 AND b.packets <= 1))) >= {{min_targets}}
   AND count_if(s.packets <= {{max_packets}} AND (b.packets IS NULL OR (s.protocol = 6 AND b.packets <= 1)))
       >= {{min_unanswered}} * count(*)
ORDER BY unanswered DESC, sweeper, port, window_start
LIMIT {{limit}}
