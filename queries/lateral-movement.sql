/*
name = "lateral-movement"
title = "Internal fan-out on administrative ports"
severity = "high"
kind = "detection"
actor = "source"
mitre = ["T1021", "T1570"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "action", "start", "end"]
description = """
An internal host connects to many other internal hosts on several administrative
protocols (SMB, RPC, RDP, WinRM, SSH): the fan-out of an attacker moving through the
network. Administration hosts that use one protocol (a bastion on SSH) are left out by
min_protocols."""
triage = """
Rejections and resets among the flows mean the source was trying hosts it is not
supposed to reach. Check the source for credential-dumping tools and for logons on the
targets."""

[params.admin_ports]
type = "int-list"
default = [22, 135, 139, 445, 3389, 5985, 5986]
description = "Administrative ports"

[params.min_targets]
type = "int"
default = 20
description = "Distinct internal hosts contacted"

[params.min_protocols]
type = "int"
default = 2
description = "Distinct administrative ports used"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr AS source,
       count(DISTINCT dstaddr) AS targets,
       count(DISTINCT dstport) AS protocols,
       count(*) AS flows,
       count_if(action = 'REJECT') AS rejected,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr)
  AND is_private_ip(dstaddr)
  AND dstport IN ({{admin_ports}})
  AND srcport > 1023
GROUP BY srcaddr
HAVING count(DISTINCT dstaddr) >= {{min_targets}}
   AND count(DISTINCT dstport) >= {{min_protocols}}
ORDER BY protocols DESC, targets DESC, source
LIMIT {{limit}}
