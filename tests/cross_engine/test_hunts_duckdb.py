"""The hunt library, differential: DuckDB runs each hunt's SQL (as `flowlake hunt show
--sql` renders it) on the same Parquet files and must return the same rows as flowlake.

flowlake's own functions are given to DuckDB as macros written here independently (plain
string and integer arithmetic, no inet extension). Hunts that join the threat list need
CIDR containment, which DuckDB has only in an extension; they are the declared exceptions.
"""

import json
import math
import os
import pathlib
import subprocess

import duckdb
import pytest

import tgw_fixture
from duckdb_flowlake import MACROS, NOT_PORTABLE, open_lake

BIN = os.environ.get("FLOWLAKE_BIN", str(pathlib.Path(__file__).parents[2] / "target/debug/flowlake"))

def flowlake(*args):
    out = subprocess.run([BIN, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    base = tmp_path_factory.mktemp("hunts")
    logs, lake = base / "logs", base / "lake"
    # Attacks over the benign traffic that fools naive hunts, so the joins and windows of
    # the detections meet both.
    flowlake("gen", "--out", str(logs), "--records", "40000", "--hours", "36", "--benign")
    # Transit gateway flow logs beside them, for the hunts of tgw_flow_logs.
    tgw_fixture.write(logs / "tgw", 3000)
    flowlake("convert", str(logs), "--out", str(lake), "--quiet")
    return lake


@pytest.fixture(scope="module")
def duck(lake):
    return open_lake(duckdb.connect(), lake)


def hunts():
    names = []
    for line in flowlake("hunt", "list").splitlines():
        if line.startswith("│ ") and not line.startswith("│ name "):
            names.append(line.split("│")[1].strip())
    return names


def rendered(name):
    """The hunt's SQL with its defaults, every row (no LIMIT cut ties differently), and the
    address reports need."""
    show = flowlake("hunt", "show", name)
    params = []
    if "│ limit " in show:
        params += ["--param", "limit=100000000"]
    if "│ ip " in show:
        params += ["--param", "ip=10.0.2.23"]
    return flowlake("hunt", "show", name, "--sql", *params)


def norm(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return str(v)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.11)
    return a == b


def key(row):
    return tuple((x is None, round(x, 0) if isinstance(x, float) else x) for x in row)


def test_every_portable_hunt_gives_duckdbs_rows(lake, duck):
    names = hunts()
    assert len(names) >= 40
    assert NOT_PORTABLE <= set(names)
    compared = 0
    for name in names:
        if name in NOT_PORTABLE:
            continue
        sql = rendered(name)
        ours = subprocess.run(
            [BIN, "sql", "--lake", str(lake), "--format", "ndjson", "-e", sql],
            capture_output=True, text=True,
        )
        assert ours.returncode == 0, f"{name}: {ours.stderr}"
        ours_rows = [list(json.loads(l).values()) for l in ours.stdout.splitlines()]
        theirs = duck.execute(sql.rstrip().rstrip(";")).fetchall()
        a = sorted(([norm(v) for v in r] for r in ours_rows), key=key)
        b = sorted(([norm(v) for v in r] for r in theirs), key=key)
        assert len(a) == len(b), f"{name}: flowlake {len(a)} rows, DuckDB {len(b)}"
        if name.startswith("tgw-"):
            assert a, f"{name}: no rows from the transit gateway records"
        for x, y in zip(a, b):
            assert len(x) == len(y) and all(same(p, q) for p, q in zip(x, y)), f"{name}: {x} != {y}"
        compared += 1
    assert compared == len(names) - len(NOT_PORTABLE)


def test_the_differential_test_notices_a_wrong_answer(lake, duck):
    """The comparison itself: one threshold changed on one side gives a different answer."""
    sql = rendered("port-sweep")
    theirs = duck.execute(sql.rstrip().rstrip(";").replace(">= 25", ">= 5000")).fetchall()
    ours = flowlake("sql", "--lake", str(lake), "--format", "ndjson", "-e", sql)
    assert len(ours.splitlines()) >= 1 and len(theirs) == 0
