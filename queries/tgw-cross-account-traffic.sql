/*
name = "tgw-cross-account-traffic"
title = "Traffic between VPCs and accounts through a transit gateway"
severity = "info"
kind = "report"
table = "tgw_flow_logs"
min_version = 6
fields = ["tgw-id", "tgw-src-vpc-account-id", "tgw-dst-vpc-account-id", "tgw-src-vpc-id", "tgw-dst-vpc-id", "srcaddr", "dstaddr", "packets", "bytes", "start", "end"]
description = """
Who talks to whom across the transit gateway: traffic from one VPC to another, by source
and destination account and VPC, cross-account pairs first. Only transit gateway flow
logs name both sides' VPC and account; VPC flow logs of one side see an address of the
other. Use it to check segmentation: a pair that should not talk at all, or a production
account reached from a sandbox."""
triage = """
Compare each pair with the route tables that should allow it: shared-services and
inspection VPCs talk to everyone; two workload accounts usually should not. A new pair,
or one moving far more bytes than usual, is worth a look at its top addresses."""

[params.min_bytes]
type = "int"
default = 0
description = "Fewest bytes for a pair to be listed"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT tgw_id,
       tgw_src_vpc_account_id AS src_account,
       tgw_dst_vpc_account_id AS dst_account,
       tgw_src_vpc_id AS src_vpc,
       tgw_dst_vpc_id AS dst_vpc,
       (tgw_src_vpc_account_id IS DISTINCT FROM tgw_dst_vpc_account_id) AS cross_account,
       count(*) AS flows,
       count(DISTINCT srcaddr) AS sources,
       count(DISTINCT dstaddr) AS destinations,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM tgw_flow_logs
WHERE tgw_src_vpc_id <> tgw_dst_vpc_id
GROUP BY tgw_id, tgw_src_vpc_account_id, tgw_dst_vpc_account_id, tgw_src_vpc_id, tgw_dst_vpc_id
HAVING coalesce(sum(bytes), 0) >= {{min_bytes}}
ORDER BY cross_account DESC, bytes DESC, src_vpc, dst_vpc
LIMIT {{limit}}
