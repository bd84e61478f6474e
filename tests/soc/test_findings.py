"""`flowlake hunt run ... --findings FILE`: every row of every detection that found rows as
an OCSF 1.1.0 Detection Finding (validated strictly with py-ocsf-models and ocsf-pydantic)
or as AWS Security Finding Format batches (validated with botocore's Security Hub model),
with the content of `hunt run --all --format json --details` and stable ids."""

import collections
import copy
import datetime
import ipaddress
import json
import math
import re

import pytest

from flowlake_cli import flowlake
from soc_schemas import batch_problems, detection_finding_problems, iso_ms

ACCOUNT, REGION = "123456789012", "us-east-1"
SEVERITY = {"high": (4, "High"), "medium": (3, "Medium"), "low": (2, "Low"),
            "info": (1, "Informational")}
ASFF_LABEL = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW", "info": "INFORMATIONAL"}
# Row columns that are evidence of time, not identity (the contract: counts and last seen
# do not change a finding's id).
TIME_COLUMNS = {"first_seen", "last_seen"}
KEY_INTEGERS = {"port", "dstport", "srcport", "protocol"}


def read_ndjson(path):
    text = path.read_text()
    assert text.endswith("\n") or text == "", f"{path}: the last line is not ended"
    return [json.loads(line) for line in text.splitlines()]


def run_findings(lake, ioc, out, *extra, hunt="--all", status=None):
    done = flowlake("hunt", "run", hunt, "--lake", lake, "--ioc", ioc, "--findings", out, *extra,
                    ok=(0, 3))
    if status is not None:
        status.append(done.returncode)
    return read_ndjson(out)


def is_ip(v):
    try:
        ipaddress.ip_address(v)
        return True
    except (TypeError, ValueError):
        return False


# Private ranges as flowlake's is_private_ip counts them (Python's is_private also counts
# the documentation ranges, which the generator uses as public addresses).
INTERNAL = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10")]


def internal(ip):
    a = ipaddress.ip_address(ip)
    return any(a.version == n.version and a in n for n in INTERNAL)


def canonical(row):
    """A row as comparable text: keys sorted, floats to 9 significant digits."""
    def norm(v):
        if isinstance(v, float):
            return float(f"{v:.9g}")
        return v
    return json.dumps({k: norm(v) for k, v in row.items()}, sort_keys=True)


def expected_findings(hunt_all):
    """(hunt, row) for every row of every detection in `hunt run --all --details`."""
    out = []
    for h in hunt_all:
        if h["kind"] != "detection":
            continue
        for row in h.get("results") or []:
            out.append((h, row))
    return out


def actor_target(meta, row):
    """The actor and target addresses of a row, per the hunt's `actor`/`target` columns
    (None when the hunt has no such column or its value is not an address)."""
    a = row.get(meta["actor"]) if meta.get("actor") else None
    t = row.get(meta["target"]) if meta.get("target") else None
    return (a if is_ip(a) else None), (t if is_ip(t) else None)


def endpoint_ip(f, side):
    ev = (f.get("evidences") or [{}])[0]
    return (ev.get(side) or {}).get("ip")


def resolve(doc, path):
    """The value at an OCSF observable name such as `evidences[0].src_endpoint.ip`."""
    cur = doc
    for part in path.split("."):
        m = re.fullmatch(r"([a-z_]+)(?:\[(\d+)\])?", part)
        assert m, f"observable name {path!r}"
        cur = cur[m.group(1)]
        if m.group(2) is not None:
            cur = cur[int(m.group(2))]
    return cur


@pytest.fixture(scope="module")
def ocsf(lake, ioc, tmp_path_factory):
    path = tmp_path_factory.mktemp("findings") / "f.ndjson"
    status = []
    docs = run_findings(lake, ioc, path, status=status)
    return path, docs, status[0]


@pytest.fixture(scope="module")
def findings(ocsf):
    docs = ocsf[1]
    assert docs, "no findings on a lake with attacks"
    return docs


