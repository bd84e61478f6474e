"""What convert asks of S3: requests made to the source bucket for a whole tree and for one
day of it (--since/--until), counted on the wire.

    target/python/bin/python bench/s3_listing.py [HOURS] [RECORDS]

Starts moto_server on 127.0.0.1, uploads a `flowlake gen` tree (three flow logs, AWS
layouts, one object per flow log per five minutes), and converts it S3 to S3 through the
tests' relay, which records every request line. The binary is target/debug/flowlake unless
FLOWLAKE_BIN says otherwise. Times are moto's (a Python server), not S3's: the counts are
the point.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "s3"))
from conftest import Relay, free_port  # noqa: E402

import boto3  # noqa: E402

BIN = os.environ.get("FLOWLAKE_BIN", str(ROOT / "target" / "debug" / "flowlake"))


def main():
    hours = int(sys.argv[1]) if len(sys.argv) > 1 else 240
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="k",
                          aws_secret_access_key="s", region_name="us-east-1")
        s3.create_bucket(Bucket="raw")
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "logs"
            subprocess.run([BIN, "gen", "--out", str(tree), "--records", str(records),
                            "--hours", str(hours)], check=True, capture_output=True)
            objects = 0
            for p in sorted(tree.rglob("*")):
                if p.is_file() and not p.name.startswith("_"):
                    s3.upload_file(str(p), "raw", p.relative_to(tree).as_posix())
                    objects += 1
        relay = Relay(port)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s",
                   AWS_REGION="us-east-1", AWS_ENDPOINT_URL=f"http://127.0.0.1:{relay.port}",
                   AWS_EC2_METADATA_DISABLED="true")
        print(f"{objects} objects over {hours} hours")
        print("| run | inputs | LIST requests | all requests to the source | time |")
        print("|---|---|---|---|---|")
        for n, (label, args) in enumerate([
            ("whole tree", []),
            ("one day (`--since 2026-03-02 --until 2026-03-02`)",
             ["--since", "2026-03-02", "--until", "2026-03-02"]),
        ]):
            s3.create_bucket(Bucket=f"lake{n}")
            relay.requests.clear()
            t = time.monotonic()
            out = subprocess.run([BIN, "convert", "s3://raw/", "--out", f"s3://lake{n}/",
                                  "--json", *args], env=env, check=True, capture_output=True,
                                 text=True).stdout
            took = time.monotonic() - t
            source = [r for r in relay.requests if r.split()[1].startswith("/raw")]
            lists = [r for r in source if "list-type=2" in r]
            print(f"| {label} | {json.loads(out)['inputs']} | {len(lists)} | {len(source)} | {took:.1f} s |")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
