/*
name = "port-scan"
title = "Outbound port scan of one host"
severity = "high"
kind = "detection"
mitre = ["T1046"]
guardduty = ["Recon:EC2/Portscan"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "packets", "action", "start", "end"]
description = """
GuardDuty's Recon:EC2/Portscan: an internal host probes many ports of one public host in a
short window, usually a compromised instance mapping a target. Outbound direction only
(inbound-port-scan is the other way). In each window (window_minutes, default an hour) a
port counts when the host sent it at most max_packets packets, the size of a probe rather
than a conversation; a row is a host, target and window with at least min_ports such ports.
Only destination ports below 32768 from a higher source port count, so a server's replies
to one busy client (sent to the client's many ephemeral ports) are not mistaken for a scan.
Slow scans (a few ports an hour): --param window_minutes=1440."""
triage = """
Check what runs on the source instance and whether anyone there runs scanners on purpose
(vulnerability management, pentests). A scan answered mostly by REJECT or RST from the
target is reconnaissance; follow the pivot command for the source's other traffic."""

[params.window_minutes]
type = "int"
default = 60
description = "Length of the window a scan must fit in, in minutes"

[params.min_ports]
type = "int"
default = 25
description = "Distinct destination ports of one target probed in one window"

[params.max_packets]
type = "int"
default = 3
description = "Packets one flow may carry and still count as a probe"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
SELECT srcaddr AS scanner,
       dstaddr AS target,
       to_iso8601(from_unixtime("start" - "start" % ({{window_minutes}} * 60))) AS window_start,
       count(DISTINCT dstport) AS ports,
       count(*) AS flows,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       count_if(action = 'REJECT') AS rejected,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND srcport > dstport
  AND dstport < 32768
  AND packets <= {{max_packets}}
GROUP BY srcaddr, dstaddr, "start" - "start" % ({{window_minutes}} * 60)
HAVING count(DISTINCT dstport) >= {{min_ports}}
ORDER BY ports DESC, flows DESC, scanner, target, window_start
LIMIT {{limit}}
