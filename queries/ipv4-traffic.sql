/*
name = "ipv4-traffic"
title = "Total IPv4 traffic"
severity = "info"
kind = "report"
athena = "IPv4Traffic"
min_version = 2
fields = ["srcaddr", "packets", "bytes"]
description = """
Total bytes, packets and flows of IPv4 traffic."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""
*/
SELECT count(*) AS flows,
       sum(packets) AS packets,
       sum(bytes) AS bytes
FROM vpc_flow_logs
WHERE strpos(srcaddr, ':') = 0
