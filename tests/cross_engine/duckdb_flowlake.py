"""DuckDB over a flowlake lake, with flowlake's SQL functions as DuckDB macros: shared by
the differential test and the hunt benchmark (bench/hunts.sh).

The macros are written independently of flowlake's Rust functions (plain string and
integer arithmetic, no inet extension), so agreement between the two engines means
something. Hunts that call cidr_contains need DuckDB's inet extension and are left out.
"""

# Hunts DuckDB cannot run without its inet extension (they call cidr_contains).
NOT_PORTABLE = {
    "bitcoin-tool", "blackhole-traffic", "c2-activity", "drop-point", "malicious-ip-caller",
    "tor-client", "tor-relay",
}

MACROS = r"""
CREATE MACRO from_unixtime(t) AS make_timestamp(CAST(t AS BIGINT) * 1000000);
CREATE MACRO to_iso8601(ts) AS strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ');
CREATE MACRO day_of_week(ts) AS isodow(ts);
CREATE MACRO octet(a, i) AS TRY_CAST(split_part(a, '.', i) AS INTEGER);
CREATE MACRO is_private_ip(a) AS CASE
    WHEN a IS NULL THEN NULL
    WHEN strpos(a, ':') > 0 THEN lower(a) = '::1'
        OR regexp_matches(lower(a), '^f[cd][0-9a-f]{2}:')
        OR regexp_matches(lower(a), '^fe[89ab][0-9a-f]:')
    ELSE octet(a, 1) = 10
        OR (octet(a, 1) = 172 AND octet(a, 2) BETWEEN 16 AND 31)
        OR (octet(a, 1) = 192 AND octet(a, 2) = 168)
        OR (octet(a, 1) = 100 AND octet(a, 2) BETWEEN 64 AND 127)
        OR octet(a, 1) = 127
        OR (octet(a, 1) = 169 AND octet(a, 2) = 254)
    END;
CREATE MACRO protocol_name(p) AS CASE p
    WHEN 1 THEN 'ICMP' WHEN 2 THEN 'IGMP' WHEN 4 THEN 'IPv4' WHEN 6 THEN 'TCP'
    WHEN 17 THEN 'UDP' WHEN 41 THEN 'IPv6' WHEN 47 THEN 'GRE' WHEN 50 THEN 'ESP'
    WHEN 51 THEN 'AH' WHEN 58 THEN 'ICMPv6' WHEN 89 THEN 'OSPF' WHEN 103 THEN 'PIM'
    WHEN 112 THEN 'VRRP' WHEN 132 THEN 'SCTP' ELSE CAST(p AS VARCHAR) END;
"""


def open_lake(con, lake):
    """The views vpc_flow_logs and tgw_flow_logs (the lake's _tgw_flow_logs/ folder) over
    the lake's files (partition values kept as text), and the macros, on the DuckDB
    connection `con`."""
    import pathlib

    for view, folder in [("vpc_flow_logs", ""), ("tgw_flow_logs", "_tgw_flow_logs/")]:
        if view == "tgw_flow_logs" and not any(pathlib.Path(lake, folder).rglob("*.parquet")):
            # No transit gateway flow logs: an empty table with the TGW columns.
            con.execute(f"CREATE TABLE {view} ({TGW_COLUMNS})")
            continue
        files = f"{lake}/{folder}AWSLogs/**/*.parquet".replace("'", "''")
        con.execute(
            f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{files}', "
            "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
        )
    con.execute(MACROS)
    return con


# The columns of tgw_flow_logs (AWS's default TGW format, in order), with the partitions.
_TGW_INT = {"version", "srcport", "dstport", "protocol", "tcp_flags"}
_TGW_BIGINT = {"packets", "bytes", "start", "end", "packets_lost_no_route",
               "packets_lost_blackhole", "packets_lost_mtu_exceeded", "packets_lost_ttl_expired"}
TGW_COLUMNS = ", ".join(
    f'"{c}" ' + ("INTEGER" if c in _TGW_INT else "BIGINT" if c in _TGW_BIGINT else "VARCHAR")
    for c in (
        "version resource_type account_id tgw_id tgw_attachment_id tgw_src_vpc_account_id "
        "tgw_dst_vpc_account_id tgw_src_vpc_id tgw_dst_vpc_id tgw_src_subnet_id "
        "tgw_dst_subnet_id tgw_src_eni tgw_dst_eni tgw_src_az_id tgw_dst_az_id "
        "tgw_pair_attachment_id srcaddr dstaddr srcport dstport protocol packets bytes start "
        "end log_status type packets_lost_no_route packets_lost_blackhole "
        "packets_lost_mtu_exceeded packets_lost_ttl_expired tcp_flags region flow_direction "
        "pkt_src_aws_service pkt_dst_aws_service aws-account-id aws-service aws-region year "
        "month day"
    ).split()
)
