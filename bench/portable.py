"""The portable workload (bench/portable.sql), run by flowlake and by DuckDB on the same
lake's Parquet files: each engine in one fresh process per run (start-up, table
registration and every query included), with the same number of threads, results fetched
in full. Checks both return the same number of rows per query, then prints Markdown
tables: the best total of RUNS runs, and per query both engines' times in that run.

Usage: python bench/portable.py FLOWLAKE_BIN LAKE RUNS THREADS
(`python` is the interpreter whose DuckDB is measured: bench/portable.sh makes one with
the current DuckDB release.)
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).parents[1]

DUCK = r"""
import json, sys, time, pathlib, duckdb
t0 = time.perf_counter()
con = duckdb.connect(config={"threads": int(sys.argv[3])})
con.execute("SET enable_progress_bar = false")
files = f"{sys.argv[1]}/AWSLogs/**/*.parquet".replace("'", "''")
con.execute(f"CREATE VIEW vpc_flow_logs AS SELECT * FROM read_parquet('{files}', "
            "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)")
out = []
for sql in json.load(open(sys.argv[2])):
    t = time.perf_counter()
    rows = con.execute(sql).fetchall()
    out.append((time.perf_counter() - t, len(rows)))
print(json.dumps({"total": time.perf_counter() - t0, "queries": out}))
"""


def statements():
    text = (ROOT / "bench/portable.sql").read_text()
    body = "\n".join(l for l in text.splitlines() if not l.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def main():
    bin, lake, runs, threads = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    queries = statements()
    work = lake.parent
    (work / "portable.json").write_text(json.dumps(queries))
    script = work / "portable-run.sql"
    script.write_text("".join(f"{q};\n" for q in queries))
    env = dict(os.environ, DATAFUSION_EXECUTION_TARGET_PARTITIONS=threads)
    best_fl, best_duck = None, None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([bin, "sql", "--lake", str(lake), "-f", str(script), "--format", "csv",
                            "--timing"], capture_output=True, text=True, env=env)
        total = time.perf_counter() - t
        assert p.returncode == 0, p.stderr
        per = [float(m.group(1)) for m in re.finditer(r"([0-9.]+) s$", p.stderr, re.M)]
        assert len(per) == len(queries), p.stderr
        # Rows per statement: CSV results one after the other, each with its header.
        if best_fl is None or total < best_fl[0]:
            best_fl = (total, per, p.stdout)
        t = time.perf_counter()
        d = subprocess.run([sys.executable, "-c", DUCK, str(lake), str(work / "portable.json"), threads],
                           capture_output=True, text=True)
        total = time.perf_counter() - t
        assert d.returncode == 0, d.stderr
        res = json.loads(d.stdout.strip().splitlines()[-1])
        if best_duck is None or total < best_duck[0]:
            best_duck = (total, res["queries"])
    # Same rows: every statement's CSV has a header and one line per row.
    fl_lines = len([l for l in best_fl[2].splitlines() if l.strip() != ""])
    duck_rows = sum(r for _, r in best_duck[1]) + len(queries)
    assert fl_lines == duck_rows, (fl_lines, duck_rows)
    import duckdb
    print(f"{len(queries)} queries, {threads} threads, best of {runs} runs (whole process, wall clock)\n")
    print("| engine | seconds, all queries |")
    print("|---|---|")
    print(f"| flowlake | {best_fl[0]:.2f} |")
    print(f"| DuckDB {duckdb.__version__} | {best_duck[0]:.2f} |")
    print(f"\nflowlake / DuckDB: {best_fl[0] / best_duck[0]:.2f}\n")
    print("| # | query | flowlake s | DuckDB s | ratio |")
    print("|---|---|---|---|---|")
    for i, (q, a, (b, _)) in enumerate(zip(queries, best_fl[1], best_duck[1]), 1):
        short = q if len(q) <= 90 else q[:87] + "..."
        print(f"| {i} | `{short}` | {a:.3f} | {b:.3f} | {a / b if b else float('nan'):.2f} |")


if __name__ == "__main__":
    main()
