//! `flowlake hunt`: list, show, run (one, all, with parameters, threat lists, user
//! folders) and export.

use crate::util::{DAY1, assert_fails, record, run, s, shared_lake, stderr, stdout, write_gz};

const REQUIRED: &[&str] = &[
    "port-scan",
    "port-sweep",
    "ssh-brute-force",
    "rdp-brute-force",
    "data-exfiltration",
    "beaconing",
    "crypto-mining",
    "lateral-movement",
    "top-talkers",
    "rejected-traffic",
];

#[test]
fn list_and_show_describe_the_library() {
    let o = run(&["hunt", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for name in REQUIRED {
        assert!(
            out.contains(&format!("│ {name} ")),
            "{name} missing:\n{out}"
        );
    }
    let rows = out.lines().filter(|l| l.starts_with("│ ")).count() - 1;
    assert!(rows >= 40, "{rows} hunts");
    assert!(out.contains("T1110"), "ATT&CK ids are listed");

    let o = run(&["hunt", "show", "ssh-brute-force"]);
    let out = stdout(&o);
    assert!(
        out.starts_with("ssh-brute-force: SSH brute force\nseverity: high"),
        "{out}"
    );
    assert!(
        out.contains("UnauthorizedAccess:EC2/SSHBruteForce"),
        "{out}"
    );
    assert!(out.contains("│ min_sessions "), "{out}");
    assert!(
        out.contains("{{min_sessions}}"),
        "the SQL with its placeholders: {out}"
    );

    let o = run(&["hunt", "show", "ssh"]);
    assert_fails(&o, "did you mean ssh-brute-force");
}

#[test]
fn run_finds_the_scenario_and_takes_parameters() {
    let (lake, _) = shared_lake();
    let hunt = |args: &[&str]| {
        let mut all = vec!["hunt", "run", "--lake", s(lake), "--format", "csv"];
        all.extend_from_slice(args);
        run(&all)
    };
    let o = hunt(&["port-scan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let first = out.lines().nth(1).unwrap_or_default();
    assert!(
        first.starts_with("10.0.2.23,198.51.100.77,2026-03-01T06:00:00.000Z,1024,"),
        "{out}"
    );
    assert!(
        first.ends_with(",flowlake hunt run traffic-from-src-addr --param ip=10.0.2.23"),
        "{out}"
    );

    let o = hunt(&["port-scan", "--param", "min_ports=2000"]);
    assert_eq!(
        stdout(&o).lines().count(),
        1,
        "only the header: {}",
        stdout(&o)
    );

    let o = hunt(&["traffic-from-src-addr", "-p", "ip=10.0.2.23"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("198.51.100.77"), "{}", stdout(&o));

    let o = hunt(&["traffic-from-src-addr"]);
    assert_fails(&o, "needs --param ip=");
    let o = hunt(&["port-scan", "--param", "min_ports=many"]);
    assert_fails(&o, "\"many\" is not an integer");
    let o = hunt(&["port-scan", "--param", "ports=5"]);
    assert!(
        stderr(&o).contains("has no parameter \"ports\"; its parameters: limit, max_packets, min_ports, window_minutes"),
        "{}",
        stderr(&o)
    );
}

/// A folder of raw flow logs given as the lake, or a lake with nothing in it, is an error
/// that says what to run, never zero rows passed off as an all-clear.
#[test]
fn raw_logs_or_an_empty_folder_are_not_an_all_clear() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    write_gz(
        &raw.join("AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=01/day=01/x.log.gz"),
        &record(0, DAY1),
    );
    for args in [
        vec!["hunt", "run", "--all", "--lake", s(&raw)],
        vec![
            "sql",
            "--lake",
            s(&raw),
            "-e",
            "SELECT count(*) FROM vpc_flow_logs",
        ],
    ] {
        let o = run(&args);
        assert_fails(&o, "holds flow logs that are not converted");
        assert!(
            stderr(&o).contains(&format!("flowlake convert {}", raw.display())),
            "{}",
            stderr(&o)
        );
    }
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("AWSLogs/aws-account-id=111122223333")).unwrap();
    let o = run(&["hunt", "run", "--all", "--lake", s(&empty)]);
    assert_fails(&o, "holds no flow-log data");
}

/// A hunt that compares recent hours with a baseline cannot judge a lake shorter than
/// those hours: inconclusive, not quiet, in the table, in JSON, and alone.
#[test]
fn a_lake_too_short_for_a_baseline_is_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    crate::util::generate(&dir.path().join("logs"), 3000, 6);
    let lake = dir.path().join("lake");
    let o = run(&[
        "convert",
        "-q",
        s(&dir.path().join("logs")),
        "--out",
        s(&lake),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["hunt", "run", "--all", "--lake", s(&lake)]);
    // Not an all-clear: exit 3, and said.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("this is not an all-clear"),
        "{}",
        stderr(&o)
    );
    let out = stdout(&o);
    let row = out
        .lines()
        .find(|l| l.starts_with("│ unusual-port "))
        .unwrap();
    assert!(row.contains("inconclusive: needs 24 hours"), "{row}");
    // The same in JSON, with the reason.
    let o = run(&[
        "hunt",
        "run",
        "--all",
        "--lake",
        s(&lake),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let all: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let entry = |name: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|e| e["hunt"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {all}"))
            .clone()
    };
    let e = entry("unusual-port");
    assert_eq!(e["status"], "inconclusive", "{e}");
    assert!(
        e["reason"]
            .as_str()
            .unwrap()
            .contains("recent_hours + min_baseline_hours"),
        "{e}"
    );
    assert!(e["rows"].is_null(), "it did not run: {e}");
    assert_eq!(entry("unusual-traffic-volume")["status"], "inconclusive");
    assert_eq!(entry("c2-activity")["status"], "skipped");
    assert_eq!(entry("tgw-packet-loss")["status"], "not-applicable");
    assert_eq!(entry("top-talkers")["status"], "ok");
    // Alone: the (empty) result, a note, and exit 3.
    let o = run(&["hunt", "run", "unusual-port", "--lake", s(&lake)]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unusual-port could not look, needs 24 hours"),
        "{}",
        stderr(&o)
    );
    // With a shorter baseline it runs.
    let short = [
        "--param",
        "recent_hours=2",
        "--param",
        "min_baseline_hours=2",
        "--param",
        "min_hours=2",
    ];
    let mut args = vec!["hunt", "run", "--all", "--lake", s(&lake)];
    args.extend_from_slice(&short);
    let o = run(&args);
    let out = stdout(&o);
    let row = out
        .lines()
        .find(|l| l.starts_with("│ unusual-port "))
        .unwrap();
    assert!(!row.contains("inconclusive"), "{row}");
    // Every detection looked (a threat list given, the baseline short enough): exit 0.
    let ioc = dir.path().join("ioc.txt");
    std::fs::write(&ioc, "198.51.100.1\n").unwrap();
    args.extend_from_slice(&["--ioc", s(&ioc)]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn run_all_summarises_every_hunt() {
    let (lake, _) = shared_lake();
    let o = run(&["hunt", "run", "--all", "--lake", s(lake)]);
    // Without --ioc the threat-list detections did not look: exit 3.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let out = stdout(&o);
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("│ {name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{out}"))
            .to_string()
    };
    for name in [
        "port-scan",
        "ssh-brute-force",
        "beaconing",
        "lateral-movement",
    ] {
        assert!(row(name).contains("FOUND"), "{}", row(name));
    }
    // Without a threat list, the hunts that join it did not look: not "quiet".
    assert!(
        row("blackhole-traffic").contains("skipped: needs a threat list, --ioc FILE"),
        "{}",
        row("blackhole-traffic")
    );
    assert!(
        row("top-talkers").contains(" ok "),
        "{}",
        row("top-talkers")
    );
    assert!(row("traffic-to-dst-addr").contains("skipped: needs --param ip"));
    assert!(!out.contains("error"), "{out}");

    let o = run(&[
        "hunt",
        "run",
        "--all",
        "--lake",
        s(lake),
        "--param",
        "limt=5",
    ]);
    assert_fails(&o, "no hunt has a parameter named \"limt\"");

    let o = run(&["hunt", "run", "--all", "--details", "--lake", s(lake)]);
    let out = stdout(&o);
    assert!(
        out.contains("== port-scan: Outbound port scan of one host (high)"),
        "{out}"
    );
    assert!(
        out.contains("│ 203.0.113.66 "),
        "brute-force rows are printed: {out}"
    );

    // JSON lines: one object per hunt, the rows of each finding with --details, each
    // with the command that pivots on it.
    let o = run(&[
        "hunt",
        "run",
        "--all",
        "--details",
        "--lake",
        s(lake),
        "--format",
        "ndjson",
    ]);
    let entries: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let scan = entries.iter().find(|e| e["hunt"] == "port-scan").unwrap();
    assert_eq!(scan["status"], "found", "{scan}");
    let first = &scan["results"][0];
    assert_eq!(first["scanner"], "10.0.2.23", "{scan}");
    assert_eq!(
        first["pivot"],
        "flowlake hunt run traffic-from-src-addr --param ip=10.0.2.23"
    );
    assert!(first["first_seen"].is_string() && first["window_start"].is_string());
    let quiet = entries
        .iter()
        .find(|e| e["status"] == "quiet")
        .expect("some detection is quiet");
    assert!(quiet.get("results").is_none(), "{quiet}");
    assert_eq!(
        entries.len(),
        stdout(&run(&["hunt", "list"]))
            .lines()
            .filter(|l| l.starts_with("│ "))
            .count()
            - 1
    );
}

#[test]
fn threat_lists_feed_the_ioc_hunts_and_bad_lines_are_named() {
    let (lake, _) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let ioc = dir.path().join("intel.txt");
    std::fs::write(&ioc, "# pools\n94.130.12.0/24 mining\n185.220.101.5 tor\n").unwrap();
    let o = run(&[
        "hunt",
        "run",
        "bitcoin-tool",
        "--lake",
        s(lake),
        "--ioc",
        s(&ioc),
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("10.1.2.45,94.130.12.30,mining,"),
        "{}",
        stdout(&o)
    );
    let o = run(&[
        "hunt",
        "run",
        "tor-client",
        "--lake",
        s(lake),
        "--ioc",
        s(&ioc),
        "--format",
        "csv",
    ]);
    assert!(
        stdout(&o).contains("10.0.2.44,185.220.101.5,tor,"),
        "{}",
        stdout(&o)
    );
    let o = run(&[
        "hunt",
        "run",
        "bitcoin-tool",
        "--lake",
        s(lake),
        "--format",
        "csv",
    ]);
    assert!(
        stderr(&o).contains("none was given (--ioc FILE)"),
        "{}",
        stderr(&o)
    );

    std::fs::write(&ioc, "1.2.3.4\nnot-an-address tor\n").unwrap();
    let o = run(&[
        "hunt",
        "run",
        "tor-client",
        "--lake",
        s(lake),
        "--ioc",
        s(&ioc),
    ]);
    assert_fails(&o, &format!("{}:2: \"not-an-address\"", s(&ioc)));
}

#[test]
fn a_users_folder_adds_hunts_and_bad_ones_are_named() {
    let (lake, _) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("big-flows.sql"),
        "/*\nname = \"big-flows\"\ntitle = \"Big flows\"\nseverity = \"low\"\nkind = \"detection\"\n\
         min_version = 2\nfields = [\"bytes\"]\ndescription = \"d\"\ntriage = \"t\"\n\
         [params.min_bytes]\ntype = \"int\"\ndefault = 50000000\ndescription = \"m\"\n*/\n\
         SELECT srcaddr, dstaddr, bytes FROM vpc_flow_logs WHERE bytes >= {{min_bytes}} ORDER BY bytes DESC LIMIT 1\n",
    )
    .unwrap();
    let o = run(&["hunt", "list", "--queries", s(dir.path())]);
    assert!(stdout(&o).contains("│ big-flows "), "{}", stdout(&o));
    let o = run(&[
        "hunt",
        "run",
        "big-flows",
        "--queries",
        s(dir.path()),
        "--lake",
        s(lake),
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("10.2.3.10,45.77.12.34,"),
        "{}",
        stdout(&o)
    );

    std::fs::write(dir.path().join("broken.sql"), "SELECT 1").unwrap();
    let o = run(&["hunt", "list", "--queries", s(dir.path())]);
    assert_fails(&o, "broken.sql: must start with a /* ... */ block");
}

#[test]
fn export_writes_athena_sql_without_flowlake_functions() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "hunt",
        "export",
        "--dialect",
        "athena",
        "--out",
        s(dir.path()),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let list = stdout(&run(&["hunt", "list"]));
    assert_eq!(
        files.len(),
        list.lines().filter(|l| l.starts_with("│ ")).count() - 1
    );
    for f in &files {
        let sql = std::fs::read_to_string(f).unwrap();
        for udf in [
            "cidr_contains(",
            "is_private_ip(",
            "protocol_name(",
            "tcp_flags_names(",
            "{{",
        ] {
            assert!(!sql.contains(udf), "{} still has {udf}", f.display());
        }
    }
    let scan = std::fs::read_to_string(dir.path().join("port-scan.sql")).unwrap();
    assert!(
        scan.contains("contains('10.0.0.0/8', CAST(srcaddr AS IPADDRESS))"),
        "{scan}"
    );
    assert!(scan.contains(">= 25"), "defaults are written in: {scan}");
    assert!(scan.contains("% (60 * 60)"), "the window too: {scan}");
    let one = std::fs::read_to_string(dir.path().join("traffic-from-src-addr.sql")).unwrap();
    assert!(
        one.contains("WHERE srcaddr = ?"),
        "required parameters become ? for EXECUTE ... USING: {one}"
    );
}

#[test]
fn a_hunt_that_needs_newer_fields_says_so_when_it_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, lake) = (dir.path().join("logs"), dir.path().join("lake"));
    let o = run(&[
        "gen",
        "--out",
        s(&logs),
        "--records",
        "2000",
        "--hours",
        "1",
        "--v2-only",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["convert", "-q", s(&logs), "--out", s(&lake)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[
        "hunt",
        "run",
        "top-talking-instances",
        "--lake",
        s(&lake),
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "instance_id,bytes,packets,flows\n");
    assert!(
        stderr(&o).contains("reads fields of flow-log version 3 (instance_id)"),
        "{}",
        stderr(&o)
    );
    // A version 2 hunt on the same lake finds rows and adds no such note.
    let o = run(&[
        "hunt",
        "run",
        "top-talkers",
        "--lake",
        s(&lake),
        "--format",
        "csv",
    ]);
    assert!(stdout(&o).lines().count() > 1);
    assert!(!stderr(&o).contains("version"), "{}", stderr(&o));
    // In --all, such a hunt is skipped with the reason, not run to an empty result.
    let o = run(&[
        "hunt",
        "run",
        "--all",
        "--lake",
        s(&lake),
        "--format",
        "json",
    ]);
    let all: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let e = all
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["hunt"] == "top-talking-instances")
        .unwrap();
    assert_eq!(e["status"], "skipped", "{e}");
    assert!(
        e["reason"]
            .as_str()
            .unwrap()
            .contains("version 3 (instance_id) and the lake's newest records are version 2"),
        "{e}"
    );
}
