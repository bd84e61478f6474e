/*
name = "unusual-traffic-volume"
title = "Traffic volume far above the host's baseline"
severity = "medium"
kind = "detection"
mitre = ["T1030"]
guardduty = ["Behavior:EC2/TrafficVolumeUnusual"]
min_version = 2
fields = ["srcaddr", "bytes", "start"]
description = """
An internal host sends far more in one hour than it usually does (its mean plus z
standard deviations over its hours in the lake): GuardDuty's
Behavior:EC2/TrafficVolumeUnusual."""
triage = """
Backups, batch jobs and deployments are the benign causes; an hour of outbound volume to
a single unknown address is the data-exfiltration pattern: run data-exfiltration."""

[params.z]
type = "float"
default = 3.0
description = "Standard deviations above the host's mean"

[params.min_hours]
type = "int"
default = 12
description = "Hours of history a host needs to be judged"

[params.min_bytes]
type = "int"
default = 500000000
description = "Bytes in the hour below which nothing is reported"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
WITH hourly AS (
    SELECT srcaddr, "start" - "start" % 3600 AS hour_start, sum(bytes) AS bytes
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr)
      AND "start" IS NOT NULL
    GROUP BY srcaddr, "start" - "start" % 3600
),
baseline AS (
    SELECT srcaddr, avg(bytes) AS mean, stddev_pop(bytes) AS sd, count(*) AS hours
    FROM hourly
    GROUP BY srcaddr
)
SELECT h.srcaddr AS host,
       to_iso8601(from_unixtime(h.hour_start)) AS hour,
       h.bytes,
       round(b.mean) AS mean_bytes,
       round((h.bytes - b.mean) / b.sd, 1) AS z
FROM hourly h
JOIN baseline b ON b.srcaddr = h.srcaddr
WHERE b.hours >= {{min_hours}}
  AND b.sd > 0
  AND h.bytes >= {{min_bytes}}
  AND h.bytes > b.mean + {{z}} * b.sd
ORDER BY z DESC, host, hour
LIMIT {{limit}}
