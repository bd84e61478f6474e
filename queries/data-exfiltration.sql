/*
name = "data-exfiltration"
title = "Large uploads to one external address"
severity = "high"
kind = "detection"
actor = "host"
target = "peer"
mitre = ["T1048", "T1041"]
min_version = 2
fields = ["srcaddr", "dstaddr", "bytes", "start", "end", "dstport", "srcport"]
description = """
An internal host sends much more to one public address than it receives from it, at least
min_bytes within one window (window_hours, default a day), over connections it opened
(from its ephemeral ports, 32768 and up, to a lower port): the shape of data theft over any
protocol (uploads to a drop server, cloud storage of the attacker). A public server's
answers to its clients (downloads, from its service port) are not uploads and never count. Windows keep a
month of a regular upload from adding up to one finding; a backup spread over many
addresses of a storage service (S3 multipart uploads) stays below the threshold per
address. GuardDuty has no flow-log finding for this; its nearest are
Behavior:EC2/TrafficVolumeUnusual (unusual-traffic-volume) and Trojan:EC2/DropPoint
(drop-point, from a threat list)."""
triage = """
Compare with what the host is for: backup agents and log shippers upload by design, to
known destinations. A database or an application server uploading gigabytes to an
unknown address is an incident: find the connection's process on the host."""

[params.window_hours]
type = "int"
default = 24
min = 1
max = 744
description = "Length of the window the upload is summed over, in hours"

[params.min_bytes]
type = "int"
default = 1000000000
description = "Bytes sent to one address in one window"

[params.min_ratio]
type = "float"
default = 10.0
description = "Bytes sent per byte received"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH sent AS (
    SELECT srcaddr AS host, dstaddr AS peer,
           "start" - "start" % ({{window_hours}} * 3600) AS window_start,
           sum(bytes) AS bytes_out, count(*) AS flows,
           min("start") AS first_start, max("end") AS last_end
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
      AND srcport >= 32768 AND srcport > dstport
    GROUP BY srcaddr, dstaddr, "start" - "start" % ({{window_hours}} * 3600)
),
received AS (
    SELECT dstaddr AS host, srcaddr AS peer,
           "start" - "start" % ({{window_hours}} * 3600) AS window_start,
           sum(bytes) AS bytes_in
    FROM vpc_flow_logs
    WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr)
      AND dstport >= 32768 AND dstport > srcport
    GROUP BY dstaddr, srcaddr, "start" - "start" % ({{window_hours}} * 3600)
)
SELECT s.host,
       s.peer,
       to_iso8601(from_unixtime(s.window_start)) AS window_start,
       s.bytes_out,
       coalesce(r.bytes_in, 0) AS bytes_in,
       s.flows,
       to_iso8601(from_unixtime(s.first_start)) AS first_seen,
       to_iso8601(from_unixtime(s.last_end)) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || s.host AS pivot
FROM sent s
LEFT JOIN received r
  ON r.host = s.host AND r.peer = s.peer AND r.window_start = s.window_start
WHERE s.bytes_out >= {{min_bytes}}
  AND s.bytes_out >= {{min_ratio}} * coalesce(r.bytes_in, 0)
ORDER BY s.bytes_out DESC, s.host, s.peer, window_start
LIMIT {{limit}}
