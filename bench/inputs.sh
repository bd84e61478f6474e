#!/usr/bin/env bash
# Converted inputs in bounded time: N one-record input files converted into a lake in
# about COMMITS commits, then the same command again (nothing left to do), whose time is
# mostly listing the inputs and reading which are converted (the latest checkpoint of the
# table log and the commits after it). Prints the times, the log's size and what the
# re-run read.
#
# Usage: bench/inputs.sh [N] [COMMITS] [BIN]     (defaults: 100000 150 target/release/flowlake)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-100000}"
commits="${2:-150}"
bin="${3:-$root/target/release/flowlake}"
work="${BENCH_DIR:-$root/target/bench-data}/inputs-$n"
[ -x "$bin" ] || { echo "no $bin: build it (cargo build --release -p flowlake) or pass BIN" >&2; exit 1; }

if [ ! -f "$work/.done" ]; then
  rm -rf "$work"
  mkdir -p "$work/logs"
  # One v2 record per file, in folders of 1,000.
  python3 - "$work/logs" "$n" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"{i // 1000:04d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    start = 1767225600 + (i % 86400)
    with open(os.path.join(d, f"{i:07d}.log"), "w") as f:
        f.write(f"2 111122223333 eni-0a1b2c3d 10.0.{i // 250 % 250}.{i % 250} 10.1.0.9 443 {1024 + i % 60000} 6 1 60 {start} {start + 60} ACCEPT OK\n")
EOF
  touch "$work/.done"
fi
bytes=$(find "$work/logs" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
every=$(( bytes / commits + 1 ))
rm -rf "$work/lake"

t0=$(date +%s.%N)
"$bin" convert "$work/logs" --out "$work/lake" --commit-every "$every" -q
t1=$(date +%s.%N)
"$bin" convert "$work/logs" --out "$work/lake" --json > "$work/rerun.json"
t2=$(date +%s.%N)

log="$work/lake/_delta_log"
versions=$(ls "$log" | grep -c '\.json$')
checkpoint=-1
if [ -f "$log/_last_checkpoint" ]; then
  checkpoint=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['version'])" "$log/_last_checkpoint")
fi
latest=$((versions - 1))
echo "inputs: $n, commits: $((versions - 1)) (table versions 0..$latest), latest checkpoint: version $checkpoint (-1: none)"
echo "first conversion: $(echo "$t1 - $t0" | bc) s"
echo "re-run with nothing to do: $(echo "$t2 - $t1" | bc) s; the converted inputs come from the checkpoint and the $((latest - checkpoint)) commit file(s) after it"
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print('re-run summary: inputs', s['inputs'], 'skipped', s['inputs_skipped'], 'converted', s['inputs_converted'])" "$work/rerun.json"
