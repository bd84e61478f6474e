/*
name = "data-exfiltration"
title = "Large uploads to one external address"
severity = "high"
kind = "detection"
mitre = ["T1048", "T1041"]
min_version = 2
fields = ["srcaddr", "dstaddr", "bytes", "start", "end"]
description = """
An internal host sends much more to one public address than it receives from it, in
total at least min_bytes: the shape of data theft over any protocol (uploads to a drop
server, cloud storage of the attacker)."""
triage = """
Compare with what the host is for: backup agents and log shippers upload by design, to
known destinations. A database or an application server uploading gigabytes to an
unknown address is an incident: find the connection's process on the host."""

[params.min_bytes]
type = "int"
default = 1000000000
description = "Bytes sent to one address"

[params.min_ratio]
type = "float"
default = 10.0
description = "Bytes sent per byte received"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
WITH sent AS (
    SELECT srcaddr AS host, dstaddr AS peer, sum(bytes) AS bytes_out, count(*) AS flows,
           min("start") AS first_start, max("end") AS last_end
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
    GROUP BY srcaddr, dstaddr
),
received AS (
    SELECT dstaddr AS host, srcaddr AS peer, sum(bytes) AS bytes_in
    FROM vpc_flow_logs
    WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
    GROUP BY dstaddr, srcaddr
)
SELECT s.host,
       s.peer,
       s.bytes_out,
       coalesce(r.bytes_in, 0) AS bytes_in,
       s.flows,
       to_iso8601(from_unixtime(s.first_start)) AS first_seen,
       to_iso8601(from_unixtime(s.last_end)) AS last_seen
FROM sent s
LEFT JOIN received r ON r.host = s.host AND r.peer = s.peer
WHERE s.bytes_out >= {{min_bytes}}
  AND s.bytes_out >= {{min_ratio}} * coalesce(r.bytes_in, 0)
ORDER BY s.bytes_out DESC, s.host, s.peer
LIMIT {{limit}}
