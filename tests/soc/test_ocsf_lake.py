"""`flowlake export ocsf`: the lake as OCSF 1.1.0 Network Activity (class 4001) in nested
Parquet, in Amazon Security Lake's custom-source layout, checked with PyArrow (layout,
compression, order, types), DuckDB (every record against its source record) and
ocsf-pydantic (strict validation of the rows), and read back by flowlake itself."""

import csv
import datetime
import io
import json
import pathlib
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowlake_cli import flowlake
from soc_schemas import network_activity_problems

LAYOUT = re.compile(
    r"ext/(?P<source>[^/]+)/region=(?P<region>[^/]+)/accountId=(?P<account>[^/]+)/"
    r"eventDay=(?P<day>\d{8})/[^/]+\.parquet")


def parquet_files(root):
    """The data files: what a Hive reader of the folders reads (names starting with `_` or
    `.`, such as the table log `_delta_log/`, are not data)."""
    root = pathlib.Path(root)
    files = sorted(p for p in root.rglob("*") if p.is_file() and not any(
        part.startswith(("_", ".")) for part in p.relative_to(root).parts))
    assert files, f"nothing under {root}"
    return files


@pytest.fixture(scope="module")
def ocsf_lake(lake, tmp_path_factory):
    out = tmp_path_factory.mktemp("ocsf") / "o"
    flowlake("export", "ocsf", "--lake", lake, "--out", out)
    return out


@pytest.fixture(scope="module")
def ocsf_duck(duck, ocsf_lake):
    """The OCSF files as the view `ocsf` (with the folders' partition values as text) on
    the connection that has the source lake as vpc_flow_logs."""
    files = f"{ocsf_lake}/ext/**/*.parquet".replace("'", "''")
    duck.execute(f"CREATE OR REPLACE VIEW ocsf AS SELECT * FROM read_parquet('{files}', "
                 "hive_partitioning = true, hive_types_autocast = false)")
    return duck


def test_layout_is_security_lakes(ocsf_lake, duck):
    parts = set()
    for f in parquet_files(ocsf_lake):
        rel = f.relative_to(ocsf_lake).as_posix()
        m = LAYOUT.fullmatch(rel)
        assert m, f"{rel} is not ext/SOURCE/region=R/accountId=A/eventDay=YYYYMMDD/NAME.parquet"
        assert m["source"] == "flowlake_vpc_flow"
        t = pq.read_table(f, columns=["cloud", "time"]).to_pylist()
        assert t, f"{rel}: an empty file"
        # eventDay is the UTC day of each row's time (its start).
        for row in t:
            day = datetime.datetime.fromtimestamp(row["time"] / 1000, datetime.timezone.utc)
            assert day.strftime("%Y%m%d") == m["day"], rel
        parts.add((m["region"], m["account"], m["day"]))
    # The partitions are the lake's: its region and account (the flow log owner's) folders,
    # and the day of start. (A row's cloud.account.uid is its record's account-id.)
    expected = set(duck.execute(
        'SELECT DISTINCT "aws-region", "aws-account-id", '
        "strftime(make_timestamp(start * 1000000), '%Y%m%d') FROM vpc_flow_logs").fetchall())
    assert parts == expected


def test_every_column_chunk_is_zstd(ocsf_lake):
    for f in parquet_files(ocsf_lake):
        meta = pq.ParquetFile(f).metadata
        assert meta.num_row_groups >= 1
        for g in range(meta.num_row_groups):
            rg = meta.row_group(g)
            for c in range(rg.num_columns):
                col = rg.column(c)
                assert col.compression == "ZSTD", f"{f}: {col.path_in_schema} is {col.compression}"


def test_rows_are_sorted_by_time_in_each_file(ocsf_lake):
    for f in parquet_files(ocsf_lake):
        times = pq.read_table(f, columns=["time"]).column("time").to_pylist()
        assert all(a <= b for a, b in zip(times, times[1:])), f


def field(schema, path):
    t = schema.field(path[0]).type
    for name in path[1:]:
        assert pa.types.is_struct(t), f"{'.'.join(path)}: {t} is not a struct"
        t = t.field(name).type
    return t


