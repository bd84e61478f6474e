"""A second Delta Lake reader (the `deltalake` package from PyPI, its own release line of
delta-rs) reads every snapshot flowlake's lake goes through with the same rows as
flowlake, and plain Parquet readers (DuckDB, PyArrow) see the same rows once a
compaction's replaced files are gone.
"""

import json
import os
import pathlib
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable

BIN = os.environ.get("FLOWLAKE_BIN", str(pathlib.Path(__file__).parents[2] / "target/debug/flowlake"))


def run(*args):
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout


def flowlake_totals(lake):
    out = run("sql", "--lake", str(lake), "--format", "json", "-e",
              "SELECT count(*) AS n, sum(bytes) AS b, count(DISTINCT srcaddr) AS s FROM vpc_flow_logs")
    row = json.loads(out)[0]
    return row["n"], row["b"], row["s"]


def delta_totals(lake, version=None):
    table = DeltaTable(str(lake), version=version).to_pyarrow_table(columns=["bytes", "srcaddr"])
    return (table.num_rows, pc.sum(table["bytes"]).as_py(),
            len(pc.unique(pc.drop_null(table["srcaddr"]))))


def test_delta_readers_and_flowlake_agree_on_every_snapshot(tmp_path):
    logs = tmp_path / "logs"
    run("gen", "--out", str(logs), "--records", "4000", "--hours", "30")
    lake = tmp_path / "lake"
    # Several conversions (one per day folder), each a few commits.
    days = sorted({p.parent for p in logs.rglob("*.log.gz")})
    assert len(days) >= 2
    seen = []
    for day in days:
        run("convert", str(day), "--out", str(lake), "--commit-every", "64KiB", "-q")
        assert delta_totals(lake) == flowlake_totals(lake)
        seen.append(flowlake_totals(lake)[0])
    assert seen == sorted(seen) and seen[0] < seen[-1]
    # Every version of the log so far is readable by the other reader: each holds whole
    # commits (never more rows than the next one), the last one all of them.
    latest = DeltaTable(str(lake)).version()
    counts = [delta_totals(lake, v)[0] for v in range(latest + 1)]
    assert counts == sorted(counts) and counts[-1] == seen[-1], counts
    # Compaction: one commit, same rows, fewer files.
    files_before = len(DeltaTable(str(lake)).file_uris())
    summary = json.loads(run("compact", "--lake", str(lake), "--grace", "0", "--json"))
    after = DeltaTable(str(lake))
    assert summary["commits"] >= 1 and len(after.file_uris()) < files_before
    assert delta_totals(lake) == flowlake_totals(lake)
    assert flowlake_totals(lake)[0] == seen[-1]
    # The history names what each commit was.
    operations = {h["operation"] for h in after.history()}
    assert {"CREATE TABLE", "WRITE", "OPTIMIZE"} <= operations, operations
    # Plain Parquet readers (Hive layout) see the same rows: the replaced files are gone.
    glob = str(lake / "AWSLogs" / "**" / "*.parquet")
    n, b = duckdb.sql(f"SELECT count(*), sum(bytes) FROM read_parquet('{glob}', hive_partitioning=true)").fetchone()
    assert (n, b) == flowlake_totals(lake)[:2]
    dataset = ds.dataset(lake / "AWSLogs", format="parquet", partitioning="hive")
    assert dataset.count_rows() == n
    # Partition values in the log match the folders.
    adds = pa.table(after.get_add_actions(flatten=True)).to_pylist()
    for add in adds:
        folders = dict(seg.split("=", 1) for seg in add["path"].split("/")[1:-1])
        for column, value in folders.items():
            assert add[f"partition.{column}"] == value, add


def test_file_statistics_let_delta_readers_skip_files_and_keep_nulls(tmp_path):
    """The log records each file's least and greatest `start` and `end` with their NULL
    counts: the deltalake package filters with them (PyArrow takes a column with bounds
    and no NULL count for never NULL) and returns the rows flowlake returns."""
    day = 1772323200
    lines = [
        f"2 111122223333 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 {day + 100} {day + 160} ACCEPT OK",
        f"2 111122223333 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 {day + 200} - ACCEPT OK",
        f"2 111122223333 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 - {day + 300} ACCEPT OK",
        f"2 111122223333 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 {day + 86400} {day + 86460} ACCEPT OK",
    ]
    (tmp_path / "f.log").write_text("\n".join(lines) + "\n")
    lake = tmp_path / "lake"
    run("convert", "-q", str(tmp_path / "f.log"), "--out", str(lake), "--default-region", "us-east-1")
    table = DeltaTable(str(lake))
    actions = table.get_add_actions(flatten=True)
    names = set(actions.schema.names)
    assert {"min.start", "max.end", "null_count.start", "null_count.end"} <= names, names
    assert actions.column("null_count.end").to_pylist() != [None] * actions.num_rows
    for column, op, value in [("end", ">", 0), ("start", ">=", day), ("end", "<", day + 86400),
                              ("start", "!=", day + 100)]:
        rows = table.to_pyarrow_table(columns=["start", "end"], filters=[(column, op, value)]).num_rows
        sql_op = "<>" if op == "!=" else op
        out = run("sql", "--lake", str(lake), "--format", "json", "-e",
                  f'SELECT count(*) AS n FROM vpc_flow_logs WHERE "{column}" {sql_op} {value}')
        assert rows == json.loads(out)[0]["n"], (column, op, value)
