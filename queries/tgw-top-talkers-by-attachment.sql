/*
name = "tgw-top-talkers-by-attachment"
title = "Top talkers through a transit gateway, by attachment"
severity = "info"
kind = "report"
table = "tgw_flow_logs"
min_version = 6
fields = ["tgw-id", "tgw-attachment-id", "srcaddr", "dstaddr", "packets", "bytes"]
description = """
The source and destination address pairs that moved the most bytes through each transit
gateway attachment: what fills a VPN or Direct Connect attachment, and who pays for the
transit gateway's data processing (charged per GB per attachment)."""
triage = """
Backups, replication and software distribution lead most lists. A pair that is new, or
large and leaving through an on-premises attachment, is the one to explain."""

[params.limit]
type = "int"
default = 50
min = 1
description = "Rows to return"
*/
SELECT tgw_id,
       tgw_attachment_id,
       srcaddr,
       dstaddr,
       count(*) AS flows,
       sum(packets) AS packets,
       sum(bytes) AS bytes
FROM tgw_flow_logs
GROUP BY tgw_id, tgw_attachment_id, srcaddr, dstaddr
ORDER BY bytes DESC NULLS LAST, tgw_attachment_id, srcaddr, dstaddr
LIMIT {{limit}}
