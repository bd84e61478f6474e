"""The "generic DuckDB route" of the conversion benchmark: read_csv over the tree of v2
flow logs and COPY ... PARTITION_BY to zstd Parquet, partitioned by account and day.

Usage: python duckdb_convert.py LOGS_DIR OUT_DIR THREADS
"""

import sys

import duckdb

INT32 = {"version", "srcport", "dstport", "protocol"}
INT64 = {"packets", "bytes", "start", "end"}
FIELDS = ["version", "account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport",
          "protocol", "packets", "bytes", "start", "end", "action", "log_status"]


def main(logs, out, threads):
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    columns = {f: "INTEGER" if f in INT32 else "BIGINT" if f in INT64 else "VARCHAR" for f in FIELDS}
    ts = "to_timestamp(start)"
    con.execute(f"""
        COPY (
            SELECT *, account_id AS "aws-account-id",
                   strftime({ts}, '%Y') AS year, strftime({ts}, '%m') AS month, strftime({ts}, '%d') AS day
            FROM read_csv('{logs}/**/*.log.gz', delim = ' ', header = true, nullstr = '-',
                          auto_detect = false, columns = {columns!r})
        ) TO '{out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ("aws-account-id", year, month, day))
    """)


if __name__ == "__main__":
    main(*sys.argv[1:4])