INTEGERS = ["class_uid", "category_uid", "activity_id", "type_uid", "severity_id", "action_id",
            "disposition_id", "connection_info.protocol_num", "connection_info.tcp_flags",
            "connection_info.boundary_id", "connection_info.direction_id", "src_endpoint.port",
            "dst_endpoint.port", "traffic.packets", "traffic.bytes"]
STRINGS = ["class_name", "category_name", "activity_name", "action", "disposition", "severity",
           "status_code", "metadata.version", "metadata.product.name",
           "metadata.product.vendor_name", "metadata.product.feature.name",
           "metadata.product.version", "cloud.provider", "cloud.region", "cloud.zone",
           "cloud.account.uid", "connection_info.boundary", "connection_info.direction"] + [
    f"{side}.{name}" for side in ("src_endpoint", "dst_endpoint")
    for name in ("ip", "interface_uid", "vpc_uid", "subnet_uid", "instance_uid", "svc_name")]


def test_types_are_nested_ocsf(ocsf_lake):
    schemas = {pq.read_schema(f) for f in parquet_files(ocsf_lake)}
    assert len(schemas) == 1, "the files do not share one schema"
    schema = schemas.pop()
    for name in ("time", "start_time", "end_time"):
        assert schema.field(name).type == pa.int64(), name
    for path in INTEGERS:
        assert pa.types.is_integer(field(schema, path.split("."))), path
    for path in STRINGS:
        t = field(schema, path.split("."))
        assert pa.types.is_string(t) or pa.types.is_large_string(t), (path, t)
    for side in ("src_endpoint", "dst_endpoint"):
        t = field(schema, [side, "intermediate_ips"])
        assert pa.types.is_list(t) or pa.types.is_large_list(t), t
        assert pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
    profiles = field(schema, ["metadata", "profiles"])
    assert pa.types.is_list(profiles) or pa.types.is_large_list(profiles)
    unmapped = schema.field("unmapped").type
    assert pa.types.is_map(unmapped), unmapped
    assert pa.types.is_string(unmapped.key_type) and pa.types.is_string(unmapped.item_type)


def test_one_row_per_record(ocsf_lake, duck):
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in parquet_files(ocsf_lake))
    assert rows == duck.execute("SELECT count(*) FROM vpc_flow_logs").fetchone()[0]