@pytest.fixture(scope="module")
def asff(lake, ioc, tmp_path_factory):
    path = tmp_path_factory.mktemp("asff") / "a.ndjson"
    lines = run_findings(lake, ioc, path, "--findings-format", "asff",
                         "--account", ACCOUNT, "--securityhub-region", REGION)
    return path, lines


@pytest.fixture(scope="module")
def lake_facts(duck):
    interfaces = {r[0]: r[1:] for r in duck.execute(
        "SELECT interface_id, list(DISTINCT instance_id), list(DISTINCT vpc_id), "
        "list(DISTINCT subnet_id) FROM vpc_flow_logs WHERE interface_id IS NOT NULL "
        "GROUP BY interface_id").fetchall()}
    accounts = {r[0] for r in duck.execute(
        'SELECT DISTINCT coalesce(account_id, "aws-account-id") FROM vpc_flow_logs').fetchall()}
    regions = {r[0] for r in duck.execute(
        'SELECT DISTINCT coalesce(region, "aws-region") FROM vpc_flow_logs').fetchall()}
    first, last = duck.execute('SELECT min(start), max("end") FROM vpc_flow_logs').fetchone()
    return {"interfaces": interfaces, "accounts": accounts, "regions": regions,
            "first": first, "last": last}


# --- OCSF: the schema ---------------------------------------------------------------------

def test_every_finding_validates_strictly_with_both_ocsf_model_sets(findings):
    bad = {}
    for i, f in enumerate(findings):
        p = detection_finding_problems(f)
        if p:
            bad[i] = p
    assert not bad, f"{len(bad)} of {len(findings)} findings rejected, first: " + json.dumps(
        dict(list(bad.items())[:3]), indent=1)[:6000]


@pytest.mark.parametrize("where,key", [
    ((), "severty"),
    (("finding_info",), "titel"),
    (("finding_info", "analytic"), "uuid"),
    (("metadata", "product"), "vendor"),
    (("cloud", "account"), "typeid"),
    (("evidences", 0, "dst_endpoint"), "prot"),
])
def test_the_strict_check_rejects_a_misspelt_key(findings, where, key):
    """The validation itself: a key neither model defines fails, at any depth, in the
    findings flowlake wrote (one that has the object it changes)."""
    def has(f):
        cur = f
        for step in where:
            try:
                cur = cur[step]
            except (KeyError, IndexError, TypeError):
                return False
        return isinstance(cur, dict)
    base = next((f for f in findings if has(f) and not detection_finding_problems(f)), None)
    assert base, f"no valid finding has {where}: see the validation test"
    f = copy.deepcopy(base)
    cur = f
    for step in where:
        cur = cur[step]
    cur[key] = "x"
    found = detection_finding_problems(f)
    assert any(f"has no field {key!r}" in p for p in found), found
    if where != ("evidences", 0, "dst_endpoint"):
        # py-ocsf-models lacks the endpoints (allowed above); elsewhere both must catch it.
        assert any(p.startswith("py-ocsf-models") and key in p for p in found), found
    assert any(p.startswith("ocsf-pydantic") and key in p for p in found), found


def test_a_wrong_type_fails_the_strict_check(findings):
    base = next((f for f in findings if not detection_finding_problems(f)), None)
    assert base, "no valid finding: see the validation test"
    f = copy.deepcopy(base)
    f["severity_id"] = str(f["severity_id"])
    assert detection_finding_problems(f)
    f = copy.deepcopy(base)
    f["type_uid"] = 200402
    assert any("type_uid" in p for p in detection_finding_problems(f))


# --- OCSF: the content --------------------------------------------------------------------

def test_the_exit_status_is_hunt_runs(ocsf, hunt_all_run):
    """0, or 3 when some detection could not look: the same with --findings as without."""
    assert ocsf[2] == hunt_all_run.returncode


