"""Hunt benchmark: the hunt library's portable queries (rendered by `flowlake hunt show
--sql`, defaults), run by flowlake and by DuckDB on the same lake. Each engine runs the
whole set in one fresh process per run (start-up, table registration and every query
included); results are fetched in full. Prints a Markdown table of the best of RUNS and,
per hunt, both engines' times from the best run.

Usage: python bench/hunts.py FLOWLAKE_BIN LAKE RUNS THREADS [--inet]

With `--inet`, DuckDB classifies addresses with its inet extension (the interpreter must
have the `duckdb-extension-inet` package: bench/requirements-duckdb-inet.txt) instead of
the string macro the differential test uses.
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
if len(sys.argv) > 5:
    # DuckDB's inet extension: addresses classified by its INET type and containment.
    con.execute(f"LOAD '{sys.argv[5]}'")
    con.execute(sys.argv[6])
out = []
for name, sql in json.load(open(sys.argv[3])):
    t = time.perf_counter()
    rows = con.execute(sql).fetchall()
    out.append((name, time.perf_counter() - t, len(rows)))
print(json.dumps({"total": time.perf_counter() - t0, "hunts": out}))
"""

# With the inet extension, `is_private_ip` is containment in the ranges flowlake's function
# checks (RFC 1918, shared address space, loopback, link-local, unique local, and the same
# as IPv4-mapped IPv6); DuckDB has no such function of its own. The other functions stay
# the macros of tests/cross_engine/duckdb_flowlake.py (time formatting, protocol names):
# they are not about addresses.
_PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10", "::ffff:10.0.0.0/104",
            "::ffff:172.16.0.0/108", "::ffff:192.168.0.0/112", "::ffff:100.64.0.0/106",
            "::ffff:127.0.0.0/104", "::ffff:169.254.0.0/112"]
INET_MACROS = (
    # NULL for what is not an address, as flowlake's parser says: INET also takes a prefix
    # length (`10.0.0.0/8`), octets with leading zeros (`010.0.0.1`) and IPv6 text with a
    # stray colon at either end (`:fe80::1`, `fe80::1:`).
    "CREATE OR REPLACE MACRO is_private_ip(a) AS CASE WHEN TRY_CAST(a AS INET) IS NULL "
    r"OR strpos(a, '/') > 0 OR regexp_matches(a, '(^|[.:])0[0-9]+\.|\.0[0-9]+$') "
    r"OR regexp_matches(a, '^:[^:]|[^:]:$') THEN NULL "
    "ELSE " + " OR ".join(f"TRY_CAST(a AS INET) <<= INET '{c}'" for c in _PRIVATE) + " END"
)


def main():
    bin, lake, runs, threads = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    inet = []
    if sys.argv[5:] == ["--inet"]:
        import duckdb_extension_inet

        ext = next(pathlib.Path(duckdb_extension_inet.__file__).parent.rglob("inet.duckdb_extension"))
        inet = [str(ext), INET_MACROS]
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
            best_fl = (total, per, p.stdout)
        t = time.perf_counter()
        d = subprocess.run([sys.executable, "-c", DUCK, str(pathlib.Path(__file__).parents[1] / "tests/cross_engine"),
                            str(lake), str(work / "hunts.json"), threads, *inet], capture_output=True, text=True)
        total = time.perf_counter() - t
        assert d.returncode == 0, d.stderr
        res = json.loads(d.stdout.strip().splitlines()[-1])
        if best_duck is None or total < best_duck[0]:
            best_duck = (total, [h[1] for h in res["hunts"]], [h[2] for h in res["hunts"]])
    # Same rows: every statement's CSV has a header and one line per row.
    fl_lines = len([l for l in best_fl[2].splitlines() if l.strip() != ""])
    assert fl_lines == sum(best_duck[2]) + len(hunts), (fl_lines, sum(best_duck[2]) + len(hunts))
    print(f"{len(hunts)} portable hunts, {threads} threads, best of {runs} runs (whole process, wall clock)\n")
    print("| engine | seconds, all hunts |")
    print("|---|---|")
    print(f"| flowlake | {best_fl[0]:.2f} |")
    with_inet = " with its inet extension" if inet else ""
    print(f"| DuckDB {__import__('duckdb').__version__}{with_inet} | {best_duck[0]:.2f} |")
    print("\n| hunt | flowlake s | DuckDB s |")
    print("|---|---|---|")
    for (n, _), a, b in zip(hunts, best_fl[1], best_duck[1]):
        print(f"| {n} | {a:.3f} | {b:.3f} |")


if __name__ == "__main__":
    main()
