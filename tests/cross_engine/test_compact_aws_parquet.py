"""Compaction of AWS-delivered Parquet: AWS's own Parquet files hold only their flow-log
format's columns. `flowlake compact` must merge them, with flowlake's own files, into
files of all 54 columns, keeping every row and every value, absent columns as NULL.
Written and read back with PyArrow, and checked with DuckDB too."""

import json
import os
import pathlib
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

BIN = os.environ.get("FLOWLAKE_BIN", str(pathlib.Path(__file__).parents[2] / "target/debug/flowlake"))
PART = ("AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/"
        "aws-region=us-east-1/year=2026/month=03/day=01")


def aws_file(path, first, n):
    """A file as AWS's Parquet delivery writes it for the default v2 format."""
    rows = range(first, first + n)
    table = pa.table({
        "version": pa.array([2] * n, pa.int32()),
        "account_id": pa.array(["123456789012"] * n),
        "interface_id": pa.array([f"eni-{i:08x}" for i in rows]),
        "srcaddr": pa.array([f"10.0.{i // 250}.{i % 250}" for i in rows]),
        "dstaddr": pa.array(["10.1.0.1"] * n),
        "srcport": pa.array([1024 + i for i in rows], pa.int32()),
        "dstport": pa.array([443] * n, pa.int32()),
        "protocol": pa.array([6] * n, pa.int32()),
        "packets": pa.array([i + 1 for i in rows], pa.int64()),
        "bytes": pa.array([(i + 1) * 100 for i in rows], pa.int64()),
        "start": pa.array([1772323200 + i for i in rows], pa.int64()),
        "end": pa.array([1772323260 + i for i in rows], pa.int64()),
        "action": pa.array(["ACCEPT" if i % 7 else "REJECT" for i in rows]),
        "log_status": pa.array(["OK"] * n),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def test_aws_delivered_parquet_is_compacted_to_all_columns(tmp_path):
    lake = tmp_path / "lake"
    for k in range(4):
        aws_file(lake / PART / f"123456789012_vpcflowlogs_us-east-1_fl-1_20260301T00{k}0Z_h{k}.parquet",
                 k * 500, 500)
    before = duckdb.sql(
        f"SELECT sum(bytes), count(*), count(DISTINCT srcport) FROM read_parquet('{lake}/{PART}/*.parquet')"
    ).fetchone()
    # A dry run writes nothing; without --adopt the folder (no table log, not flowlake's)
    # is refused, since AWS's later deliveries into it would not join the table.
    dry = json.loads(subprocess.run([BIN, "compact", "--lake", str(lake), "--dry-run", "--json"],
                                    check=True, capture_output=True, text=True).stdout)
    assert dry["files_before"] == 4 and not (lake / "_delta_log").exists() and not (lake / "_flowlake").exists()
    refused = subprocess.run([BIN, "compact", "--lake", str(lake)], capture_output=True, text=True)
    assert refused.returncode == 1 and "give --adopt" in refused.stderr, refused.stderr
    assert not (lake / "_delta_log").exists()
    out = subprocess.run([BIN, "compact", "--lake", str(lake), "--adopt", "--grace", "0", "--json"],
                         check=True, capture_output=True, text=True).stdout
    summary = json.loads(out)
    assert summary["files_before"] == 4 and summary["files_after"] == 1
    files = list((lake / PART).glob("*.parquet"))
    assert len(files) == 1
    table = pq.read_table(files[0])
    assert table.num_rows == 2000 and table.num_columns == 54
    assert table.column("tcp_flags").null_count == 2000
    assert table.schema.field("srcport").type == pa.int32()
    after = duckdb.sql(
        f"SELECT sum(bytes), count(*), count(DISTINCT srcport) FROM read_parquet('{files[0]}')"
    ).fetchone()
    assert after == before
    starts = table.column("start").to_pylist()
    assert starts == sorted(starts)
    # And flowlake reads the compacted lake with the same totals.
    q = subprocess.run([BIN, "sql", "--lake", str(lake), "--format", "csv", "-e",
                        "SELECT sum(bytes) AS b, count(*) AS n FROM vpc_flow_logs"],
                       check=True, capture_output=True, text=True).stdout.splitlines()[1]
    assert q == f"{before[0]},{before[1]}"
