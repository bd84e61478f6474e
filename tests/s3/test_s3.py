"""flowlake against a real S3-compatible server on 127.0.0.1 (see conftest.py): convert
from and to S3, queries and hunts over s3://, re-runs, a killed run, the endpoint going
away mid-run, credential and bucket errors, and compaction under concurrent queries."""

import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

BIN = os.environ.get("FLOWLAKE_BIN") or str(
    Path(__file__).resolve().parents[2] / "target" / "debug" / "flowlake"
)


def run(args, env, check=True, **kw):
    p = subprocess.run([BIN, *args], env=env, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def count(lake, env, where=""):
    out = run(["sql", "--lake", lake, "--format", "csv", "-e",
               f"SELECT count(*) AS n FROM vpc_flow_logs {where}"], env).stdout
    return int(out.splitlines()[1])


def bucket(s3, name=None):
    name = name or f"b-{uuid.uuid4().hex[:12]}"
    s3.client().create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """Generated flow logs in AWS's layout: two days, three formats, injected attacks."""
    out = tmp_path_factory.mktemp("logs")
    subprocess.run([BIN, "gen", "--out", str(out), "--records", "20000", "--hours", "36",
                    "--start", "2026-03-01"], check=True, capture_output=True)
    truth = json.loads((out / "_ground-truth.json").read_text())
    return out, truth


def upload(s3, root, name):
    c = s3.client()
    n = 0
    for p in sorted(Path(root).rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not rel.startswith("_"):
            c.upload_file(str(p), name, f"raw/{rel}")
            n += 1
    return n


def records_in(summary_json):
    return json.loads(summary_json)["records_written"]


@pytest.fixture(scope="module")
def raw(s3, logs):
    """The generated logs uploaded once: (bucket, total records, ground truth)."""
    root, truth = logs
    name = bucket(s3)
    upload(s3, root, name)
    local = Path(root).parent / "local-lake"
    summary = run(["convert", str(root), "--out", str(local), "--json"], s3.env()).stdout
    return name, records_in(summary), truth


def test_convert_s3_to_s3_then_query_hunt_and_rerun(s3, raw):
    src, total, truth = raw
    dst = bucket(s3)
    lake = f"s3://{dst}/lake/"
    out = run(["convert", f"s3://{src}/raw/", "--out", lake, "--json"], s3.env()).stdout
    first = json.loads(out)
    assert first["records_written"] == total and first["inputs_failed"] == 0
    assert count(lake, s3.env()) == total
    # Nothing half-written is left: no staging, no pending record, no lease of the run.
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=dst, Prefix="lake/_flowlake/")
            .get("Contents", [])]
    assert not [k for k in keys if "/staging/" in k or "/pending/" in k or "/runs/" in k], keys
    # Hunts over s3:// find the injected scanner.
    scan = next(s for s in truth["scenarios"] if s["name"] == "port-scan")
    rows = run(["hunt", "run", "port-scan", "--lake", lake, "--format", "json"], s3.env()).stdout
    assert json.loads(rows)[0]["scanner"] == scan["actor"]
    # A re-run of a finished job is a no-op.
    again = json.loads(run(["convert", f"s3://{src}/raw/", "--out", lake, "--json"], s3.env()).stdout)
    assert again["inputs_converted"] == 0 and again["inputs_skipped"] == first["inputs"]
    assert again["files_written"] == 0
    assert count(lake, s3.env()) == total


