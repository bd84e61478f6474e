"""Hunt benchmark: the hunt library's portable queries (rendered by `flowlake hunt show
--sql`, defaults), run by flowlake and by DuckDB on the same lake. Each engine runs the
whole set in one fresh process per run (start-up, table registration and every query
included); results are fetched in full. Prints a Markdown table of the best of RUNS and,
per hunt, both engines' times from the best run.

Usage: python bench/hunts.py FLOWLAKE_BIN LAKE RUNS THREADS
"""

import json
import os
import re
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tests/cross_engine"))
from duckdb_flowlake import NOT_PORTABLE  # noqa: E402

DUCK = r"""
import json, sys, time, pathlib, duckdb
sys.path.insert(0, sys.argv[1])
from duckdb_flowlake import open_lake
con = duckdb.connect(config={"threads": int(sys.argv[4])})
con.execute("SET enable_progress_bar = false")
t0 = time.perf_counter()
open_lake(con, pathlib.Path(sys.argv[2]))
out = []
for name, sql in json.load(open(sys.argv[3])):
    t = time.perf_counter()
    rows = con.execute(sql).fetchall()
    out.append((name, time.perf_counter() - t, len(rows)))
print(json.dumps({"total": time.perf_counter() - t0, "hunts": out}))
"""


def main():
    bin, lake, runs, threads = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    names = [l.split("│")[1].strip() for l in subprocess.run([bin, "hunt", "list"], capture_output=True, text=True).stdout.splitlines()
             if l.startswith("│ ") and not l.startswith("│ name ")]
    hunts = []
    for n in names:
        if n in NOT_PORTABLE:
            continue
        show = subprocess.run([bin, "hunt", "show", n], capture_output=True, text=True).stdout
        extra = ["--param", "ip=10.0.2.23"] if "│ ip " in show else []
        sql = subprocess.run([bin, "hunt", "show", n, "--sql", *extra], capture_output=True, text=True, check=True).stdout
        hunts.append((n, sql.strip().rstrip(";")))
    work = lake.parent
    (work / "hunts.json").write_text(json.dumps(hunts))
    script = work / "hunts.sql"
    script.write_text("".join(f"{sql};\n" for _, sql in hunts))

    # Both engines get the same number of threads.
    env = dict(os.environ, DATAFUSION_EXECUTION_TARGET_PARTITIONS=threads)
    best_fl, best_duck = None, None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([bin, "sql", "--lake", str(lake), "-f", str(script), "--format", "csv", "--timing"],
                           capture_output=True, text=True, env=env)
        total = time.perf_counter() - t
        assert p.returncode == 0, p.stderr
        # `--timing` prints one "... 0.123 s" line per statement.
        per = [float(m.group(1)) for m in re.finditer(r"([0-9.]+) s$", p.stderr, re.M)]
        if best_fl is None or total < best_fl[0]:
            best_fl = (total, per)
        t = time.perf_counter()
        d = subprocess.run([sys.executable, "-c", DUCK, str(pathlib.Path(__file__).parents[1] / "tests/cross_engine"),
                            str(lake), str(work / "hunts.json"), threads], capture_output=True, text=True)
        total = time.perf_counter() - t
        assert d.returncode == 0, d.stderr
        res = json.loads(d.stdout.strip().splitlines()[-1])
        if best_duck is None or total < best_duck[0]:
            best_duck = (total, [h[1] for h in res["hunts"]])
    print(f"{len(hunts)} portable hunts, {threads} threads, best of {runs} runs (whole process, wall clock)\n")
    print("| engine | seconds, all hunts |")
    print("|---|---|")
    print(f"| flowlake | {best_fl[0]:.2f} |")
    print(f"| DuckDB {__import__('duckdb').__version__} | {best_duck[0]:.2f} |")
    print("\n| hunt | flowlake s | DuckDB s |")
    print("|---|---|---|")
    for (n, _), a, b in zip(hunts, best_fl[1], best_duck[1]):
        print(f"| {n} | {a:.3f} | {b:.3f} |")


if __name__ == "__main__":
    main()