def test_the_findings_are_the_rows_of_the_detections(findings, hunt_all, hunt_meta):
    expected = expected_findings(hunt_all)
    assert len(findings) == len(expected)
    want = collections.Counter((h["hunt"], canonical(row)) for h, row in expected)
    got = collections.Counter(
        (f["finding_info"]["analytic"]["uid"], canonical(f["evidences"][0]["data"]))
        for f in findings)
    assert got == want, (
        f"missing: {list((want - got).elements())[:5]}\nextra: {list((got - want).elements())[:5]}")
    # Counts per hunt, and none for reports or hunts that found nothing.
    per_hunt = collections.Counter(f["finding_info"]["analytic"]["uid"] for f in findings)
    for h in hunt_all:
        n = h["rows"] if h["kind"] == "detection" and h["status"] == "found" else 0
        assert per_hunt.get(h["hunt"], 0) == n, h["hunt"]
    # Actor and target: the hunt's actor and target columns.
    want_at = {(h["hunt"], *actor_target(hunt_meta[h["hunt"]], row)) for h, row in expected}
    got_at = {(f["finding_info"]["analytic"]["uid"], endpoint_ip(f, "src_endpoint"),
               endpoint_ip(f, "dst_endpoint")) for f in findings}
    assert got_at == want_at
    assert len(want_at) >= 15


def test_each_finding_carries_its_hunt(findings, hunt_all, hunt_meta, lake_facts):
    by_name = {h["hunt"]: h for h in hunt_all}
    for f in findings:
        hunt = f["finding_info"]["analytic"]["uid"]
        h, meta = by_name[hunt], hunt_meta[hunt]
        row = f["evidences"][0]["data"]
        assert (f["class_uid"], f["class_name"]) == (2004, "Detection Finding")
        assert (f["category_uid"], f["category_name"]) == (2, "Findings")
        assert (f["activity_id"], f["activity_name"]) == (1, "Create")
        assert (f["type_uid"], f["type_name"]) == (200401, "Detection Finding: Create")
        assert (f["severity_id"], f["severity"]) == SEVERITY[h["severity"]] == SEVERITY[meta["severity"]]
        assert (f["status_id"], f["status"]) == (1, "New")
        info = f["finding_info"]
        assert info["analytic"] == {"uid": hunt, "name": hunt, "type_id": 1, "type": "Rule"}
        assert info["title"] == meta["title"] == h["title"]
        assert f["metadata"]["uid"] == info["uid"]
        assert f["metadata"]["version"] == "1.1.0"
        assert "cloud" in f["metadata"]["profiles"]
        assert f["metadata"]["product"]["name"] == "flowlake"
        assert info["data_sources"] == ["Amazon VPC Flow Logs"]
        assert info["types"] == (meta.get("guardduty") or [f"flowlake:{hunt}"])
        attacked = {a.get("technique", {}).get("uid") for a in info.get("attacks", [])} | {
            a.get("sub_technique", {}).get("uid") for a in info.get("attacks", [])}
        assert set(meta.get("mitre") or []) <= attacked, (hunt, info.get("attacks"))
        for a in info.get("attacks", []):
            assert re.fullmatch(r"TA\d{4}", a["tactic"]["uid"]), a
        assert " ".join(f["remediation"]["desc"].split()) == " ".join(meta["triage"].split())
        # The message names the title, the actor and the target.
        actor, target = actor_target(meta, row)
        assert f["message"].startswith(f"{meta['title']}: "), f["message"]
        for addr in (actor, target):
            if addr:
                assert addr in f["message"], (f["message"], addr)
        if actor and target:
            assert f["message"] == f"{meta['title']}: {actor} -> {target}"
        # A port in the row is the target's port.
        port = row.get("port", row.get("dstport"))
        if target and isinstance(port, int):
            assert f["evidences"][0]["dst_endpoint"].get("port") == port
        # Observables point at values in the finding itself.
        for o in f.get("observables", []):
            assert resolve(f, o["name"]) == o["value"], o
            if o["type_id"] == 2:
                assert is_ip(o["value"]), o
        assert any(o["value"] == actor for o in f.get("observables", [])) or not actor
        # The cloud and resources are the lake's.
        assert f["cloud"]["provider"] == "AWS"
        assert f["cloud"]["account"]["uid"] in lake_facts["accounts"]
        assert f["cloud"]["region"] in lake_facts["regions"]
        for r in f.get("resources", []):
            assert r["type"] == "AWS::EC2::NetworkInterface", r
            assert r["uid"] in lake_facts["interfaces"], r
            assert r["data"]["address"] in {actor, target}, (r, actor, target)
            instances, vpcs, subnets = lake_facts["interfaces"][r["uid"]]
            for key, known in (("instance_id", instances), ("vpc_id", vpcs), ("subnet_id", subnets)):
                if key in r["data"]:
                    assert r["data"][key] in known, (r, key, known)
            assert r["region"] in lake_facts["regions"] and r["cloud_partition"] == "aws"
        # How to run it again.
        cmd = f["unmapped"]["flowlake_command"]
        assert cmd.startswith(f"flowlake hunt run {hunt} ") and "--lake" in cmd, cmd
        if "pivot" in row:
            # The row's pivot, with the run's --lake and lists so it runs as is.
            pivot = f["unmapped"]["flowlake_pivot"]
            assert pivot.startswith(row["pivot"] + " --lake "), pivot
            assert cmd.split(" --lake ", 1)[1].startswith(pivot.split(" --lake ", 1)[1].split(" --param ")[0]), (cmd, pivot)


