#!/usr/bin/env bash
# What leaves the lake for a SOC, timed on a multi-million-record lake: `flowlake report`
# (every query of the page and every detection hunt), `export ocsf` (the whole lake as OCSF
# Network Activity, forced; then again with nothing changed) and reading the OCSF lake back (a count and a hunt through the view).
# The lake is bench/hunts.sh's (RECORDS records over 72 hours, with the attack scenarios).
# Prints a Markdown table of the median of RUNS runs.
#
# Usage: bench/soc.sh [RECORDS] [RUNS]     (defaults: 3000000 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
records="${1:-3000000}"
runs="${2:-3}"
work="${BENCH_DIR:-$root/target/bench-data}"
cd "$root"

cargo build --release --locked -p flowlake >&2
flowlake="${FLOWLAKE_BIN:-$root/target/release/flowlake}"
lake="$(bench/lake "$flowlake" hunts "$records")"
out="$work/soc-$records"
rm -rf "$out"
mkdir -p "$out"

# median of the wall-clock seconds of RUNS runs of a command
time_it() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$out/stderr" || { local rc=$?; [ "$rc" = 3 ] || { cat "$out/stderr" >&2; exit "$rc"; }; }
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

printf 'lake: %s records, %s of Parquet; %s runs each, median\n\n' \
  "$("$flowlake" sql --lake "$lake" -e 'SELECT count(*) FROM vpc_flow_logs' --format csv | tail -1)" \
  "$(du -sh "$lake/AWSLogs" | cut -f1)" "$runs"
echo "| command | seconds |"
echo "|---|---|"
echo "| \`flowlake report --lake LAKE --out report.html\` | $(time_it "$flowlake" report --lake "$lake" --out "$out/report.html") |"
echo "| \`flowlake export ocsf --lake LAKE --out OCSF --force\` (whole lake, replaced each run) | $(time_it "$flowlake" export ocsf --lake "$lake" --out "$out/ocsf" --force) |"
echo "| \`flowlake export ocsf --lake LAKE --out OCSF\` again (every day up to date: skipped) | $(time_it "$flowlake" export ocsf --lake "$lake" --out "$out/ocsf") |"
echo "| \`flowlake sql --lake OCSF -e 'SELECT count(*), sum(bytes) FROM vpc_flow_logs'\` | $(time_it "$flowlake" sql --lake "$out/ocsf" -e 'SELECT count(*), sum(bytes) FROM vpc_flow_logs') |"
echo "| same on the lake | $(time_it "$flowlake" sql --lake "$lake" -e 'SELECT count(*), sum(bytes) FROM vpc_flow_logs') |"
echo "| \`flowlake hunt run port-scan --lake OCSF\` | $(time_it "$flowlake" hunt run port-scan --lake "$out/ocsf") |"
echo "| same on the lake | $(time_it "$flowlake" hunt run port-scan --lake "$lake") |"
printf '\nreport: %s KiB; OCSF: %s of Parquet (lake: %s)\n' \
  "$(( $(stat -c %s "$out/report.html") / 1024 ))" \
  "$(du -sh "$out/ocsf/ext" | cut -f1)" "$(du -sh "$lake/AWSLogs" | cut -f1)"
