/*
name = "unusual-traffic-volume"
title = "Traffic volume far above the host's baseline"
severity = "medium"
kind = "detection"
actor = "host"
mitre = ["T1030"]
guardduty = ["Behavior:EC2/TrafficVolumeUnusual"]
min_version = 2
history = ["min_hours"]
fields = ["srcaddr", "bytes", "start"]
description = """
GuardDuty's Behavior:EC2/TrafficVolumeUnusual: an internal host sends far more in one hour
than it did before. An hour is judged only against the host's earlier hours (at least
min_hours of them, so the first hours of the lake are never judged; a first hour that the
start of the data cuts is left out): it must be above their mean plus z standard
deviations and more than min_factor times the largest of them. With a
day of history (min_hours, default 24), a daily job that ran the day before at the same
scale (a nightly backup) is therefore not unusual; a new job is, and so is the first run
of a job that runs less often than the history reaches back."""
triage = """
Backups, batch jobs and deployments are the benign causes; an hour of outbound volume to
a single unknown address is the data-exfiltration pattern: run data-exfiltration."""

[params.z]
type = "float"
default = 3.0
description = "Standard deviations above the host's mean"

[params.min_hours]
type = "int"
default = 24
min = 1
description = "Hours of history a host needs to be judged"

[params.min_factor]
type = "float"
default = 2.0
description = "How many times the host's largest earlier hour the hour must exceed"

[params.min_bytes]
type = "int"
default = 500000000
description = "Bytes in the hour below which nothing is reported"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH first_full_hour AS (
    -- The data's first hour is cut where the lake (or --since) begins: it would understate
    -- a job that ran in it and make the job's next run look unusual.
    SELECT CASE WHEN min("start") % 3600 = 0 THEN min("start")
                ELSE min("start") - min("start") % 3600 + 3600 END AS t
    FROM vpc_flow_logs
    WHERE is_private_ip(srcaddr)
),
hourly AS (
    SELECT v.srcaddr, v."start" - v."start" % 3600 AS hour_start, sum(v.bytes) AS bytes
    FROM vpc_flow_logs v
    CROSS JOIN first_full_hour f
    WHERE is_private_ip(v.srcaddr)
      AND v."start" >= f.t
    GROUP BY v.srcaddr, v."start" - v."start" % 3600
),
history AS (
    SELECT srcaddr, hour_start, bytes,
           count(*) OVER (PARTITION BY srcaddr ORDER BY hour_start
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS hours,
           avg(bytes) OVER (PARTITION BY srcaddr ORDER BY hour_start
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS mean,
           stddev_pop(bytes) OVER (PARTITION BY srcaddr ORDER BY hour_start
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS sd,
           max(bytes) OVER (PARTITION BY srcaddr ORDER BY hour_start
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS most
    FROM hourly
)
SELECT srcaddr AS host,
       to_iso8601(from_unixtime(hour_start)) AS hour,
       bytes,
       round(mean) AS mean_bytes,
       most AS largest_earlier_hour,
       round((bytes - mean) / sd, 1) AS z,
       to_iso8601(from_unixtime(hour_start)) AS first_seen,
       to_iso8601(from_unixtime(hour_start + 3599)) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM history
WHERE hours >= {{min_hours}}
  AND sd > 0
  AND bytes >= {{min_bytes}}
  AND bytes > mean + {{z}} * sd
  AND bytes > {{min_factor}} * most
ORDER BY z DESC, host, hour
LIMIT {{limit}}