def test_internal_addresses_are_resolved_to_their_interfaces(findings, duck):
    """A private actor or target whose records name an interface gets it as a resource (the
    contract: absent only when no ENI is found)."""
    known = {r[0] for r in duck.execute(
        "SELECT DISTINCT a FROM (SELECT srcaddr a, interface_id i FROM vpc_flow_logs UNION ALL "
        "SELECT dstaddr, interface_id FROM vpc_flow_logs) WHERE i IS NOT NULL AND i <> '-' "
        "AND a IS NOT NULL").fetchall()}
    resolved = 0
    for f in findings:
        named = {r["data"]["address"] for r in f.get("resources", [])}
        for side in ("src_endpoint", "dst_endpoint"):
            ip = endpoint_ip(f, side)
            if ip and internal(ip) and ip in known:
                assert ip in named, (f["finding_info"]["uid"], ip)
                resolved += 1
    assert resolved >= 10


def test_times_are_the_rows_first_and_last_seen_in_ms(findings, lake_facts):
    now_ms = datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000
    timed = 0
    for f in findings:
        row, info = f["evidences"][0]["data"], f["finding_info"]
        for key in ("time", "start_time", "end_time"):
            if key in f:
                assert isinstance(f[key], int) and lake_facts["first"] * 1000 <= f[key] <= now_ms, (key, f[key])
        if "first_seen" in row:
            first = iso_ms(row["first_seen"])
            assert f["start_time"] == info["first_seen_time"] == first
            timed += 1
        if "last_seen" in row:
            last = iso_ms(row["last_seen"])
            assert f["time"] == f["end_time"] == info["last_seen_time"] == last
            assert lake_facts["first"] * 1000 <= last <= lake_facts["last"] * 1000
    assert timed >= len(findings) // 2


# --- ids ----------------------------------------------------------------------------------

def test_ids_are_unique_and_stable(ocsf, findings, lake, ioc, tmp_path):
    ids = [f["finding_info"]["uid"] for f in findings]
    assert len(set(ids)) == len(ids)
    again = tmp_path / "again.ndjson"
    run_findings(lake, ioc, again)
    assert again.read_bytes() == ocsf[0].read_bytes()


def identity(hunt, row):
    return (hunt, tuple(sorted(
        (k, v) for k, v in row.items()
        if k not in TIME_COLUMNS and k != "pivot"
        and (isinstance(v, str) or (k in KEY_INTEGERS and isinstance(v, int))))))


