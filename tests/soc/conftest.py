"""Fixtures of the SOC output tests (findings, the OCSF lake, the HTML report): one lake of
generated flow logs with attacks over benign traffic, a threat list naming scenarios'
outside addresses, DuckDB over the lake's Parquet files, the hunts' own metadata, and
what `flowlake hunt run --all` reports on the lake."""

import json
import re
import sys
import tomllib

import duckdb
import pytest

from flowlake_cli import ROOT, flowlake

sys.path.insert(0, str(ROOT / "tests" / "cross_engine"))

from duckdb_flowlake import open_lake  # noqa: E402


@pytest.fixture(scope="session")
def lake_env(tmp_path_factory):
    """The lake (`gen --benign`, 36 hours, converted) with its ground truth and a threat
    list built from the ground truth: the beacon's server as c2, the mining pool, the
    exfiltration's drop point, the RDP attacker as a Tor node and the SSH attacker as a
    plain indicator (the categories crates/query/tests/hunts.rs uses)."""
    base = tmp_path_factory.mktemp("soc")
    logs, lake = base / "logs", base / "lake"
    flowlake("gen", "--out", logs, "--records", "40000", "--hours", "36", "--benign")
    flowlake("convert", logs, "--out", lake, "--quiet")
    truth = json.loads((logs / "_ground-truth.json").read_text())
    by = {s["name"]: s for s in truth["scenarios"]}
    ioc = base / "ioc.txt"
    ioc.write_text(
        "# test list\n"
        f"{by['beaconing']['target']} c2\n"
        f"{by['crypto-mining']['target']}/32, mining\n"
        f"{by['data-exfiltration']['target']} drop-point\n"
        f"{by['rdp-brute-force']['actor']} tor\n"
        f"{by['ssh-brute-force']['actor']} malicious\n"
    )
    return {"base": base, "logs": logs, "lake": lake, "ioc": ioc, "truth": truth}


@pytest.fixture(scope="session")
def lake(lake_env):
    return lake_env["lake"]


@pytest.fixture(scope="session")
def ioc(lake_env):
    return lake_env["ioc"]


@pytest.fixture(scope="session")
def duck(lake):
    """DuckDB over the lake's Parquet files: the views vpc_flow_logs and tgw_flow_logs."""
    return open_lake(duckdb.connect(), lake)


@pytest.fixture(scope="session")
def hunt_meta():
    """Each built-in hunt's TOML header (queries/NAME.sql), by name: title, severity,
    kind, actor and target columns, mitre, guardduty, triage."""
    out = {}
    for path in sorted((ROOT / "queries").glob("*.sql")):
        m = re.match(r"\s*/\*(.*?)\*/", path.read_text(), re.S)
        assert m, f"{path}: no metadata block"
        meta = tomllib.loads(m.group(1))
        out[meta["name"]] = meta
    assert len(out) >= 40
    return out


@pytest.fixture(scope="session")
def hunt_all_run(lake, ioc):
    """`hunt run --all --format json --details` on the lake with the threat list."""
    return flowlake("hunt", "run", "--all", "--lake", lake, "--ioc", ioc,
                    "--format", "json", "--details", ok=(0, 3))


@pytest.fixture(scope="session")
def hunt_all(hunt_all_run):
    """What `hunt run --all` reported: one object per hunt (hunt, kind, severity, status,
    rows, title, results)."""
    summary = json.loads(hunt_all_run.stdout)
    detections = [h for h in summary if h["kind"] == "detection"]
    # The lake has attacks: most detections found something.
    assert sum(1 for h in detections if h["status"] == "found") >= 15, summary
    return summary


@pytest.fixture(scope="session")
def artifacts():
    """target/test-artifacts: files a person can look at after the run (a screenshot)."""
    path = ROOT / "target" / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
