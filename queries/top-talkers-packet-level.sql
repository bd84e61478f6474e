/*
name = "top-talkers-packet-level"
title = "Top talkers by bytes, original packet source"
severity = "info"
kind = "report"
athena = "TopTalkersPacketLevel"
min_version = 3
fields = ["pkt_srcaddr", "srcaddr", "packets", "bytes"]
description = """
The addresses that sent the most bytes, by the packet's original source (pkt-srcaddr),
which differs from srcaddr behind NAT gateways and load balancers."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT coalesce(pkt_srcaddr, srcaddr) AS pkt_srcaddr,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS flows
FROM vpc_flow_logs
GROUP BY coalesce(pkt_srcaddr, srcaddr)
ORDER BY bytes DESC, pkt_srcaddr
LIMIT {{limit}}
