#!/usr/bin/env bash
# Hunt benchmark: every portable hunt of the library, flowlake against DuckDB on the same
# lake (a generated tree of RECORDS records over 72 hours, with the attack scenarios,
# converted by flowlake: sorted files with statistics). Prints Markdown tables.
#
# Usage: bench/hunts.sh [RECORDS] [RUNS] [THREADS]     (defaults: 3000000 3 2)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
records="${1:-3000000}"
runs="${2:-3}"
threads="${3:-2}"
cd "$root"

cargo build --release --locked -p flowlake >&2
flowlake="${FLOWLAKE_BIN:-$root/target/release/flowlake}"

lake="$(bench/lake "$flowlake" hunts "$records")"
printf 'lake: %s records, %s of Parquet\n\n' \
  "$("$flowlake" sql --lake "$lake" -e 'SELECT count(*) FROM vpc_flow_logs' --format csv | tail -1)" \
  "$(du -sh "$lake/AWSLogs" | cut -f1)"
# DuckDB in its own environments (as bench/portable.sh): the current release, which gets
# flowlake's functions as SQL macros (its inet extension is not published for it on
# PyPI, and extensions.duckdb.org may not be reachable), then the newest release whose
# inet extension is on PyPI, classifying addresses with it.
"$(bench/duckdb-env)" bench/hunts.py "$flowlake" "$lake" "$runs" "$threads"
echo
"$(bench/duckdb-env inet)" bench/hunts.py "$flowlake" "$lake" "$runs" "$threads" --inet
