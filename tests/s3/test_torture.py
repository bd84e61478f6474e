"""The randomized torture test of the lake's exactly-once promise (as in
crates/cli/tests/it/torture.rs) on the S3 test server: several writers on overlapping
inputs, compactions and a reader at once, with kill -9 and SIGSTOP/SIGCONT at random
moments. On S3 the table log is written with conditional PUTs and the runs' leases are
objects. After the re-runs every row is in the lake once, in the table, in the log's last
version and in the Parquet objects plain readers list; every count the reader saw is some
committed version's.

The seed is printed; FLOWLAKE_TORTURE_SEED replays the choices, FLOWLAKE_TORTURE_SECONDS
sets the length.
"""

import io
import json
import os
import random
import signal
import subprocess
import threading
import time

import pyarrow.parquet as pq

from test_s3 import BIN, bucket, count, run

DAY1 = 1_767_225_600


def write_input(path, n, first, day):
    lines = []
    for i in range(first, first + n):
        start = DAY1 + day * 86_400 + (i % 1000) * 60
        lines.append(f"2 111122223333 eni-0a1b2c3d 10.0.{i // 250 % 250}.{i % 250} 10.1.0.9 443 "
                     f"{1024 + i % 60000} 6 10 840 {start} {start + 60} ACCEPT OK\n")
    path.write_text("".join(lines))


def version_counts(client, name, prefix):
    """Rows of every version of the table log, in order, from its commit objects."""
    keys = sorted(o["Key"] for page in client.get_paginator("list_objects_v2")
                  .paginate(Bucket=name, Prefix=f"{prefix}/_delta_log/")
                  for o in page.get("Contents", []) if o["Key"].endswith(".json"))
    active, counts = {}, []
    for key in keys:
        body = client.get_object(Bucket=name, Key=key)["Body"].read().decode()
        for line in body.splitlines():
            action = json.loads(line)
            if "add" in action:
                active[action["add"]["path"]] = json.loads(action["add"]["stats"])["numRecords"]
            elif "remove" in action:
                active.pop(action["remove"]["path"], None)
        counts.append(sum(active.values()))
    return counts


def plain_rows(client, name, prefix):
    """Rows of every Parquet object under AWSLogs/: what a folder reader sees."""
    total = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=f"{prefix}/AWSLogs/"):
        for o in page.get("Contents", []):
            if o["Key"].endswith(".parquet"):
                body = client.get_object(Bucket=name, Key=o["Key"])["Body"].read()
                total += pq.ParquetFile(io.BytesIO(body)).metadata.num_rows
    return total


def resume(p):
    p["resume"] = None
    try:
        os.kill(p["proc"].pid, signal.SIGCONT)
    except ProcessLookupError:
        pass  # ended meanwhile


def test_torture_on_s3(s3, tmp_path):
    seed = int(os.environ.get("FLOWLAKE_TORTURE_SEED", time.time_ns()))
    seconds = float(os.environ.get("FLOWLAKE_TORTURE_SECONDS", "20"))
    print(f"torture on S3: seed {seed} (replay with FLOWLAKE_TORTURE_SEED={seed})")
    ctx = f"seed {seed}: FLOWLAKE_TORTURE_SEED={seed}"
    rng = random.Random(seed)
    env = s3.env()

    pool_dir = tmp_path / "pool"
    pool_dir.mkdir()
    pool, total = [], 0
    for i in range(32):
        n = rng.randrange(20, 120)
        path = pool_dir / f"{i:02d}.log"
        write_input(path, n, total, i % 3)
        pool.append(str(path))
        total += n
    name = bucket(s3)
    lake = f"s3://{name}/t"
    run(["convert", pool[0], "--out", lake, "-q"], env)

    stop = threading.Event()
    reads = []

    def reader():
        while not stop.is_set():
            p = run(["sql", "--lake", lake, "--format", "csv", "-e",
                     "SELECT count(*) FROM vpc_flow_logs"], env, check=False)
            reads.append(int(p.stdout.splitlines()[1]) if p.returncode == 0 else p.stderr)

    thread = threading.Thread(target=reader)
    thread.start()
    procs, finished = [], []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            live = [p for p in procs if not p["killed"]]
            # Requests to S3 are slower than to disk: kills are rarer, so runs also finish.
            choice = rng.randrange(20)
            if choice <= 7 and len(live) < 4:
                inputs = [p for p in pool if rng.random() < 0.4] or [pool[1]]
                every = rng.choice(["1B", "2KiB", "8KiB", "1MiB"])
                args = ["convert", *inputs, "--out", lake, "--commit-every", every, "-q"]
                procs.append({"proc": subprocess.Popen([BIN, *args], env=env, stdout=subprocess.DEVNULL,
                                                       stderr=subprocess.PIPE, text=True),
                              "what": f"convert of {len(inputs)} inputs", "killed": False, "resume": None})
            elif choice in (8, 9) and len(live) < 4:
                args = ["compact", "--lake", lake, "--grace", "3", "--target-file-size", "1MiB"]
                procs.append({"proc": subprocess.Popen([BIN, *args], env=env, stdout=subprocess.DEVNULL,
                                                       stderr=subprocess.PIPE, text=True),
                              "what": "compact", "killed": False, "resume": None})
            elif choice == 10 and live:
                p = rng.choice(live)
                p["proc"].kill()
                p["killed"] = True
                p["resume"] = None
            elif choice in (11, 12, 13):
                running = [p for p in live if p["resume"] is None]
                if running:
                    p = rng.choice(running)
                    os.kill(p["proc"].pid, signal.SIGSTOP)
                    p["resume"] = time.monotonic() + rng.uniform(0.1, 3.0)
            for p in procs:
                if p["resume"] is not None and time.monotonic() >= p["resume"]:
                    resume(p)
            # Paces the random schedule; the assertions do not depend on it.
            time.sleep(rng.uniform(0.02, 0.25))
    finally:
        for p in procs:
            if p["resume"] is not None:
                resume(p)
        for p in procs:
            _, err = p["proc"].communicate(timeout=300)
            if not p["killed"]:
                finished.append((p["what"], p["proc"].returncode, err))
        stop.set()
        thread.join()

    for what, code, err in finished:
        assert code == 0, f"{ctx}: {what} exited {code}: {err}"
    run(["convert", str(pool_dir), "--out", lake], env)
    run(["compact", "--lake", lake, "--grace", "0"], env)
    client = s3.client()
    versions = version_counts(client, name, "t")
    assert (count(lake, env), versions[-1], plain_rows(client, name, "t")) == (total, total, total), ctx
    distinct = run(["sql", "--lake", lake, "--format", "csv", "-e",
                    "SELECT count(*) FROM (SELECT DISTINCT * FROM vpc_flow_logs)"], env).stdout
    assert int(distinct.splitlines()[1]) == total, ctx
    assert len(reads) >= 3, f"{ctx}: the reader ran {len(reads)} statements"
    for r in reads:
        assert isinstance(r, int), f"{ctx}: a reader statement failed: {r}"
        assert r in versions, f"{ctx}: a reader counted {r}; committed versions: {sorted(set(versions))}"
    print(f"torture on S3: seed {seed}: {len(finished)} processes finished, {len(reads)} reads, "
          f"{len(versions)} versions")
