/*
name = "inbound-port-scan"
title = "Inbound port scan of one host"
severity = "medium"
kind = "detection"
actor = "scanner"
target = "target"
mitre = ["T1595.001", "T1046"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "packets", "action", "start", "end"]
description = """
One internet address tries many ports of one internal host in a short window, and the
attempts are refused or unanswered: reconnaissance of an exposed host (the inbound side of
GuardDuty's Recon:EC2/Portscan, which GuardDuty itself only reports outbound). In each
window (window_minutes, default an hour) a port counts when its attempts were REJECTed, or
accepted (from a higher source port) but carried at most max_packets packets in all
(nothing listened). Replies to our
own clients never count, refused or not (a network ACL that does not let them back in
refuses them): traffic from a well-known port (below 1024) to the same or a higher port,
or from a lower port into our ephemeral range (32768 and up); a scanner that uses such
ports (a source port of 53 or 123) is missed. A row is a source, host and window with at
least min_ports such ports; a scan that a window boundary cuts in two is counted in two
windows. Slow scans: --param window_minutes=1440."""
triage = """
Refused attempts are the security group doing its job: the finding is the attention, not
a breach. Look at the accepted ports of the row (ports minus rejected_ports): those are open to
this scanner. Check the source with rejected-recon for the rest of what it probed, and
port-probe-unprotected-port for open ports being found."""

[params.window_minutes]
type = "int"
default = 60
min = 1
max = 44640
description = "Length of the window a scan must fit in, in minutes"

[params.min_ports]
type = "int"
default = 25
description = "Distinct ports of one host tried in one window"

[params.max_packets]
type = "int"
default = 2
description = "Packets the accepted attempts on one port may carry in all and still count as unanswered"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH attempts AS (
    SELECT srcaddr, dstaddr, dstport,
           "start" - "start" % ({{window_minutes}} * 60) AS window_start,
           count_if(action = 'REJECT') AS rejected,
           sum(CASE WHEN action = 'ACCEPT' THEN packets ELSE 0 END) AS accepted_packets,
           count(*) AS flows,
           min("start") AS first_start,
           max("end") AS last_end
    FROM vpc_flow_logs
    WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
      -- Not a reply to one of our clients: from a well-known port to the same or a higher
      -- one, or from a lower port into our ephemeral range (32768 and up).
      AND NOT (srcport < 1024 AND srcport <= dstport)
      AND NOT (dstport >= 32768 AND srcport < dstport)
      -- Accepted traffic is an attempt only from a client's port to a lower service port.
      AND (action = 'REJECT' OR srcport > dstport)
    GROUP BY srcaddr, dstaddr, dstport, "start" - "start" % ({{window_minutes}} * 60)
)
SELECT srcaddr AS scanner,
       dstaddr AS target,
       to_iso8601(from_unixtime(window_start)) AS window_start,
       count(*) AS ports,
       count_if(rejected > 0) AS rejected_ports,
       sum(flows) AS flows,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       to_iso8601(from_unixtime(min(first_start))) AS first_seen,
       to_iso8601(from_unixtime(max(last_end))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM attempts
WHERE rejected > 0 OR accepted_packets <= {{max_packets}}
GROUP BY srcaddr, dstaddr, window_start
HAVING count(*) >= {{min_ports}}
ORDER BY ports DESC, scanner, target, window_start
LIMIT {{limit}}
