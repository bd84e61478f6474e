/*
name = "crypto-mining"
title = "Long-lived connections to mining-pool ports"
severity = "high"
kind = "detection"
actor = "miner"
target = "pool"
mitre = ["T1496"]
guardduty = ["CryptoCurrency:EC2/BitcoinTool.B"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end"]
description = """
An internal host keeps a connection open for a long time to a public address on a port
mining pools use for the stratum protocol (3333, 4444, 5555, 14444, ...): the flow-log
shape of GuardDuty's CryptoCurrency:EC2/BitcoinTool.B (which also uses lists of pool
addresses: see bitcoin-tool)."""
triage = """
Mining shows as steady small packets in both directions for hours. Check the instance's
CPU usage and processes; rotate its credentials, as miners usually arrive through stolen
keys or an exposed service."""

[params.pool_ports]
type = "int-list"
default = [3333, 3334, 3335, 3357, 4444, 5555, 5588, 6666, 7777, 8888, 9999, 14433, 14444, 20535, 45560, 45700]
description = "Ports mining pools listen on"

[params.min_minutes]
type = "int"
default = 30
description = "Minutes between the first and the last flow"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr AS miner,
       dstaddr AS pool,
       dstport AS port,
       count(DISTINCT srcport) AS connections,
       round((max("end") - min("start")) / 60.0, 1) AS minutes,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND dstport IN ({{pool_ports}})
  AND protocol = 6
GROUP BY srcaddr, dstaddr, dstport
HAVING max("end") - min("start") >= {{min_minutes}} * 60
ORDER BY minutes DESC, miner, pool
LIMIT {{limit}}
