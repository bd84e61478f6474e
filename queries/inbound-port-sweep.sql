/*
name = "inbound-port-sweep"
title = "Inbound sweep of one port across many hosts"
severity = "medium"
kind = "detection"
actor = "sweeper"
mitre = ["T1595.001", "T1046"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "action", "start", "end"]
description = """
One internet address tries the same port on many internal hosts in a short window, and the
attempts are refused or unanswered: someone looking for every instance that exposes a
service (the inbound side of GuardDuty's Impact:EC2/PortSweep). In each window
(window_minutes, default an hour) a host counts when its attempts were REJECTed, or
accepted but carried at most max_packets packets in all; replies to our own clients never
count (as in inbound-port-scan: from a well-known port to the same or a higher one, or
into our ephemeral range from a lower port). A row is a source, port and window with at
least min_hosts such hosts, across every account and VPC of the lake. Slow sweeps: --param
window_minutes=1440."""
triage = """
Which hosts accepted (hosts minus rejected_hosts)? Those expose the port to the internet. A
sweep on a database, cache or remote-access port that some hosts accepted is worth a look
at their security groups; mass scanners of the whole internet (search engines of exposed
devices) show up here too and are usually only noise to block."""

[params.window_minutes]
type = "int"
default = 60
min = 1
max = 44640
description = "Length of the window a sweep must fit in, in minutes"

[params.min_hosts]
type = "int"
default = 10
description = "Distinct internal hosts tried on one port in one window"

[params.max_packets]
type = "int"
default = 2
description = "Packets the accepted attempts on one host may carry in all and still count as unanswered"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH attempts AS (
    -- One row per host tried: counting rows afterwards is counting distinct hosts.
    SELECT srcaddr, dstport, protocol, dstaddr,
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
    GROUP BY srcaddr, dstport, protocol, dstaddr, "start" - "start" % ({{window_minutes}} * 60)
)
SELECT srcaddr AS sweeper,
       dstport AS port,
       protocol_name(protocol) AS protocol,
       to_iso8601(from_unixtime(window_start)) AS window_start,
       count(*) AS hosts,
       count_if(rejected > 0) AS rejected_hosts,
       sum(flows) AS flows,
       to_iso8601(from_unixtime(min(first_start))) AS first_seen,
       to_iso8601(from_unixtime(max(last_end))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM attempts
WHERE rejected > 0 OR accepted_packets <= {{max_packets}}
GROUP BY srcaddr, dstport, protocol, window_start
HAVING count(*) >= {{min_hosts}}
ORDER BY hosts DESC, sweeper, port, window_start
LIMIT {{limit}}
