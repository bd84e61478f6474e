/*
name = "tgw-packet-loss"
title = "Packets a transit gateway dropped, by cause and attachment"
severity = "medium"
kind = "detection"
target = "tgw_attachment_id"
table = "tgw_flow_logs"
min_version = 6
fields = ["tgw-id", "tgw-attachment-id", "packets", "packets-lost-no-route", "packets-lost-blackhole", "packets-lost-mtu-exceeded", "packets-lost-ttl-expired", "start", "end"]
description = """
Packets a transit gateway dropped, per attachment, by the cause its flow log gives: no
route to the destination, a blackhole route, a packet over the MTU of the attachment
(8500 bytes for VPC attachments, 1500 for VPN), or a TTL that ran out. Only transit
gateway flow logs carry these counters; VPC flow logs see the traffic leave and never
know it was dropped. Quiet when nothing is lost."""
triage = """
Blackhole drops follow a blackhole route (deliberate, or a deleted attachment's route
left behind); no-route drops mean the attachment's route table has no route to the
destination (a missing propagation). MTU drops point at jumbo frames crossing a VPN or a
peering; TTL drops at a routing loop. A sudden rise on one attachment after a change is
the change."""

[params.min_lost]
type = "int"
default = 1
description = "Fewest lost packets for an attachment to be listed"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT tgw_id,
       tgw_attachment_id,
       sum(coalesce(packets_lost_blackhole, 0) + coalesce(packets_lost_no_route, 0)
           + coalesce(packets_lost_mtu_exceeded, 0) + coalesce(packets_lost_ttl_expired, 0)) AS packets_lost,
       sum(packets_lost_blackhole) AS lost_blackhole,
       sum(packets_lost_no_route) AS lost_no_route,
       sum(packets_lost_mtu_exceeded) AS lost_mtu_exceeded,
       sum(packets_lost_ttl_expired) AS lost_ttl_expired,
       sum(packets) AS packets,
       count(*) AS flows,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake sql -e "SELECT * FROM tgw_flow_logs WHERE tgw_attachment_id = ''' || tgw_attachment_id || '''"' AS pivot
FROM tgw_flow_logs
WHERE coalesce(packets_lost_blackhole, 0) + coalesce(packets_lost_no_route, 0)
      + coalesce(packets_lost_mtu_exceeded, 0) + coalesce(packets_lost_ttl_expired, 0) > 0
GROUP BY tgw_id, tgw_attachment_id
HAVING sum(coalesce(packets_lost_blackhole, 0) + coalesce(packets_lost_no_route, 0)
           + coalesce(packets_lost_mtu_exceeded, 0) + coalesce(packets_lost_ttl_expired, 0)) >= {{min_lost}}
ORDER BY packets_lost DESC, tgw_id, tgw_attachment_id
LIMIT {{limit}}