def test_counts_and_last_seen_do_not_change_an_id(findings, lake, ioc, lake_facts, tmp_path):
    """The same lake cut six hours before its end: rows with the same hunt, addresses,
    ports, protocol and window keep their ids although their counts and last seen moved."""
    until = datetime.datetime.fromtimestamp(lake_facts["last"] - 6 * 3600, datetime.timezone.utc)
    cut = run_findings(lake, ioc, tmp_path / "cut.ndjson", "--until",
                       until.strftime("%Y-%m-%dT%H:%M:%SZ"))
    full = {}
    for f in findings:
        full.setdefault(identity(f["finding_info"]["analytic"]["uid"], f["evidences"][0]["data"]), set()).add(
            (f["finding_info"]["uid"], canonical(f["evidences"][0]["data"])))
    same, moved = 0, 0
    all_ids = {f["finding_info"]["uid"] for f in findings}
    for f in cut:
        key = identity(f["finding_info"]["analytic"]["uid"], f["evidences"][0]["data"])
        if key in full:
            assert f["finding_info"]["uid"] in {i for i, _ in full[key]}, key
            same += 1
            if canonical(f["evidences"][0]["data"]) not in {c for _, c in full[key]}:
                moved += 1
        else:
            assert f["finding_info"]["uid"] not in all_ids, key
    assert same >= 5, same
    assert moved >= 1, "no row changed its counts between the two runs: the test proves nothing"


# --- ASFF ---------------------------------------------------------------------------------

def test_every_asff_line_is_a_batch_import_findings_request(asff):
    _, lines = asff
    assert lines
    for i, body in enumerate(lines):
        assert list(body) == ["Findings"], list(body)
        assert 1 <= len(body["Findings"]) <= 100
        problems = batch_problems(body)
        assert not problems, f"line {i + 1}: " + "\n".join(problems)[:4000]


def test_the_asff_check_rejects_what_security_hub_would(asff):
    """The validation itself, on a finding flowlake wrote."""
    good = asff[1][0]["Findings"][0]
    for change in ({"Titel": "x"}, {"Severity": {"Label": "SEVERE"}}, {"AwsAccountId": "1234"},
                   {"Description": "x" * 1025}, {"CreatedAt": "yesterday"},
                   {"ProductFields": {"n": 1}}, {"Types": ["Recon:EC2/Portscan"]}):
        assert batch_problems({"Findings": [dict(good, **change)]}), change
    assert batch_problems({"Findings": [good] * 101})
    missing = dict(good)
    del missing["ProductArn"]
    assert batch_problems({"Findings": [missing]})


def test_asff_findings_are_the_ocsf_findings(asff, findings, hunt_meta):
    by_id = {f["finding_info"]["uid"]: f for f in findings}
    asff_findings = [x for body in asff[1] for x in body["Findings"]]
    assert sorted(x["Id"] for x in asff_findings) == sorted(by_id)
    for x in asff_findings:
        o = by_id[x["Id"]]
        hunt = o["finding_info"]["analytic"]["uid"]
        meta, row = hunt_meta[hunt], o["evidences"][0]["data"]
        assert x["SchemaVersion"] == "2018-10-08"
        assert x["ProductArn"] == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
        assert (x["AwsAccountId"], x["Region"]) == (ACCOUNT, REGION)
        assert x["GeneratorId"] == f"flowlake/{hunt}"
        assert x["ProductFields"]["flowlake/hunt"] == hunt
        assert x["ProductFields"]["flowlake/flow_log_account"] == o["cloud"]["account"]["uid"]
        assert x["ProductFields"]["flowlake/command"] == o["unmapped"]["flowlake_command"]
        assert x["Severity"]["Label"] == ASFF_LABEL[meta["severity"]]
        assert x["Severity"]["Original"] == meta["severity"]
        # The hunt's title, then who and what: "Outbound port scan of one host: A -> B".
        assert x["Title"].startswith(meta["title"]), x["Title"]
        assert x["RecordState"] == "ACTIVE"
        for gd in meta.get("guardduty") or []:
            assert any(t.endswith("/" + gd.replace("/", "-")) for t in x["Types"]), (gd, x["Types"])
        if "start_time" in o:
            assert iso_ms(x["FirstObservedAt"]) == iso_ms(x["CreatedAt"]) == o["start_time"]
        if "end_time" in o:
            assert iso_ms(x["LastObservedAt"]) == o["end_time"]
        # The row's values as strings.
        for col, value in row.items():
            if value is None:
                continue
            got = x["ProductFields"][f"flowlake/row/{col}"]
            if isinstance(value, float):
                assert math.isclose(float(got), value, rel_tol=1e-9), (col, got, value)
            elif isinstance(value, bool):
                assert got == str(value).lower(), (col, got)
            else:
                assert got == str(value), (col, got, value)
        # Network: the OCSF endpoints.
        net = x.get("Network", {})
        for side, key in (("src_endpoint", "Source"), ("dst_endpoint", "Destination")):
            ip = endpoint_ip(o, side)
            if ip:
                v = "V4" if ipaddress.ip_address(ip).version == 4 else "V6"
                assert net.get(f"{key}Ip{v}") == ip, (side, net)
        dport = o["evidences"][0].get("dst_endpoint", {}).get("port")
        if dport is not None:
            assert net["DestinationPort"] == dport
        # Resources: the OCSF resources as ARNs, and the actor's address.
        arns = {r["Id"] for r in x["Resources"]}
        for r in x["Resources"]:
            assert r["Partition"] == "aws" and r["Type"] in {
                "AwsEc2NetworkInterface", "AwsEc2Instance", "Other"}, r
        for r in o.get("resources", []):
            account = o["cloud"]["account"]["uid"]
            assert f"arn:aws:ec2:{r['region']}:{account}:network-interface/{r['uid']}" in arns, (r, arns)
            if r["data"].get("instance_id"):
                assert f"arn:aws:ec2:{r['region']}:{account}:instance/{r['data']['instance_id']}" in arns


