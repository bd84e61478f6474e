/*
name = "spambot"
title = "Outbound SMTP from an instance"
severity = "medium"
kind = "detection"
actor = "sender"
mitre = ["T1496"]
guardduty = ["Backdoor:EC2/Spambot"]
min_version = 2
fields = ["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "bytes", "start", "end"]
description = """
An internal host talks SMTP (port 25) to several public mail servers: GuardDuty's
Backdoor:EC2/Spambot. Instances rarely need to deliver mail themselves."""
triage = """
Known mail relays of yours are expected: check whether the source is one. Otherwise look
for a mailer process or a web application abused to send mail."""

[params.smtp_ports]
type = "int-list"
default = [25]
description = "Ports of mail delivery"

[params.min_servers]
type = "int"
default = 3
description = "Distinct public mail servers contacted"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr AS sender,
       count(DISTINCT dstaddr) AS mail_servers,
       count(*) AS flows,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr)
  AND dstport IN ({{smtp_ports}})
  AND protocol = 6
  AND srcport > 1023
GROUP BY srcaddr
HAVING count(DISTINCT dstaddr) >= {{min_servers}}
ORDER BY mail_servers DESC, sender
LIMIT {{limit}}
