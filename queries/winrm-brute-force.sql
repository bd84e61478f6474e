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
Impact:EC2/WinRMBruteForce: many short WinRM sessions from one address to one host in a short window,
password guessing. Both directions (an internal host attacking out, or an outside address
attacking in). A session is short below max_session_bytes sent by the client, so
administrators who log in and work (long sessions, many kilobytes) are not mistaken for an
attacker however often they connect; a row is a source, host and window (window_minutes,
default an hour) with at least min_sessions short sessions that are at least half of its
sessions, so automation that logs in and works in bursts is left out too. Slow guessing
(a few attempts an hour): --param window_minutes=1440."""
triage = """
A public source with hundreds of short sessions is an attack; check whether any session
after the burst is long (a success) and whether the port needs to be reachable from the
internet at all. An internal source points to a compromised host or a misconfigured
monitoring probe."""

[params.window_minutes]
type = "int"
default = 60
description = "Length of the window the attempts must fit in, in minutes"

[params.min_sessions]
type = "int"
default = 20
description = "Short sessions from one source to one host in one window"

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
       to_iso8601(from_unixtime("start" - "start" % ({{window_minutes}} * 60))) AS window_start,
       count_if(bytes < {{max_session_bytes}}) AS short_sessions,
       count(*) AS sessions,
       count_if(action = 'REJECT') AS rejected,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE dstport IN (5985, 5986)
  AND protocol = 6
  AND srcport > 1023
GROUP BY srcaddr, dstaddr, dstport, "start" - "start" % ({{window_minutes}} * 60)
HAVING count_if(bytes < {{max_session_bytes}}) >= {{min_sessions}}
   AND count_if(bytes < {{max_session_bytes}}) * 2 >= count(*)
ORDER BY short_sessions DESC, attacker, target, window_start
LIMIT {{limit}}