def test_asff_ids_are_stable_and_only_updated_at_moves(asff, lake, ioc, tmp_path):
    again = run_findings(lake, ioc, tmp_path / "again.ndjson", "--findings-format", "asff",
                         "--account", ACCOUNT, "--securityhub-region", REGION)

    def without_updated(lines):
        out = copy.deepcopy(lines)
        for body in out:
            for f in body["Findings"]:
                assert iso_ms(f.pop("UpdatedAt")) >= iso_ms(f["CreatedAt"])
        return out

    assert without_updated(again) == without_updated(asff[1])


def test_asff_batches_hold_at_most_100_findings(lake, ioc, tmp_path):
    """One hunt with a threshold low enough for hundreds of rows: its findings come in
    several BatchImportFindings bodies."""
    params = ["--param", "min_ports=1", "--param", "limit=250"]
    rows = json.loads(flowlake("hunt", "run", "port-scan", "--lake", lake, *params,
                               "--format", "json").stdout)
    assert len(rows) > 200, "the lake no longer gives enough rows to need several batches"
    out = tmp_path / "batches.ndjson"
    lines = run_findings(lake, ioc, out, *params, "--findings-format", "asff",
                         "--account", ACCOUNT, "--securityhub-region", REGION, hunt="port-scan")
    sizes = [len(body["Findings"]) for body in lines]
    assert all(1 <= n <= 100 for n in sizes), sizes
    assert sum(sizes) == len(rows)
    assert len(sizes) >= math.ceil(len(rows) / 100)
    ids = [f["Id"] for body in lines for f in body["Findings"]]
    assert len(set(ids)) == len(ids)
    for body in lines:
        assert not batch_problems(body)


def test_asff_needs_an_account_and_a_region(lake, tmp_path):
    both = ["--account", ACCOUNT, "--securityhub-region", REGION]
    cmd = ["hunt", "run", "port-scan", "--lake", lake, "--findings", tmp_path / "x.ndjson",
           "--findings-format", "asff"]
    flowlake(*cmd, *both, ok=(0, 3))
    for given, missing in ((both[2:], "account"), (both[:2], "region")):
        out = flowlake(*cmd, *given, ok=range(1, 256))
        assert missing in out.stderr.lower(), out.stderr


def test_reports_give_no_findings(lake, tmp_path):
    out = tmp_path / "report.ndjson"
    flowlake("hunt", "run", "top-talkers", "--lake", lake, "--findings", out)
    assert read_ndjson(out) == []
