/*
name = "bitcoin-tool"
title = "Traffic to known mining pools"
severity = "high"
kind = "detection"
actor = "host"
target = "indicator_address"
mitre = ["T1496"]
guardduty = ["CryptoCurrency:EC2/BitcoinTool.B"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "bytes", "action", "start", "end"]
ioc = ["mining"]
description = """
An internal host talks to an address your list marks as a cryptocurrency mining pool.
Only the side that opened the connection counts (source port at or above the destination
port), so replies to a listed address are not mistaken for traffic to it. Needs a list
of addresses from threat intelligence: --ioc FILE (one address or CIDR block per line,
then optionally its category)."""
triage = """
See crypto-mining: check CPU usage and processes, and how the miner got there."""

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
  AND (i.category IS NULL OR i.category IN ('mining'))
GROUP BY f.srcaddr, f.dstaddr, i.category
ORDER BY flows DESC, host, indicator_address
LIMIT {{limit}}
