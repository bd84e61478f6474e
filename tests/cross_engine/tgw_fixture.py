"""Transit gateway flow logs for the cross-engine tests, written in AWS's default TGW
format (version 6, 36 fields; AWS Transit Gateway guide, "Transit Gateway Flow Logs
records") and S3 layout, from a seed.
"""

import gzip
import pathlib
import random

FIELDS = (
    "version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id "
    "tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id "
    "tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr "
    "srcport dstport protocol packets bytes start end log-status type packets-lost-no-route "
    "packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region "
    "flow-direction pkt-src-aws-service pkt-dst-aws-service"
).split()

OWNER = "444455556666"
REGION = "eu-west-1"
TGW = "tgw-0fedcba9876543210"
# (attachment, VPC, account): a shared-services VPC and two workload accounts.
ATTACHMENTS = [
    ("tgw-attach-0aaa1111bbbb22220", "vpc-0aaa1111bbbb22220", "444455556666"),
    ("tgw-attach-0ccc3333dddd44440", "vpc-0ccc3333dddd44440", "777788889999"),
    ("tgw-attach-0eee5555ffff66660", "vpc-0eee5555ffff66660", "111122223333"),
]


def records(n, seed, start):
    """`n` TGW records (dicts of field -> text) from `start` (Unix seconds), some with
    packets lost, some `-` where AWS writes it."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        src, dst = rng.sample(ATTACHMENTS, 2)
        t = start + rng.randrange(0, 3 * 3600)
        lost = [0, 0, 0, 0]
        if rng.random() < 0.2:
            lost[rng.randrange(4)] = rng.randrange(1, 40)
        rec = {
            "version": "6", "resource-type": "TransitGateway", "account-id": OWNER,
            "tgw-id": TGW, "tgw-attachment-id": src[0],
            "tgw-src-vpc-account-id": src[2], "tgw-dst-vpc-account-id": dst[2],
            "tgw-src-vpc-id": src[1], "tgw-dst-vpc-id": dst[1],
            "tgw-src-subnet-id": "subnet-0" + src[1][5:], "tgw-dst-subnet-id": "subnet-0" + dst[1][5:],
            "tgw-src-eni": f"eni-0{i % 7}a", "tgw-dst-eni": f"eni-0{i % 5}b",
            "tgw-src-az-id": "euw1-az1", "tgw-dst-az-id": "euw1-az3",
            "tgw-pair-attachment-id": dst[0] if rng.random() < 0.8 else "-",
            "srcaddr": f"10.{ATTACHMENTS.index(src)}.{i % 250}.{rng.randrange(1, 250)}",
            "dstaddr": f"10.{ATTACHMENTS.index(dst)}.{rng.randrange(0, 4)}.{rng.randrange(1, 250)}",
            "srcport": str(rng.randrange(1024, 65535)), "dstport": str(rng.choice([443, 5432, 22, 53])),
            "protocol": str(rng.choice([6, 6, 17])), "packets": str(rng.randrange(1, 500)),
            "bytes": str(rng.randrange(40, 900000)), "start": str(t), "end": str(t + 60),
            "log-status": "OK", "type": "IPv4",
            "packets-lost-no-route": str(lost[0]), "packets-lost-blackhole": str(lost[1]),
            "packets-lost-mtu-exceeded": str(lost[2]), "packets-lost-ttl-expired": str(lost[3]),
            "tcp-flags": str(rng.choice([2, 3, 18, 19])), "region": REGION,
            "flow-direction": rng.choice(["ingress", "egress"]),
            "pkt-src-aws-service": "-", "pkt-dst-aws-service": "-",
        }
        out.append(rec)
    return out


def write(root, n, seed=7, start=1772323200):
    """Write `n` records into files of AWS's S3 layout under `root` (a folder holding
    `AWSLogs/`), one file per hour; returns the records."""
    recs = records(n, seed, start)
    by_hour = {}
    for r in recs:
        by_hour.setdefault(int(r["start"]) // 3600 * 3600, []).append(r)
    for hour, rs in sorted(by_hour.items()):
        import datetime
        t = datetime.datetime.fromtimestamp(hour, datetime.UTC)
        folder = pathlib.Path(root) / "AWSLogs" / OWNER / "vpcflowlogs" / REGION / t.strftime("%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{OWNER}_vpcflowlogs_{REGION}_fl-0tgw0000000000001_{t.strftime('%Y%m%dT%H%M')}Z_{hour % 99991:08x}.log.gz"
        with gzip.open(folder / name, "wt") as f:
            f.write(" ".join(FIELDS) + "\n")
            for r in sorted(rs, key=lambda r: int(r["start"])):
                f.write(" ".join(r[k] for k in FIELDS) + "\n")
    return recs
