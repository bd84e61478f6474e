/*
name = "winrm-brute-force"
title = "WinRM brute force"
severity = "high"
kind = "detection"
mitre = ["T1110"]
guardduty = ["Impact:EC2/WinRMBruteForce"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "bytes", "action", "start", "end"]
description = """
Many short WinRM sessions from one address to one host: password guessing
(Impact:EC2/WinRMBruteForce). Sessions are counted as short below max_session_bytes, so
administrators who log in and work (long sessions, many kilobytes) are not mistaken for
an attacker however often they connect."""
triage = """
A public source with hundreds of short sessions is an attack; check whether any session
after the burst is long (a success) and whether the port needs to be reachable from the
internet at all. An internal source points to a compromised host or a misconfigured
monitoring probe."""

[params.min_sessions]
type = "int"
default = 50
description = "Short sessions from one source to one host"

[params.max_session_bytes]
type = "int"
default = 5000
description = "Bytes (client to server) below which a session counts as a failed attempt"

[params.limit]
type = "int"
default = 100
description = "Rows to return"
*/
SELECT srcaddr AS attacker,
       dstaddr AS target,
       dstport AS port,
       count_if(bytes < {{max_session_bytes}}) AS short_sessions,
       count(*) AS sessions,
       count_if(action = 'REJECT') AS rejected,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen
FROM vpc_flow_logs
WHERE dstport IN (5985, 5986)
  AND protocol = 6
  AND srcport > 1023
GROUP BY srcaddr, dstaddr, dstport
HAVING count_if(bytes < {{max_session_bytes}}) >= {{min_sessions}}
   AND count_if(bytes < {{max_session_bytes}}) * 2 >= count(*)
ORDER BY short_sessions DESC, attacker, target
LIMIT {{limit}}
