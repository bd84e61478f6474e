/*
name = "admin-port-traffic"
title = "Top addresses on administrative ports"
severity = "info"
kind = "report"
athena = "AdminPortTraffic"
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "bytes", "action"]
description = """
The addresses with the most flows to administrative ports (SSH, Telnet, RPC, SMB, RDP,
WinRM, VNC), with how many were rejected and how many hosts they reached."""
triage = """
A report, not a detection: it always returns rows. Use it to baseline what is normal."""

[params.admin_ports]
type = "int-list"
default = [22, 23, 135, 139, 445, 3389, 5900, 5985, 5986]
description = "Administrative ports"

[params.limit]
type = "int"
default = 10
min = 1
description = "Rows to return"
*/
WITH per_target AS (
    SELECT srcaddr, dstaddr,
           count(*) AS flows,
           count_if(action = 'REJECT') AS rejected,
           sum(bytes) AS bytes
    FROM vpc_flow_logs
    WHERE dstport IN ({{admin_ports}})
    GROUP BY srcaddr, dstaddr
)
SELECT srcaddr,
       sum(flows) AS flows,
       sum(rejected) AS rejected,
       count(dstaddr) AS targets,
       sum(bytes) AS bytes
FROM per_target
GROUP BY srcaddr
ORDER BY flows DESC, srcaddr
LIMIT {{limit}}
