/*
name = "ssh-brute-force"
title = "SSH brute force"
severity = "high"
kind = "detection"
actor = "attacker"
target = "target"
mitre = ["T1110"]
guardduty = ["UnauthorizedAccess:EC2/SSHBruteForce"]
min_version = 2
optional = ["interface_id"]
fields = ["interface_id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "bytes", "action", "start", "end", "packets"]
description = """
UnauthorizedAccess:EC2/SSHBruteForce: many short SSH sessions from one address to one host
in a short window, password guessing. Both directions (an internal host attacking out, or
an outside address attacking in). A session is one client port's connection, however many
records it spans (and counted once when both ends' interfaces log it, if the format has
interface-id); it is an attempt when it carried at least min_packets packets and was
accepted (the protocol's exchange began: a bare port check, or SYNs refused by a security
group however often resent, are not login attempts) and fewer than max_session_bytes from
the client, so administrators who log in and work (long sessions, many kilobytes) are not
mistaken for an attacker however often they connect. A row is a source, host and window
(window_minutes, default an hour) with at least min_sessions attempts that are at least
half of its sessions, so automation that logs in and works in bursts is left out too. Slow
guessing (a few attempts an hour): --param window_minutes=1440."""
triage = """
A public source with hundreds of short sessions is an attack; check whether any session
after the burst is long (a success) and whether the port needs to be reachable from the
internet at all. An internal source points to a compromised host or a misconfigured
monitoring probe."""

[params.window_minutes]
type = "int"
default = 60
min = 1
max = 44640
description = "Length of the window the attempts must fit in, in minutes"

[params.min_sessions]
type = "int"
default = 20
description = "Attempts (short sessions) from one source to one host in one window"

[params.min_packets]
type = "int"
default = 4
description = "Packets from the client a session needs to be a login attempt"

[params.max_session_bytes]
type = "int"
default = 5000
description = "Bytes from the client below which a session counts as a failed attempt"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
WITH per_interface AS (
    SELECT srcaddr, dstaddr, dstport, srcport, interface_id,
           "start" - "start" % ({{window_minutes}} * 60) AS window_start,
           sum(bytes) AS bytes,
           sum(packets) AS packets,
           count_if(action = 'REJECT') AS rejected,
           count_if(action = 'ACCEPT') AS accepted,
           min("start") AS first_start,
           max("end") AS last_end
    FROM vpc_flow_logs
    WHERE dstport IN (22)
      AND protocol = 6
      AND srcport > 1023
    GROUP BY srcaddr, dstaddr, dstport, srcport, interface_id,
             "start" - "start" % ({{window_minutes}} * 60)
),
sessions AS (
    -- One row per client port: the records of one connection, seen by one interface
    -- (the busier one when both ends log it).
    SELECT srcaddr, dstaddr, dstport, srcport, window_start,
           max(bytes) AS bytes,
           max(packets) AS packets,
           max(rejected) AS rejected,
           max(accepted) AS accepted,
           min(first_start) AS first_start,
           max(last_end) AS last_end
    FROM per_interface
    GROUP BY srcaddr, dstaddr, dstport, srcport, window_start
)
SELECT srcaddr AS attacker,
       dstaddr AS target,
       dstport AS port,
       to_iso8601(from_unixtime(window_start)) AS window_start,
       count_if(accepted > 0 AND packets >= {{min_packets}} AND bytes < {{max_session_bytes}}) AS short_sessions,
       count(*) AS sessions,
       count_if(rejected > 0) AS rejected,
       to_iso8601(from_unixtime(min(first_start))) AS first_seen,
       to_iso8601(from_unixtime(max(last_end))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM sessions
GROUP BY srcaddr, dstaddr, dstport, window_start
HAVING count_if(accepted > 0 AND packets >= {{min_packets}} AND bytes < {{max_session_bytes}}) >= {{min_sessions}}
   AND count_if(accepted > 0 AND packets >= {{min_packets}} AND bytes < {{max_session_bytes}}) * 2 >= count(*)
ORDER BY short_sessions DESC, attacker, target, window_start
LIMIT {{limit}}