# The source record as the contract maps it, and the OCSF row read back to the same shape.
# Ids the contract gives no value for (a NODATA record's activity, a record without
# flow-direction) compare as NULL on both sides; the strict model check covers them.
EXPECTED = """
SELECT start * 1000 AS time, start * 1000 AS start_time, "end" * 1000 AS end_time,
  CASE action WHEN 'ACCEPT' THEN 6 WHEN 'REJECT' THEN 5 END AS activity_id,
  CASE action WHEN 'ACCEPT' THEN 'Traffic' WHEN 'REJECT' THEN 'Refuse' END AS activity_name,
  CASE action WHEN 'ACCEPT' THEN 1 WHEN 'REJECT' THEN 2 END AS action_id,
  CASE action WHEN 'ACCEPT' THEN 'Allowed' WHEN 'REJECT' THEN 'Denied' END AS action,
  CASE action WHEN 'ACCEPT' THEN 1 WHEN 'REJECT' THEN 2 END AS disposition_id,
  CASE action WHEN 'ACCEPT' THEN 'Allowed' WHEN 'REJECT' THEN 'Blocked' END AS disposition,
  log_status AS status_code,
  coalesce(account_id, "aws-account-id") AS account, coalesce(region, "aws-region") AS region,
  az_id AS zone,
  -- spec section 6: the packet's address when it differs, the interface's then in
  -- intermediate_ips
  coalesce(pkt_srcaddr, srcaddr) AS src_ip,
  CASE WHEN pkt_srcaddr IS NOT NULL AND pkt_srcaddr <> srcaddr THEN [srcaddr] END AS src_via,
  srcport,
  coalesce(pkt_dstaddr, dstaddr) AS dst_ip,
  CASE WHEN pkt_dstaddr IS NOT NULL AND pkt_dstaddr <> dstaddr THEN [dstaddr] END AS dst_via,
  dstport, protocol, tcp_flags,
  CASE flow_direction WHEN 'ingress' THEN 1 WHEN 'egress' THEN 2 END AS direction_id,
  CASE flow_direction WHEN 'ingress' THEN 'Inbound' WHEN 'egress' THEN 'Outbound' END AS direction,
  packets, bytes, interface_id, CAST(version AS VARCHAR) AS version
FROM vpc_flow_logs
"""
ACTUAL = """
SELECT time, start_time, end_time,
  CASE WHEN activity_id IN (5, 6) THEN activity_id END,
  CASE WHEN activity_id IN (5, 6) THEN activity_name END,
  CASE WHEN action_id IN (1, 2) THEN action_id END,
  CASE WHEN action_id IN (1, 2) THEN action END,
  CASE WHEN disposition_id IN (1, 2) THEN disposition_id END,
  CASE WHEN disposition_id IN (1, 2) THEN disposition END,
  status_code, cloud.account.uid, cloud.region, cloud.zone,
  src_endpoint.ip, src_endpoint.intermediate_ips, src_endpoint.port,
  dst_endpoint.ip, dst_endpoint.intermediate_ips, dst_endpoint.port,
  connection_info.protocol_num, connection_info.tcp_flags,
  CASE WHEN connection_info.direction_id IN (1, 2) THEN connection_info.direction_id END,
  CASE WHEN connection_info.direction_id IN (1, 2) THEN connection_info.direction END,
  traffic.packets, traffic.bytes,
  coalesce(src_endpoint.interface_uid, dst_endpoint.interface_uid),
  metadata.product.version
FROM ocsf
"""


def test_every_row_is_its_source_record(ocsf_duck):
    con = ocsf_duck
    n = con.execute("SELECT count(*) FROM ocsf").fetchone()[0]
    assert n > 100_000
    missing = con.execute(f"SELECT * FROM ({EXPECTED}) EXCEPT ALL SELECT * FROM ({ACTUAL})").fetchall()
    extra = con.execute(f"SELECT * FROM ({ACTUAL}) EXCEPT ALL SELECT * FROM ({EXPECTED})").fetchall()
    assert not missing and not extra, (
        f"{len(missing)} records without their row, e.g. {missing[:2]}; "
        f"{len(extra)} rows without their record, e.g. {extra[:2]}")
    # The comparison covers both kinds of action and of direction.
    seen = con.execute("SELECT count(DISTINCT activity_id), count(DISTINCT connection_info.direction_id) "
                       "FROM ocsf WHERE activity_id IN (5, 6) AND connection_info.direction_id IN (1, 2)"
                       ).fetchone()
    assert seen == (2, 2)


def test_constant_and_derived_fields(ocsf_duck):
    wrong = ocsf_duck.execute("""
        SELECT count(*) FILTER (WHERE class_uid <> 4001 OR class_name <> 'Network Activity'),
          count(*) FILTER (WHERE category_uid <> 4 OR category_name <> 'Network Activity'),
          count(*) FILTER (WHERE type_uid IS DISTINCT FROM 400100 + activity_id),
          count(*) FILTER (WHERE severity_id <> 1 OR severity <> 'Informational'),
          count(*) FILTER (WHERE metadata.version <> '1.1.0'
                           OR metadata.product.name <> 'Amazon VPC'
                           OR metadata.product.vendor_name <> 'AWS'
                           OR metadata.product.feature.name <> 'Flowlogs'),
          count(*) FILTER (WHERE NOT list_has_all(metadata.profiles, ['cloud', 'security_control'])),
          count(*) FILTER (WHERE cloud.provider <> 'AWS'),
          count(*) FILTER (WHERE time IS NULL OR start_time IS NULL OR end_time IS NULL)
        FROM ocsf""").fetchone()
    assert wrong == (0,) * 8, wrong
    # Partition folders and rows agree (DuckDB's reading of the folder names).
    off = ocsf_duck.execute("""
        SELECT count(*) FROM ocsf WHERE region <> cloud.region OR accountId <> cloud.account.uid
          OR eventDay <> strftime(make_timestamp(time * 1000), '%Y%m%d')""").fetchone()[0]
    assert off == 0


