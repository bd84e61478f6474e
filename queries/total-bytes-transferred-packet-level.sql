/*
name = "total-bytes-transferred-packet-level"
title = "Top pairs by bytes, original packet addresses"
severity = "info"
kind = "report"
athena = "TotalBytesTransferredPacketLevel"
min_version = 3
fields = ["pkt_srcaddr", "pkt_dstaddr", "srcaddr", "dstaddr", "packets", "bytes"]
description = """
The original source and destination pairs (pkt-srcaddr, pkt-dstaddr) that moved the most
bytes."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT coalesce(pkt_srcaddr, srcaddr) AS pkt_srcaddr,
       coalesce(pkt_dstaddr, dstaddr) AS pkt_dstaddr,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS flows
FROM vpc_flow_logs
GROUP BY coalesce(pkt_srcaddr, srcaddr), coalesce(pkt_dstaddr, dstaddr)
ORDER BY bytes DESC, pkt_srcaddr, pkt_dstaddr
LIMIT {{limit}}
