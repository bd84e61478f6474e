/*
name = "port-scan"
title = "Outbound port scan of one host"
severity = "high"
kind = "detection"
actor = "scanner"
target = "target"
mitre = ["T1046"]
guardduty = ["Recon:EC2/Portscan"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "packets", "action", "start", "end"]
description = """
GuardDuty's Recon:EC2/Portscan: an internal host probes many ports of one public host in a
short window, usually a compromised instance mapping a target. Outbound direction only
(inbound-port-scan is the other way), and only connections the host opened: from one of
its ephemeral ports (32768 and up, the default range of Linux and Windows) to a lower
port, so a server's replies to a client (from its service port to the client's many
ports) are never mistaken for a scan; a scanner that picks a low source port is missed.
In each window (window_minutes, default an hour) a port counts when the host sent it at
most max_packets packets in all, a probe rather than a conversation; a row is a host,
target and window with at least min_ports such ports. A scan that a window boundary cuts
in two is counted in two windows. Slow scans: --param window_minutes=1440."""
triage = """
Check what runs on the source instance and whether anyone there runs scanners on purpose
(vulnerability management, pentests). A scan answered mostly by REJECT or RST from the
target is reconnaissance; follow the pivot command for the source's other traffic."""

[params.window_minutes]
type = "int"
default = 60
min = 1
max = 44640
description = "Length of the window a scan must fit in, in minutes"

[params.min_ports]
type = "int"
default = 25
description = "Distinct destination ports of one target probed in one window"

[params.max_packets]
type = "int"
default = 3
description = "Packets the host may send one port in the window and still count as probing it"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH probes AS (
    SELECT srcaddr, dstaddr, dstport,
           "start" - "start" % ({{window_minutes}} * 60) AS window_start,
           sum(packets) AS packets,
           count(*) AS flows,
           count_if(action = 'REJECT') AS rejected,
           min("start") AS first_start,
           max("end") AS last_end
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
      AND srcport >= 32768 AND srcport > dstport
    GROUP BY srcaddr, dstaddr, dstport, "start" - "start" % ({{window_minutes}} * 60)
)
SELECT srcaddr AS scanner,
       dstaddr AS target,
       to_iso8601(from_unixtime(window_start)) AS window_start,
       count(*) AS ports,
       sum(flows) AS flows,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       sum(rejected) AS rejected,
       to_iso8601(from_unixtime(min(first_start))) AS first_seen,
       to_iso8601(from_unixtime(max(last_end))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM probes
WHERE packets <= {{max_packets}}
GROUP BY srcaddr, dstaddr, window_start
HAVING count(*) >= {{min_ports}}
ORDER BY ports DESC, flows DESC, scanner, target, window_start
LIMIT {{limit}}
