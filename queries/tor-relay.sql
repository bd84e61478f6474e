/*
name = "tor-relay"
title = "Inbound connections from Tor nodes"
severity = "high"
kind = "detection"
actor = "indicator_address"
target = "host"
mitre = ["T1090.003"]
guardduty = ["UnauthorizedAccess:EC2/TorRelay"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "bytes", "action", "start", "end"]
ioc = ["tor"]
description = """
Tor nodes connect to an internal host: it may be acting as a Tor relay, or its services
are reached anonymously. Only the side that opened the connection counts (source port at
or above the destination port), so replies to a listed address are not mistaken for
traffic to it. Needs a list of addresses from threat intelligence: --ioc FILE (one
address or CIDR block per line, then optionally its category)."""
triage = """
A host accepting many Tor peers on one port is a relay; one that is only probed is being
attacked anonymously."""

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT f.dstaddr AS host,
   f.srcaddr AS indicator_address,
       i.category,
       count(*) AS flows,
       sum(f.bytes) AS bytes,
       count_if(f.action = 'ACCEPT') AS accepted,
       to_iso8601(from_unixtime(min(f."start"))) AS first_seen,
       to_iso8601(from_unixtime(max(f."end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || f.srcaddr AS pivot
FROM vpc_flow_logs f
JOIN ioc i ON cidr_contains(i.indicator, f.srcaddr)
WHERE is_private_ip(f.dstaddr)
  AND f.srcport >= f.dstport
  AND (i.category IS NULL OR i.category IN ('tor'))
GROUP BY f.dstaddr, f.srcaddr, i.category
ORDER BY flows DESC, host, indicator_address
LIMIT {{limit}}
