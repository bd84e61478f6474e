#!/usr/bin/env bash
# Conversion benchmark: flowlake against the two generic routes a user would take instead,
# DuckDB (read_csv + COPY ... PARTITION_BY, zstd) and DataFusion (its CSV reader, columns
# read as text and cast, + COPY ... PARTITIONED BY, zstd), at the same thread count, on a
# generated tree of default-format (v2) flow logs. Prints a Markdown table: best of RUNS
# wall times, peak RSS, output size.
#
# Usage: bench/convert.sh [RECORDS] [THREADS] [RUNS] [TOOLS]  (defaults: 3000000 2 3 all)
# TOOLS=flowlake measures flowlake alone (no DataFusion program to build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
records="${1:-3000000}"
threads="${2:-2}"
runs="${3:-3}"
tools="${4:-all}"
work="${BENCH_DIR:-$root/target/bench-data}"
cd "$root"

cargo build --release --locked -p flowlake >&2
cargo build --release --locked -p flowlake-convert --example inflate >&2
if [ "$tools" = all ]; then
  (cd bench/datafusion-convert && CARGO_TARGET_DIR="$root/target/bench" cargo build --release >&2)
fi
python="$(bench/duckdb-env)"
flowlake="$root/target/release/flowlake"
dfconvert="$root/target/bench/release/datafusion-convert"

logs="$work/logs-$records"
if [ ! -f "$logs/_ground-truth.json" ]; then
  rm -rf "$logs"
  "$flowlake" gen --out "$logs" --records "$records" --v2-only --no-attacks
fi
text_bytes=$(find "$logs" -name '*.log.gz' -print0 | xargs -0 cat | gzip -dc | wc -c)
gz_bytes=$(find "$logs" -name '*.log.gz' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
n=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['records'])" "$logs/_ground-truth.json")

# Runs "$@" RUNS times into a fresh $out; prints "best_seconds max_rss_kb out_bytes".
measure() {
  local best="" rss=0
  for _ in $(seq "$runs"); do
    rm -rf "$out"
    sync
    /usr/bin/time -o "$work/time" -f "%e %M" "$@" >/dev/null 2>"$work/stderr" ||
      { cat "$work/stderr" >&2; return 1; }
    local t secs kb
    t=$(tail -1 "$work/time")
    secs=${t% *}
    kb=${t#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    if [ "$kb" -gt "$rss" ]; then rss=$kb; fi
  done
  echo "$best $rss $(du -sb "$out" | cut -f1)"
}

out="$work/out"
printf 'input: %s records, %.1f MB of text in %s gzip files (%.1f MB)\n\n' "$n" \
  "$(echo "$text_bytes/1000000" | bc -l)" "$(find "$logs" -name '*.log.gz' | wc -l)" "$(echo "$gz_bytes/1000000" | bc -l)"
t0=$(date +%s.%N); find "$logs" -name '*.log.gz' -print0 | xargs -0 cat | gzip -dc >/dev/null; t1=$(date +%s.%N)
printf 'gzip -dc alone, one thread: %.2f s\n' "$(echo "$t1 - $t0" | bc -l)"
# The floor: the same decoder flowlake uses (flate2 on zlib-rs), on the same threads.
floor=""
for _ in $(seq "$runs"); do
  t=$("$root/target/release/examples/inflate" "$logs" "$threads" | cut -d' ' -f1)
  if [ -z "$floor" ] || awk "BEGIN{exit !($t < $floor)}"; then floor=$t; fi
done
printf 'zlib-rs inflate alone (crates/convert/examples/inflate.rs), %s threads: %.3f s\n\n' "$threads" "$floor"

echo "| tool | threads | seconds | records/s | text MB/s | peak RSS MiB | output MB |"
echo "|---|---|---|---|---|---|---|"
row() {
  read -r secs kb bytes
  printf '| %s | %s | %.2f | %.0f | %.0f | %.0f | %.1f |\n' "$1" "$threads" "$secs" \
    "$(echo "$n/$secs" | bc -l)" "$(echo "$text_bytes/1000000/$secs" | bc -l)" \
    "$(echo "$kb/1024" | bc -l)" "$(echo "$bytes/1000000" | bc -l)"
}
fl=$(measure "$flowlake" convert "$logs" --out "$out" -j "$threads" --quiet)
row "flowlake convert" <<<"$fl"
if [ "$tools" = all ]; then
measure "$python" bench/duckdb_convert.py "$logs" "$out" "$threads" | row "DuckDB $("$python" -c 'import duckdb; print(duckdb.__version__)') read_csv + COPY"
df=$(measure "$dfconvert" "$logs" "$out" "$threads")
row "DataFusion 55.2 CSV + COPY" <<<"$df"
printf '\nflowlake / DataFusion: %.2f\n' "$(echo "${fl%% *} / ${df%% *}" | bc -l)"
fi
printf 'flowlake / zlib-rs inflate alone: %.1f\n' "$(echo "${fl%% *} / $floor" | bc -l)"
rm -rf "$out"
