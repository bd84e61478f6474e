#!/usr/bin/env bash
# The portable workload (bench/portable.sql: 24 queries of the shapes hunts are made of),
# flowlake against the current DuckDB release on the same lake: a generated tree of
# RECORDS records over 72 hours, converted by flowlake. DuckDB comes from PyPI into its own
# environment (target/bench-duckdb), pinned in bench/requirements-duckdb.txt.
#
# Usage: bench/portable.sh [RECORDS] [RUNS] [THREADS]     (defaults: 2000000 3 2)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
records="${1:-2000000}"
runs="${2:-3}"
threads="${3:-2}"
cd "$root"

cargo build --release --locked -p flowlake >&2
flowlake="${FLOWLAKE_BIN:-$root/target/release/flowlake}"
python="$(bench/duckdb-env)"

lake="$(bench/lake "$flowlake" portable "$records")"
printf 'lake: %s records, %s of Parquet\n\n' \
  "$("$flowlake" sql --lake "$lake" -e 'SELECT count(*) FROM vpc_flow_logs' --format csv | tail -1)" \
  "$(du -sh "$lake/AWSLogs" | cut -f1)"
"$python" bench/portable.py "$flowlake" "$lake" "$runs" "$threads"