def test_raw_logs_in_s3_are_queried_where_they_are(s3, raw, logs):
    """`--raw s3://...`: the same rows as the lake converted from the same logs, for the
    whole bucket and for a window, and a hunt over them."""
    src, total, truth = raw
    local = str(Path(logs[0]).parent / "local-lake")
    query = ("SELECT srcaddr, dstaddr, action, count(*) AS n, sum(bytes) AS b FROM vpc_flow_logs "
             "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
    for window in ([], ["--since", "2026-03-01T06:00:00Z", "--until", "2026-03-01T18:00:00Z"]):
        raw_out = run(["sql", "--raw", f"s3://{src}/raw/", "--format", "csv", "-e", query, *window],
                      s3.env())
        lake_out = run(["sql", "--lake", local, "--format", "csv", "-e", query, *window], s3.env())
        assert raw_out.stdout == lake_out.stdout and len(raw_out.stdout.splitlines()) > 100, window
        assert "decoded for this run only" in raw_out.stderr
    scan = next(s for s in truth["scenarios"] if s["name"] == "port-scan")
    rows = run(["hunt", "run", "port-scan", "--raw", f"s3://{src}/raw/", "--format", "json"],
               s3.env()).stdout
    assert json.loads(rows)[0]["scanner"] == scan["actor"]
    # Wrong credentials: a clear error, not an empty table.
    bad = s3.env(keys=(s3.admin[0], "wrong-secret"))
    p = run(["sql", "--raw", f"s3://{src}/raw/", "-e", "SELECT 1"], bad, check=False)
    assert p.returncode == 1, p.stderr
    assert f"--raw s3://{src}/raw/" in p.stderr and "secret access key does not match" in p.stderr, p.stderr


def test_mixed_local_and_s3(s3, raw, logs, tmp_path):
    src, total, _ = raw
    local = tmp_path / "lake"
    run(["convert", f"s3://{src}/raw/", "--out", str(local)], s3.env())
    assert count(str(local), s3.env()) == total
    dst = bucket(s3)
    run(["convert", str(logs[0]), "--out", f"s3://{dst}/"], s3.env())
    assert count(f"s3://{dst}/", s3.env()) == total
    # One object by its key, and a prefix that holds nothing.
    key = next(o["Key"] for o in s3.client().list_objects_v2(Bucket=src, Prefix="raw/AWSLogs/")["Contents"])
    one = json.loads(run(["convert", f"s3://{src}/{key}", "--out", str(tmp_path / "one"), "--json"],
                         s3.env()).stdout)
    assert one["inputs"] == 1 and one["records_written"] > 0
    p = run(["convert", f"s3://{src}/nothing-here/", "--out", str(tmp_path / "none")], s3.env(), check=False)
    assert p.returncode == 1 and f"input s3://{src}/nothing-here/ does not exist" in p.stderr, p.stderr


def test_since_until_lists_only_days_in_range(s3, raw, relay):
    src, _, _ = raw
    dst = bucket(s3)
    env = s3.env(relay)
    lake = f"s3://{dst}/w/"
    relay.requests.clear()
    run(["convert", f"s3://{src}/raw/", "--out", lake, "--since", "2026-03-02",
         "--until", "2026-03-02"], env)
    lists = [r for r in relay.requests if r.startswith("GET /" + src) and "list-type=2" in r]
    assert lists, relay.requests[:5]
    prefixes = " ".join(lists)
    # Day folders of March 2 were listed; March 1 never was (plain and Hive layouts).
    assert "%2F02%2F" in prefixes or "day%3D02" in prefixes, prefixes
    assert "%2F03%2F01%2F" not in prefixes and "day%3D01" not in prefixes, prefixes
    # And exactly March 2's records were converted.
    local_count = count(lake, s3.env())
    assert local_count > 0
    day2 = count(lake, s3.env(), "WHERE day = '02'")
    assert day2 == local_count


def test_killed_run_resumes_exactly_once(s3, raw):
    src, total, _ = raw
    dst = bucket(s3)
    lake = f"s3://{dst}/k/"
    for fault in ["after-pending", "mid-publish", "after-publish"]:
        env = s3.env() | {"FLOWLAKE_FAULT": fault}
        p = run(["convert", f"s3://{src}/raw/", "--out", lake, "--commit-every", "200KiB", "-q"],
                env, check=False)
        assert p.returncode != 0 and f"FLOWLAKE_FAULT={fault}" in p.stderr, p.stderr
        # flowlake's reader sees whole commits only, even now.
        if fault != "after-pending":
            assert count(lake, s3.env()) < total
    done = json.loads(run(["convert", f"s3://{src}/raw/", "--out", lake, "--json",
                           "--commit-every", "200KiB"], s3.env()).stdout)
    assert done["recovered_commits"] >= 1
    assert count(lake, s3.env()) == total
    distinct = run(["sql", "--lake", lake, "--format", "csv", "-e",
                    "SELECT count(*) FROM (SELECT DISTINCT * FROM vpc_flow_logs)"], s3.env()).stdout
    assert int(distinct.splitlines()[1]) == total


def convert_then_cut(s3, relay, src, dst, prefix, retry_timeout):
    """Start converting into s3://dst/prefix/ through the relay, and stop the relay once
    the first commit is published. Returns the process and whether it was still running."""
    env = s3.env(relay) | {"FLOWLAKE_S3_RETRY_TIMEOUT": str(retry_timeout)}
    proc = subprocess.Popen([BIN, "convert", f"s3://{src}/raw/", "--out", f"s3://{dst}/{prefix}/",
                             "-q", "--commit-every", "100KiB"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    c = s3.client()
    while proc.poll() is None:
        # Version 0 creates the table; version 1 is the first commit of data.
        if c.list_objects_v2(Bucket=dst, Prefix=f"{prefix}/_delta_log/00000000000000000001.json").get("KeyCount", 0):
            break
        time.sleep(0.05)
    relay.stop()
    return proc, proc.poll() is None


def test_endpoint_going_away_mid_run(s3, raw, relay):
    """An outage longer than the retry window: the run stops with exit 1 and a clear
    message, leaves only whole commits, and a re-run completes with every row once."""
    src, total, _ = raw
    dst = bucket(s3)
    lake = f"s3://{dst}/r/"
    proc, running = convert_then_cut(s3, relay, src, dst, "r", retry_timeout=4)
    _, err = proc.communicate(timeout=120)
    relay.start()
    assert running, "the run ended before the outage; it proved nothing"
    assert proc.returncode == 1, err
    assert err.startswith("error: ") and "cannot reach S3 (after retrying)" in err, err
    assert 0 < count(lake, s3.env()) < total
    done = json.loads(run(["convert", f"s3://{src}/raw/", "--out", lake, "--json"], s3.env()).stdout)
    assert done["inputs_failed"] == 0
    assert count(lake, s3.env()) == total


def test_endpoint_back_within_the_retry_window(s3, raw, relay):
    """An outage shorter than the retry window: the run rides it out and succeeds."""
    src, total, _ = raw
    dst = bucket(s3)
    proc, running = convert_then_cut(s3, relay, src, dst, "b", retry_timeout=60)
    # The outage: a second of refused connections.
    time.sleep(1)
    running = running and proc.poll() is None
    relay.start()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert running, "the run ended before the outage; it proved nothing"
    assert count(f"s3://{dst}/b/", s3.env()) == total


def test_large_files_upload_in_parts(s3, logs, relay):
    root, _ = logs
    dst = bucket(s3)
    lake = f"s3://{dst}/m/"
    env = s3.env(relay) | {"FLOWLAKE_S3_PART_SIZE": "262144"}
    relay.requests.clear()
    out = json.loads(run(["convert", str(root), "--out", lake, "--compression", "none",
                          "--json"], env).stdout)
    big = [r for r in relay.requests if r.startswith("POST ") and "uploads" in r]
    parts = [r for r in relay.requests if r.startswith("PUT ") and "partNumber=" in r]
    assert big and len(parts) > len(big), relay.requests[:20]
    assert count(lake, s3.env()) == out["records_written"]


def test_credentials_and_bucket_errors(s3, raw, tmp_path):
    src, total, _ = raw
    cases = [
        (s3.env(keys=("AKIAWRONGWRONGWRONG1", "nope")), f"s3://{src}/raw/", "access key ID is not known"),
        (s3.env(keys=(s3.admin[0], "wrong-secret")), f"s3://{src}/raw/", "secret access key does not match"),
        (s3.env(keys=s3.denied), f"s3://{src}/raw/", "access denied"),
        (s3.env(), "s3://no-such-bucket-here/raw/", 'bucket "no-such-bucket-here" does not exist'),
        ({k: v for k, v in s3.env().items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
         | {"HOME": str(tmp_path)}, f"s3://{src}/raw/", "no AWS credentials"),
    ]
    for env, where, says in cases:
        p = run(["convert", where, "--out", str(tmp_path / "l")], env, check=False)
        assert p.returncode == 1, p.stderr
        assert says in p.stderr, (says, p.stderr)
        q = run(["sql", "--lake", where, "-e", "SELECT 1"], env, check=False)
        assert q.returncode == 1 and (says in q.stderr or "not a flowlake lake" in q.stderr), q.stderr
    # A named profile from the shared files works, and a missing one is named.
    creds = tmp_path / "credentials"
    creds.write_text(f"[lab]\naws_access_key_id = {s3.admin[0]}\naws_secret_access_key = {s3.admin[1]}\n")
    env = {k: v for k, v in s3.env().items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env |= {"AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_CONFIG_FILE": str(tmp_path / "none")}
    out = run(["convert", f"s3://{src}/raw/", "--out", str(tmp_path / "p"), "--profile", "lab", "--json"], env)
    assert records_in(out.stdout) == total
    # AWS_PROFILE, with the keys in the credentials file and the endpoint in the config.
    config = tmp_path / "config"
    config.write_text(f"[profile lab]\nregion = us-east-1\nendpoint_url = {s3.endpoint}\n")
    env2 = {k: v for k, v in env.items() if k != "AWS_ENDPOINT_URL"}
    env2 |= {"AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "lab"}
    lake = f"s3://{bucket(s3)}/"
    run(["convert", f"s3://{src}/raw/", "--out", lake], env2)
    assert count(lake, env2) == total
    # --endpoint-url alone (no AWS_ENDPOINT_URL), plain http to loopback.
    env3 = {k: v for k, v in s3.env().items() if k != "AWS_ENDPOINT_URL"}
    out = run(["sql", "--lake", lake, "--endpoint-url", s3.endpoint, "--format", "csv",
               "-e", "SELECT count(*) FROM vpc_flow_logs"], env3).stdout
    assert int(out.splitlines()[1]) == total
    p = run(["sql", "--profile", "nope", "--lake", f"s3://{src}/x/", "-e", "SELECT 1"],
            env, check=False)
    assert p.returncode == 1 and 'AWS profile "nope"' in p.stderr, p.stderr


def test_compaction_with_concurrent_queries(s3, raw):
    src, total, _ = raw
    dst = bucket(s3)
    lake = f"s3://{dst}/c/"
    run(["convert", f"s3://{src}/raw/", "--out", lake, "--commit-every", "100KiB"], s3.env())
    before = [o["Key"] for o in s3.client().list_objects_v2(Bucket=dst, Prefix="c/AWSLogs/")["Contents"]]
    counts, stop = [], threading.Event()

    def query():
        while not stop.is_set():
            counts.append(count(lake, s3.env()))

    t = threading.Thread(target=query)
    t.start()
    try:
        out = run(["compact", "--lake", lake, "--grace", "2", "--json"], s3.env()).stdout
    finally:
        stop.set()
        t.join()
    summary = json.loads(out)
    assert summary["rows"] == total and summary["files_after"] < summary["files_before"]
    assert len(counts) >= 2 and set(counts) == {total}, counts
    after = [o["Key"] for o in s3.client().list_objects_v2(Bucket=dst, Prefix="c/AWSLogs/")["Contents"]]
    assert not set(after) & set(before)
    assert count(lake, s3.env()) == total
    # Nothing left to do; --dry-run of a fragmented lake changes nothing.
    again = json.loads(run(["compact", "--lake", lake, "--json"], s3.env()).stdout)
    assert again["partitions"] == []


@pytest.mark.parametrize("fault", ["after-pending", "mid-publish", "before-retire", "mid-retire"])
def test_killed_compaction_is_recovered(s3, raw, fault):
    src, total, _ = raw
    dst = bucket(s3)
    lake = f"s3://{dst}/kc/"
    run(["convert", f"s3://{src}/raw/", "--out", lake, "--commit-every", "100KiB"], s3.env())
    dry = json.loads(run(["compact", "--lake", lake, "--dry-run", "--json"], s3.env()).stdout)
    files = dry["files_before"]
    assert files >= 2
    p = run(["compact", "--lake", lake, "--grace", "0"], s3.env() | {"FLOWLAKE_FAULT": fault}, check=False)
    assert p.returncode != 0 and f"FLOWLAKE_FAULT={fault}" in p.stderr, p.stderr
    # Whatever the instant, flowlake counts every row once.
    assert count(lake, s3.env()) == total
    done = json.loads(run(["compact", "--lake", lake, "--grace", "0", "--json"], s3.env()).stdout)
    assert count(lake, s3.env()) == total
    left = json.loads(run(["compact", "--lake", lake, "--dry-run", "--json"], s3.env()).stdout)
    assert left["partitions"] == [], left
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=dst, Prefix="kc/_flowlake/")
            .get("Contents", [])]
    assert not [k for k in keys if "/staging/" in k or "/pending/" in k], keys
    assert done["recovered_commits"] + done["retired"] + done["discarded_staging"] >= 1


def test_a_logging_bucket_lists_and_reads_only_flow_logs(s3, logs, relay):
    """A central logging bucket on S3: flow logs beside CloudTrail, Config and ELB logs.
    Only the flow-log folders are listed and read (counted on the wire: no request ever
    names another service's prefix), and the summary says what was left out."""
    root, _ = logs
    name = bucket(s3)
    c = s3.client()
    flow = sorted(p for p in Path(root).rglob("*.log.gz") if "444455556666" in p.as_posix())[:3]
    for p in flow:
        c.upload_file(str(p), name, p.relative_to(root).as_posix())
    others = {
        "AWSLogs/444455556666/CloudTrail/us-east-1/2026/03/01/t.json.gz": b"{}",
        "AWSLogs/444455556666/Config/us-east-1/2026/3/1/ConfigSnapshot/c.json.gz": b"{}",
        "AWSLogs/444455556666/elasticloadbalancing/us-east-1/2026/03/01/e.log.gz": b"h2 x",
        "AWSLogs/444455556666/ELBAccessLogTestFile": b"Enable AccessLog",
    }
    for key, body in others.items():
        c.put_object(Bucket=name, Key=key, Body=body)
    relay.requests.clear()
    out = json.loads(run(["convert", f"s3://{name}/AWSLogs/", "--out", f"s3://{name}/lake/",
                          "--json"], s3.env(relay)).stdout)
    assert out["inputs"] == len(flow) and out["inputs_failed"] == 0, out
    assert out["skipped_other_services"] == {"AWSLogs": 1, "CloudTrail": 1, "Config": 1,
                                             "elasticloadbalancing": 1}, out
    touched = [r for r in relay.requests if f"/{name}" in r]
    for service in ("CloudTrail", "Config", "elasticloadbalancing", "ELBAccessLogTestFile"):
        assert not any(service in r for r in touched), [r for r in touched if service in r]
    gets = [r for r in touched if r.startswith("GET ") and "list-type=2" not in r
            and "/lake/" not in r]
    assert len([r for r in gets if "vpcflowlogs" in r]) == len(flow), gets
    assert count(f"s3://{name}/lake/", s3.env()) == out["records_written"] > 0


def test_a_download_cut_mid_body_is_resumed(s3, relay, tmp_path):
    """The connection of a large download breaks part-way (twice): the object is read on
    from where it broke (a ranged GET of the same object: object_store's own retry of a
    broken body, and flowlake's on top of it), and every record lands once."""
    import gzip

    lines = [
        f"2 111122223333 eni-0a1b2c3d 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256} 10.1.0.9 443 {1024 + i % 60000} 6 10 840 1767225600 1767225660 ACCEPT OK"
        for i in range(120_000)
    ]
    body = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)
    assert len(body) > 600_000
    name = bucket(s3)
    s3.client().put_object(Bucket=name, Key="raw/big.log.gz", Body=body)
    relay.cut_after = 250_000
    relay.cuts = 2
    relay.requests.clear()
    out = json.loads(run(["convert", f"s3://{name}/raw/", "--out", str(tmp_path / "lake"), "--json"],
                         s3.env(relay)).stdout)
    assert relay.cuts == 0, "the download was never cut; the test proved nothing"
    assert out["inputs_failed"] == 0 and out["records_written"] == len(lines), out
    assert any(r.lower().startswith("range:") for r in relay.requests), relay.requests
    n = run(["sql", "--lake", str(tmp_path / "lake"), "--format", "csv", "-e",
             "SELECT count(DISTINCT srcaddr) FROM vpc_flow_logs"], s3.env()).stdout
    assert int(n.splitlines()[1]) == len(lines)

