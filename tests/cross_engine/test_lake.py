"""Other engines read flowlake's output and get the same rows as the raw input.

The raw input is parsed here by an independent, deliberately plain Python reader of the
flow-log text (header line -> field names, `-` -> NULL), so the check does not rely on
flowlake's own decoder. DuckDB (hive_partitioning) and PyArrow (hive datasets) then read
the lake and must return exactly those rows, with the partition columns of AWS's layout.
"""

import collections
import datetime
import gzip
import json
import os
import pathlib
import subprocess

import duckdb
import pyarrow.dataset as ds
import pytest

BIN = os.environ.get("FLOWLAKE_BIN", str(pathlib.Path(__file__).parents[2] / "target/debug/flowlake"))

INT_FIELDS = {
    "version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end",
    "tcp-flags", "traffic-path", "encryption-status",
}
# Columns compared row by row: present in every generated format.
KEY = ["account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
       "packets", "bytes", "start", "end", "action", "log_status"]


def run(*args):
    subprocess.run([BIN, *args], check=True, capture_output=True)


def parse_raw(root):
    """Every record of every .log.gz under root, as a dict of column -> value."""
    rows = []
    for path in sorted(pathlib.Path(root).rglob("*.log.gz")):
        with gzip.open(path, "rt") as f:
            fields = None
            for line in f:
                tokens = line.split()
                if not tokens:
                    continue
                if tokens[0] == "version" or tokens[0] == "account-id":
                    fields = tokens
                    continue
                rec = {}
                for name, value in zip(fields, tokens, strict=True):
                    if value == "-":
                        v = None
                    elif name in INT_FIELDS:
                        v = int(value)
                    else:
                        v = value
                    rec[name.replace("-", "_")] = v
                rows.append(rec)
    return rows


def key_rows(rows):
    return collections.Counter(tuple(r.get(k) for k in KEY) for r in rows)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    base = tmp_path_factory.mktemp("cross")
    logs, lake = base / "logs", base / "lake"
    run("gen", "--out", str(logs), "--records", "20000", "--hours", "30")
    run("convert", str(logs), "--out", str(lake), "--quiet")
    truth = json.loads((logs / "_ground-truth.json").read_text())
    return {"logs": logs, "lake": lake, "truth": truth, "raw": parse_raw(logs)}


def test_raw_parser_agrees_with_the_ground_truth(lake):
    assert len(lake["raw"]) == lake["truth"]["records"]
    assert sum(r["bytes"] or 0 for r in lake["raw"]) == lake["truth"]["bytes"]


def test_duckdb_reads_the_same_rows_with_hive_partitions(lake):
    con = duckdb.connect()
    glob = str(lake["lake"] / "AWSLogs" / "**" / "*.parquet")
    # Without autocast DuckDB would read the account id partition as a number, losing the
    # leading zeros some account ids have.
    rel = con.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true, hive_types_autocast = false)")
    cols = rel.columns
    rows = [dict(zip(cols, r)) for r in rel.fetchall()]
    assert key_rows(rows) == key_rows(lake["raw"])
    # Partition columns, named as AWS names them, agree with the records.
    for r in rows:
        assert r["aws-service"] == "vpcflowlogs"
        if r["start"] is not None:
            assert r["aws-account-id"] in ("111122223333", "444455556666")
            day = datetime.datetime.fromtimestamp(r["start"], datetime.UTC).strftime("%Y-%m-%d")
            assert day == f"{r['year']}-{r['month']}-{r['day']}"
    types = dict(con.sql(f"DESCRIBE SELECT * FROM read_parquet('{glob}')").fetchall()[i][:2]
                 for i in range(54))
    assert types["srcport"] == "INTEGER"
    assert types["bytes"] == "BIGINT"
    assert types["end"] == "BIGINT"
    assert types["srcaddr"] == "VARCHAR"
    assert types["traffic_path"] == "INTEGER"
    assert list(types)[:3] == ["version", "account_id", "interface_id"]


def test_pyarrow_reads_the_lake_root_and_skips_hidden_folders(lake):
    dataset = ds.dataset(str(lake["lake"]), format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == lake["truth"]["records"]
    assert "aws-region" in table.column_names
    rows = table.select(KEY).to_pylist()
    assert key_rows(rows) == key_rows(lake["raw"])
    # The v5 flow log's own fields survive the trip.
    v5 = table.filter(ds.field("aws-account-id") == "444455556666").column("flow_direction").to_pylist()
    assert set(v5) == {"ingress", "egress", None}
    assert sum(1 for d in v5 if d) > len(v5) // 2


def test_duckdb_and_pyarrow_agree_on_partition_counts(lake):
    con = duckdb.connect()
    glob = str(lake["lake"] / "AWSLogs" / "**" / "*.parquet")
    duck = dict(
        ((a, r, y, m, d), n)
        for a, r, y, m, d, n in con.sql(
            f"""SELECT "aws-account-id", "aws-region", year::VARCHAR, month::VARCHAR, day::VARCHAR, count(*)
                FROM read_parquet('{glob}', hive_partitioning = true, hive_types_autocast = false)
                GROUP BY ALL"""
        ).fetchall()
    )
    table = ds.dataset(str(lake["lake"]), format="parquet", partitioning="hive").to_table()
    arrow = collections.Counter(
        tuple(str(v) for v in t)
        for t in zip(*(table.column(c).to_pylist() for c in
                       ["aws-account-id", "aws-region", "year", "month", "day"]), strict=True)
    )
    norm = lambda d: {tuple(str(int(x)) if x.isdigit() else x for x in k): v for k, v in d.items()}
    assert norm(duck) == norm(dict(arrow))
    assert len(duck) == 3 * 2  # three flow logs, two days (30 hours)
