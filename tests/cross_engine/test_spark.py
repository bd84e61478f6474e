"""Spark reads a flowlake lake through the Hive table `flowlake ddl athena --table-type hive`
prints, and gets the same rows as flowlake and DuckDB.

Spark runs locally (PySpark from PyPI, its bundled Hive metastore in a temporary folder).
It ignores Athena's partition projection properties, so the test does what a Spark user
does with that DDL: create the table, then `MSCK REPAIR TABLE` to register the partition
folders. The only edit to the printed statement is its location: the S3 prefix is
replaced by the lake's folder. Spark's Delta reader (the `delta-spark` jars from Maven
Central) is not tested: that registry is not reachable from the test machines.
"""

import collections
import json
import os
import pathlib
import subprocess

import duckdb
import pytest

BIN = os.environ.get("FLOWLAKE_BIN", str(pathlib.Path(__file__).parents[2] / "target/debug/flowlake"))
LOCATION = "s3://flowlake-test/lake"
KEY = ["account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
       "packets", "bytes", "start", "end", "action", "log_status", "flow_direction",
       "aws-account-id", "aws-region", "year", "month", "day"]


def run(*args):
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout


def hive_ddl(lake, *extra):
    ddl = run("ddl", "athena", "--table-type", "hive", "--lake", str(lake),
              "--location", LOCATION, *extra)
    # Statement only (the trailing comment says what the table guarantees), on the folder.
    statement = "\n".join(l for l in ddl.splitlines() if not l.startswith("--")).strip()
    assert statement.endswith(";") and LOCATION in statement
    return statement.rstrip(";").replace(LOCATION, pathlib.Path(lake).as_uri())


def duckdb_rows(lake):
    glob = str(pathlib.Path(lake) / "AWSLogs" / "**" / "*.parquet")
    cols = ", ".join(f'"{c}"' for c in KEY)
    return collections.Counter(duckdb.sql(
        f"SELECT {cols} FROM read_parquet('{glob}', hive_partitioning = true, "
        f"hive_types_autocast = false)").fetchall())


def spark_rows(spark, table):
    cols = ", ".join(f"`{c}`" for c in KEY)
    return collections.Counter(tuple(r) for r in spark.sql(f"SELECT {cols} FROM {table}").collect())


def flowlake_totals(lake):
    out = run("sql", "--lake", str(lake), "--format", "json", "-e",
              "SELECT count(*) AS n, sum(bytes) AS b FROM vpc_flow_logs")
    row = json.loads(out)[0]
    return row["n"], row["b"]


@pytest.mark.parametrize("partition", ["day", "hour"])
def test_spark_reads_the_hive_ddl_with_the_rows_of_flowlake_and_duckdb(spark, tmp_path, partition):
    logs, lake = tmp_path / "logs", tmp_path / "lake"
    run("gen", "--out", str(logs), "--records", "6000", "--hours", "30")
    # Two conversions and a compaction: the table must read what the lake holds after all.
    days = sorted({p.parent for p in logs.rglob("*.log.gz")})
    for day in days:
        run("convert", str(day), "--out", str(lake), "--partition", partition, "-q")
    run("compact", "--lake", str(lake), "--grace", "0")
    table = f"vpc_flow_logs_{partition}"
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    spark.sql(hive_ddl(lake, "--table", table))
    spark.sql(f"MSCK REPAIR TABLE {table}")

    # Column types as declared, partition columns as AWS names them.
    types = dict((f.name, f.dataType.simpleString()) for f in spark.table(table).schema.fields)
    assert (types["srcport"], types["bytes"], types["end"], types["srcaddr"]) == \
        ("int", "bigint", "bigint", "string")
    partitions = ["aws-account-id", "aws-service", "aws-region", "year", "month", "day"]
    if partition == "hour":
        partitions.append("hour")
    assert list(types)[-len(partitions):] == partitions

    rows = spark_rows(spark, table)
    assert rows == duckdb_rows(lake)
    n, b = flowlake_totals(lake)
    truth = json.loads((logs / "_ground-truth.json").read_text())
    assert sum(rows.values()) == n == truth["records"]
    assert sum(r[KEY.index("bytes")] or 0 for r in rows.elements()) == b
    # Partition filters: one account's rows only, one day's rows only.
    account = "444455556666"
    pruned = spark.sql(f"SELECT count(*) FROM {table} WHERE `aws-account-id` = '{account}'").collect()[0][0]
    assert 0 < pruned < n
    assert pruned == sum(c for r, c in rows.items() if r[KEY.index("aws-account-id")] == account)
    day = min(r[KEY.index("day")] for r in rows)
    one_day = spark.sql(f"SELECT count(*) FROM {table} WHERE day = '{day}'").collect()[0][0]
    assert 0 < one_day < n
    assert one_day == sum(c for r, c in rows.items() if r[KEY.index("day")] == day)
