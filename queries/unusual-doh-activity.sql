/*
name = "unusual-doh-activity"
title = "DNS over HTTPS to a public resolver"
severity = "medium"
kind = "detection"
actor = "host"
target = "resolver"
mitre = ["T1071.004", "T1572"]
guardduty = ["DefenseEvasion:EC2/UnusualDoHActivity"]
min_version = 2
fields = ["srcaddr", "dstaddr", "dstport", "bytes", "start", "end"]
description = """
An internal host talks HTTPS to the address of a well-known public DNS-over-HTTPS
resolver: name resolution that bypasses the VPC resolver and its logs (GuardDuty's
DefenseEvasion:EC2/UnusualDoHActivity)."""
triage = """
Browsers and some runtimes enable DoH by default: check the process. Servers rarely have
a reason to."""

[params.resolvers]
type = "ip-list"
default = ["1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9", "149.112.112.112", "208.67.222.222", "208.67.220.220", "94.140.14.14", "94.140.15.15", "185.228.168.9", "76.76.2.0", "2606:4700:4700::1111", "2606:4700:4700::1001", "2001:4860:4860::8888", "2001:4860:4860::8844", "2620:fe::fe"]
description = "Addresses of public DoH resolvers"

[params.limit]
type = "int"
default = 100
min = 1
description = "Rows to return"
*/
SELECT srcaddr AS host,
       dstaddr AS resolver,
       count(*) AS flows,
       sum(bytes) AS bytes,
       to_iso8601(from_unixtime(min("start"))) AS first_seen,
       to_iso8601(from_unixtime(max("end"))) AS last_seen,
       'flowlake hunt run traffic-from-src-addr --param ip=' || srcaddr AS pivot
FROM vpc_flow_logs
WHERE is_private_ip(srcaddr)
  AND dstaddr IN ({{resolvers}})
  AND dstport = 443
GROUP BY srcaddr, dstaddr
ORDER BY flows DESC, host, resolver
LIMIT {{limit}}
