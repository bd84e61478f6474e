"""Transit gateway flow logs, converted beside VPC flow logs, read back by other engines:
DuckDB and PyArrow (plain Parquet, `_tgw_flow_logs/AWSLogs/`), the `deltalake` package
(the table log), and Spark through `flowlake ddl athena --tgw --table-type hive`, each
with the records the raw files hold, field by field.
"""

import collections
import json
import os
import pathlib
import subprocess

import duckdb
import pyarrow.dataset as ds
from deltalake import DeltaTable

import tgw_fixture
from test_spark import LOCATION

BIN = os.environ.get("FLOWLAKE_BIN", str(pathlib.Path(__file__).parents[2] / "target/debug/flowlake"))
INTS = {"version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end",
        "packets-lost-no-route", "packets-lost-blackhole", "packets-lost-mtu-exceeded",
        "packets-lost-ttl-expired", "tcp-flags"}
COLUMNS = [f.replace("-", "_") for f in tgw_fixture.FIELDS]


def run(*args):
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout


def expected(recs):
    """The raw records as rows of typed values, `-` as NULL."""
    def value(field, text):
        if text == "-":
            return None
        return int(text) if field in INTS else text
    return collections.Counter(
        tuple(value(f, r[f]) for f in tgw_fixture.FIELDS) for r in recs)


def test_tgw_records_read_the_same_in_every_engine(tmp_path, spark):
    logs, lake = tmp_path / "logs", tmp_path / "lake"
    recs = tgw_fixture.write(logs, 800)
    run("gen", "--out", str(logs / "vpc"), "--records", "3000", "--hours", "3", "--start", "2026-03-01")
    out = json.loads(run("convert", str(logs), "--out", str(lake), "--json"))
    assert out["inputs_failed"] == 0 and out["records_rejected"] == 0, out
    want = expected(recs)
    cols = ", ".join(f'"{c}"' for c in COLUMNS)

    # DuckDB over the TGW table's folder: exactly the raw records, and none in the VPC folder.
    tgw_glob = str(lake / "_tgw_flow_logs" / "AWSLogs" / "**" / "*.parquet")
    got = collections.Counter(duckdb.sql(
        f"SELECT {cols} FROM read_parquet('{tgw_glob}', hive_partitioning = true)").fetchall())
    assert got == want
    vpc_glob = str(lake / "AWSLogs" / "**" / "*.parquet")
    (vpc_tgw,) = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{vpc_glob}', union_by_name = true) "
        "WHERE version = 6").fetchone()
    assert vpc_tgw == 0
    types = dict(duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{tgw_glob}')").fetchall()[i][:2]
                 for i in range(36))
    assert (types["packets_lost_blackhole"], types["tcp_flags"], types["srcport"]) == \
        ("BIGINT", "INTEGER", "INTEGER")

    # PyArrow, and the table log through the deltalake package.
    table = ds.dataset(lake / "_tgw_flow_logs" / "AWSLogs", format="parquet", partitioning="hive")
    assert table.count_rows() == len(recs)
    delta = DeltaTable(str(lake / "_tgw_flow_logs")).to_pyarrow_table(columns=COLUMNS)
    assert collections.Counter(tuple(r[c] for c in COLUMNS) for r in delta.to_pylist()) == want

    # flowlake itself.
    n = json.loads(run("sql", "--lake", str(lake), "--format", "json", "-e",
                       "SELECT count(*) AS n FROM tgw_flow_logs"))[0]["n"]
    assert n == len(recs)

    # Spark, through the printed Hive DDL.
    ddl = run("ddl", "athena", "--tgw", "--table-type", "hive", "--lake", str(lake),
              "--location", LOCATION)
    statement = "\n".join(l for l in ddl.splitlines() if not l.startswith("--")).strip()
    assert f"{LOCATION}/_tgw_flow_logs/AWSLogs/" in statement
    spark.sql("DROP TABLE IF EXISTS tgw_flow_logs")
    spark.sql(statement.rstrip(";").replace(LOCATION, lake.as_uri()))
    spark.sql("MSCK REPAIR TABLE tgw_flow_logs")
    spark_cols = ", ".join(f"`{c}`" for c in COLUMNS)
    rows = collections.Counter(tuple(r) for r in spark.sql(
        f"SELECT {spark_cols} FROM tgw_flow_logs").collect())
    assert rows == want
