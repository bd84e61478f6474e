"""Two or more builds of flowlake on the portable workload, interleaved run by run so the
machine's drift falls on all of them alike: per build the best whole-process time, the sum
of each query's best time, whether its results equal the first build's, and per query the
best time of each build. bench/portable.sh makes the lake and the statement file first.

Usage: python3 bench/compare-builds.py RECORDS RUNS FLOWLAKE_BIN...
(e.g. 20000000 3 /tmp/flowlake-before target/release/flowlake; 2 threads, as the
portable workload)
"""

import os
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).parents[1]


def main():
    records, runs, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    work = pathlib.Path(os.environ.get("BENCH_DIR", ROOT / "target/bench-data")) / f"portable-{records}"
    lake, script = work / "lake", work / "portable-run.sql"
    if not script.exists():
        sys.exit(f"{script} is missing: run bench/portable.sh {records} first")
    env = dict(os.environ, DATAFUSION_EXECUTION_TARGET_PARTITIONS="2")
    best = {b: None for b in bins}
    total = {b: float("inf") for b in bins}
    out = {}
    for _ in range(runs):
        for b in bins:
            t = time.perf_counter()
            p = subprocess.run([b, "sql", "--lake", str(lake), "-f", str(script), "--format", "csv", "--timing"],
                               capture_output=True, text=True, env=env)
            t = time.perf_counter() - t
            assert p.returncode == 0, p.stderr[-2000:]
            per = [float(x) for x in re.findall(r"([0-9.]+) s$", p.stderr, re.M)]
            best[b] = per if best[b] is None else [min(x, y) for x, y in zip(best[b], per)]
            total[b] = min(total[b], t)
            out[b] = p.stdout
    print("| build | best total s | sum of best per query s | same results as the first |")
    print("|---|---|---|---|")
    for b in bins:
        print(f"| {b} | {total[b]:.2f} | {sum(best[b]):.2f} | {out[b] == out[bins[0]]} |")
    print("\n| # | " + " | ".join(os.path.basename(b) for b in bins) + " |")
    print("|---|" + "---|" * len(bins))
    for i in range(len(best[bins[0]])):
        print(f"| {i + 1} | " + " | ".join(f"{best[b][i]:.3f}" for b in bins) + " |")


if __name__ == "__main__":
    main()
