/*
name = "inbound-port-scan"
title = "Inbound port scan of one host"
severity = "medium"
kind = "detection"
mitre = ["T1595.001", "T1046"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "packets", "action", "start", "end"]
description = """
One internet address tries many ports of one internal host in a short window, and the
attempts are refused or unanswered: reconnaissance of an exposed host (the inbound side of
GuardDuty's Recon:EC2/Portscan, which GuardDuty itself only reports outbound). In each
window (window_minutes, default an hour) a port counts when the attempt was REJECTed, or
accepted from a higher source port but carried at most max_packets packets (nothing
listened). Traffic from a well-known port (below 1024) to a higher one never counts,
refused or not: it is a server's reply to one of our clients (refused when a network ACL
does not let the ephemeral ports back in), not a probe. A row is a source, host and window
with at least min_ports such ports. Slow scans: --param window_minutes=1440."""
triage = """
Refused attempts are the security group doing its job: the finding is the attention, not
a breach. Look at the accepted ports of the row (ports minus rejected): those are open to
this scanner. Check the source with rejected-recon for the rest of what it probed, and
port-probe-unprotected-port for open ports being found."""

[params.window_minutes]
type = "int"
default = 60
description = "Length of the window a scan must fit in, in minutes"

[params.min_ports]
type = "int"
default = 25
description = "Distinct ports of one host tried in one window"

[params.max_packets]
type = "int"
default = 2
description = "Packets an accepted attempt may carry and still count as unanswered"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
SELECT srcaddr AS scanner,
       dstaddr AS target,
       to_iso8601(from_unixtime("start" - "start" % ({{window_minutes}} * 60))) AS window_start,
       count(DISTINCT dstport) AS ports,
       count_if(action = 'REJECT') AS rejected,
       count(*) AS flows,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
  AND (action = 'REJECT' OR (packets <= {{max_packets}} AND srcport > dstport))
  AND NOT (srcport < 1024 AND dstport >= 1024)
GROUP BY srcaddr, dstaddr, "start" - "start" % ({{window_minutes}} * 60)
HAVING count(DISTINCT dstport) >= {{min_ports}}
ORDER BY ports DESC, scanner, target, window_start
LIMIT {{limit}}