def test_rows_validate_strictly_with_ocsf_pydantic(ocsf_lake):
    """Every NODATA/SKIPDATA row and REJECT row of each file's first 200, and every 60th
    row: each must be a valid ocsf-pydantic Network Activity, keys included."""
    checked, bad = 0, []
    for f in parquet_files(ocsf_lake):
        table = pq.read_table(f)
        status = table.column("status_code").to_pylist()
        activity = table.column("activity_id").to_pylist()
        picked = [i for i in range(table.num_rows)
                  if i % 60 == 0 or status[i] != "OK" or (i < 200 and activity[i] == 5)]
        for i, row in zip(picked, table.take(picked).to_pylist(maps_as_pydicts="strict")):
            p = network_activity_problems(row)
            checked += 1
            if p:
                bad.append((f.name, i, p))
    assert checked >= 3000
    assert not bad, f"{len(bad)} of {checked} rows rejected, first: {bad[:3]}"


def test_the_strict_check_rejects_a_misspelt_key(ocsf_lake):
    f = parquet_files(ocsf_lake)[0]
    rows = pq.read_table(f).slice(0, 100).to_pylist(maps_as_pydicts="strict")
    row = next((r for r in rows if not network_activity_problems(r)), None)
    assert row, "none of the first 100 rows is valid: see the validation test"
    row["connection_info"]["protocol_number"] = row["connection_info"]["protocol_num"]
    assert any("protocol_number" in p for p in network_activity_problems(row))


def test_flowlake_reads_it_back(ocsf_lake, duck):
    out = flowlake("sql", "--lake", ocsf_lake, "-e",
                   "SELECT count(*), sum(bytes) FROM vpc_flow_logs", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 2, out
    count, total = duck.execute("SELECT count(*), sum(bytes) FROM vpc_flow_logs").fetchone()
    assert [int(float(v)) for v in rows[1]] == [count, total]


@pytest.mark.parametrize("hunt", ["port-scan", "ssh-brute-force", "dos-udp", "unusual-dns-resolver"])
def test_hunts_give_the_same_rows_on_the_ocsf_lake(hunt, lake, ocsf_lake):
    def rows(where):
        out = flowlake("hunt", "run", hunt, "--lake", where, "--format", "json").stdout
        return sorted(json.dumps(r, sort_keys=True) for r in json.loads(out))
    source = rows(lake)
    assert source, f"{hunt} found nothing on the source lake"
    assert rows(ocsf_lake) == source


def test_source_name_and_time_window(lake, duck, tmp_path):
    first = duck.execute("SELECT min(start) FROM vpc_flow_logs").fetchone()[0]
    since = (first // 3600 + 6) * 3600
    until = since + 6 * 3600
    iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = tmp_path / "o"
    flowlake("export", "ocsf", "--lake", lake, "--out", out, "--source", "my_flows",
             "--since", iso(since), "--until", iso(until))
    files = parquet_files(out)
    assert all(f.relative_to(out).parts[:2] == ("ext", "my_flows") for f in files)
    # An export writes whole UTC days: the window widens to midnight on both sides.
    day_since = since - since % 86400
    day_until = until if until % 86400 == 0 else until - until % 86400 + 86400
    n = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    assert n == duck.execute(
        f"SELECT count(*) FROM vpc_flow_logs WHERE start >= {day_since} AND start < {day_until}"
    ).fetchone()[0]
    starts = [t for f in files for t in pq.read_table(f, columns=["start_time"]).column(0).to_pylist()]
    assert day_since * 1000 <= min(starts) and max(starts) < day_until * 1000
    # The window was inside one day of a lake of more: the export holds less than the lake.
    assert n < duck.execute("SELECT count(*) FROM vpc_flow_logs").fetchone()[0]
