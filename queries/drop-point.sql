/*
name = "drop-point"
title = "Uploads to a known drop point"
severity = "high"
kind = "detection"
actor = "host"
target = "indicator_address"
mitre = ["T1041"]
guardduty = ["Trojan:EC2/DropPoint"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "bytes", "action", "start", "end"]
ioc = ["drop-point"]
description = """
An internal host sends data to an address known to collect stolen credentials and data.
Only the side that opened the connection counts (source port at or above the destination
port), so replies to a listed address are not mistaken for traffic to it. Needs a list
of addresses from threat intelligence: --ioc FILE (one address or CIDR block per line,
then optionally its category)."""
triage = """
Bytes sent tell how much left; rotate every credential the host held."""

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT f.srcaddr AS host,
   f.dstaddr AS indicator_address,
       i.category,
       count(*) AS flows,
       sum(f.bytes) AS bytes,
       count_if(f.action = 'ACCEPT') AS accepted,
       to_iso8601(from_unixtime(min(f."start"))) AS first_seen,
       to_iso8601(from_unixtime(max(f."end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || f.srcaddr AS pivot
FROM vpc_flow_logs f
JOIN ioc i ON cidr_contains(i.indicator, f.dstaddr)
WHERE is_private_ip(f.srcaddr)
  AND f.srcport >= f.dstport
  AND (i.category IS NULL OR i.category IN ('drop-point'))
GROUP BY f.srcaddr, f.dstaddr, i.category
ORDER BY flows DESC, host, indicator_address
LIMIT {{limit}}
