//! `flowlake hunt`: list, show, run (one, all, with parameters, threat lists, user
//! folders) and export.

use std::fmt::Write as _;

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
    let lake = convert_logs(dir.path());
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
    assert!(row.contains("inconclusive: needs 36 hours"), "{row}");
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
        e["reason"].as_str().unwrap().contains(
            "needs 36 hours of data (recent_hours + min_baseline_hours) and the lake holds 6 hours of traffic from internal hosts to public addresses"
        ),
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
        stderr(&o).contains("note: unusual-port could not look (inconclusive: needs 36 hours"),
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

/// Ordinary traffic that once fooled the detections, written record by record, beside two
/// real scans that must still be found.
#[test]
fn ordinary_traffic_that_fooled_the_hunts_stays_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut rec = |src: &str,
                   dst: &str,
                   sport: u32,
                   dport: u32,
                   proto: u8,
                   pk: u64,
                   by: u64,
                   t: i64,
                   action: &str| {
        let _ = writeln!(
            text,
            "2 111122223333 eni-0a1b2c3d {src} {dst} {sport} {dport} {proto} {pk} {by} {t} {} {action} OK",
            t + 5
        );
    };
    let t0 = DAY1;
    for i in 0..600i64 {
        let t = t0 + i * 12;
        let port = 1024 + (i as u32 * 97) % 64000;
        // A NodePort service answering one NAT'd client whose ports are below and above it.
        rec(
            "198.51.100.77",
            "10.0.3.40",
            port,
            31080,
            6,
            8,
            900,
            t,
            "ACCEPT",
        );
        rec(
            "10.0.3.40",
            "198.51.100.77",
            31080,
            port,
            6,
            3,
            400,
            t,
            "ACCEPT",
        );
        // A partner API's replies refused by a network ACL.
        if i < 60 {
            let eph = 49152 + i as u32;
            let t = t + (i * i * 7) % 11;
            rec(
                "10.0.2.30",
                "203.0.113.50",
                eph,
                8443,
                6,
                3,
                180,
                t,
                "ACCEPT",
            );
            rec(
                "203.0.113.50",
                "10.0.2.30",
                8443,
                eph,
                6,
                2,
                120,
                t,
                "REJECT",
            );
        }
        // One long SSH session, a record a minute (the 1-minute aggregation interval).
        if i % 5 == 0 {
            rec(
                "198.51.100.10",
                "10.0.0.5",
                50022,
                22,
                6,
                10,
                2000,
                t,
                "ACCEPT",
            );
        }
        // An uptime monitor checks port 22 of twelve hosts every minute: answered.
        if i % 5 == 0 {
            for h in 0..12 {
                let host = format!("10.0.4.{}", 10 + h);
                let eph = 40000 + (i as u32 + h) % 20000;
                rec("198.51.100.20", &host, eph, 22, 6, 2, 120, t, "ACCEPT");
                rec(&host, "198.51.100.20", 22, eph, 6, 1, 60, t, "ACCEPT");
            }
        }
        // NTP replies (123 to 123) refused by a network ACL on twelve hosts.
        if i % 50 == 0 {
            for h in 0..12 {
                rec(
                    "129.6.15.28",
                    &format!("10.0.5.{}", 10 + h),
                    123,
                    123,
                    17,
                    1,
                    76,
                    t,
                    "REJECT",
                );
            }
        }
        // A public server sending a customer gigabytes (a download, not an upload).
        if i % 100 == 0 {
            rec(
                "10.0.1.10",
                "198.51.100.30",
                443,
                50000,
                6,
                400_000,
                600_000_000,
                t,
                "ACCEPT",
            );
            rec(
                "198.51.100.30",
                "10.0.1.10",
                50000,
                443,
                6,
                20_000,
                1_000_000,
                t,
                "ACCEPT",
            );
        }
    }
    // Two real scans: 100 ports of an internal host, refused; 100 ports of an outside host
    // probed from an instance's ephemeral ports.
    for p in 1..=100u32 {
        rec(
            "45.1.1.1",
            "10.0.1.20",
            40000 + p,
            p,
            6,
            1,
            44,
            t0 + 3600 + i64::from(p),
            "REJECT",
        );
        rec(
            "10.0.2.99",
            "203.0.113.9",
            50000 + p,
            p,
            6,
            1,
            44,
            t0 + 3600 + i64::from(p),
            "ACCEPT",
        );
    }
    write_gz(
        &dir.path()
            .join("logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/01/01/a.log.gz"),
        &text,
    );
    let lake = convert_logs(dir.path());
    let entries = run_all_json(&lake, &["--details"]);
    let found: Vec<(String, String)> = entries
        .iter()
        .filter(|e| e["status"] == "found")
        .map(|e| {
            (
                e["hunt"].as_str().unwrap().to_string(),
                e["results"].to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["port-scan", "inbound-port-scan"], "{found:#?}");
    assert!(
        found[0].1.contains("10.0.2.99") && found[1].1.contains("45.1.1.1"),
        "{found:#?}"
    );
}

/// Lakes that only look complete: flow logs of two formats (one without `packets`),
/// hours of NODATA before a little traffic, a format without `interface-id`. And two more
/// kinds of ordinary traffic: SSH refused by a security group however often the SYN is
/// resent, and replies to a NAT gateway's client ports.
#[test]
fn lakes_that_only_look_complete_are_not_an_all_clear() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir
        .path()
        .join("logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/01/01");
    let t0 = DAY1;
    // A v2 flow log with ordinary traffic, and one without packets (nor action) holding
    // an outbound scan of 100 ports.
    let mut v2 = String::new();
    let mut bare = String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol bytes start end log-status\n",
    );
    for i in 0..100i64 {
        let _ = writeln!(
            v2,
            "2 111122223333 eni-1 10.0.1.5 198.51.100.5 {} 443 6 20 9000 {} {} ACCEPT OK",
            40000 + i,
            t0 + i * 30,
            t0 + i * 30 + 20
        );
        let _ = writeln!(
            bare,
            "2 111122223333 eni-2 10.0.2.99 203.0.113.9 {} {} 6 44 {} {} OK",
            50000 + i,
            i + 1,
            t0 + i,
            t0 + i + 1
        );
    }
    write_gz(&logs.join("v2.log.gz"), &v2);
    write_gz(&logs.join("bare.log.gz"), &bare);
    let lake = convert_logs(dir.path());
    let o = run(&[
        "hunt",
        "run",
        "port-scan",
        "--lake",
        s(&lake),
        "--format",
        "csv",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("quiet on the 50% of records that have packets"),
        "{}",
        stderr(&o)
    );

    // Forty hours of NODATA, then four hours of traffic: no history for a baseline.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for h in 0..40i64 {
        let t = t0 + h * 3600;
        let _ = writeln!(
            text,
            "2 111122223333 eni-3 - - - - - - - {t} {} - NODATA",
            t + 60
        );
    }
    for i in 0..240i64 {
        let t = t0 + 40 * 3600 + i * 60;
        let _ = writeln!(
            text,
            "2 111122223333 eni-3 10.0.3.5 198.51.100.6 {} 443 6 20 9000 {t} {} ACCEPT OK",
            40000 + i,
            t + 20
        );
    }
    // SSH to a host whose security group refuses it: the SYN resent seven times, thirty
    // times an hour.
    for i in 0..30i64 {
        let t = t0 + 41 * 3600 + i * 120;
        let _ = writeln!(
            text,
            "2 111122223333 eni-4 10.0.4.5 10.0.4.6 {} 22 6 7 420 {t} {} REJECT OK",
            45000 + i,
            t + 60
        );
    }
    // A NAT gateway's STUN requests (its client ports are 1024-65535) and their replies.
    for i in 0..90i64 {
        let t = t0 + 42 * 3600 + i * 40;
        let port = 1024 + i * 300;
        let _ = writeln!(
            text,
            "2 111122223333 eni-5 10.0.0.20 198.51.100.7 {port} 3478 17 1 60 {t} {} ACCEPT OK",
            t + 1
        );
        let _ = writeln!(
            text,
            "2 111122223333 eni-5 198.51.100.7 10.0.0.20 3478 {port} 17 1 80 {t} {} ACCEPT OK",
            t + 1
        );
    }
    write_gz(
        &dir.path()
            .join("logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/01/01/a.log.gz"),
        &text,
    );
    let lake = convert_logs(dir.path());
    let entries = run_all_json(&lake, &[]);
    let status = |name: &str| {
        entries
            .iter()
            .find(|e| e["hunt"] == name)
            .unwrap_or_else(|| panic!("{name}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("unusual-traffic-volume"), "inconclusive");
    assert_eq!(status("unusual-port"), "inconclusive");
    assert_eq!(status("ssh-brute-force"), "quiet");
    assert_eq!(status("inbound-port-scan"), "quiet");
    assert_eq!(status("inbound-port-sweep"), "quiet");

    // A format without interface-id: the brute-force hunts still look, and find.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "version account-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
    );
    for i in 0..200i64 {
        let t = t0 + i * 10;
        let _ = writeln!(
            text,
            "2 111122223333 203.0.113.66 10.0.1.11 {} 22 6 12 2500 {t} {} ACCEPT OK",
            40000 + i,
            t + 5
        );
    }
    write_gz(&dir.path().join("logs/x.log.gz"), &text);
    let lake = convert_logs(dir.path());
    let ssh = run_all_json(&lake, &[])
        .into_iter()
        .find(|e| e["hunt"] == "ssh-brute-force")
        .unwrap();
    assert_eq!(ssh["status"], "found", "{ssh}");
}

/// Convert the flow logs under `dir/logs` into `dir/lake`, and return the lake.
fn convert_logs(dir: &std::path::Path) -> std::path::PathBuf {
    let lake = dir.join("lake");
    let o = run(&["convert", "-q", s(&dir.join("logs")), "--out", s(&lake)]);
    assert!(o.status.success(), "{}", stderr(&o));
    lake
}

/// `hunt run --all --format ndjson` (and `extra`) on `lake`: one object per hunt.
fn run_all_json(lake: &std::path::Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec![
        "hunt",
        "run",
        "--all",
        "--lake",
        s(lake),
        "--format",
        "ndjson",
    ];
    args.extend_from_slice(extra);
    stdout(&run(&args))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `--findings`: every detection row of `--all` is one OCSF finding naming the row's
/// actor, target and interface; a second run gives the same ids; ASFF comes in
/// `BatchImportFindings` bodies; asking for ASFF without the importing account fails.
#[test]
fn findings_are_every_detection_row_with_stable_ids() {
    let (lake, _) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("all.json");
    let ocsf = dir.path().join("findings.ndjson");
    let all = |findings: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "hunt",
            "run",
            "--all",
            "--lake",
            s(lake),
            "--details",
            "--output",
            s(&json),
            "--findings",
            s(findings),
        ];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
        o
    };
    let o = all(&ocsf, &[]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    // (hunt, row) of every detection that found something.
    let mut expected = Vec::new();
    for h in summary.as_array().unwrap() {
        if h["kind"] == "detection" && h["status"] == "found" {
            for row in h["results"].as_array().unwrap() {
                expected.push((h["hunt"].as_str().unwrap().to_string(), row.clone()));
            }
        }
    }
    assert!(expected.len() > 10, "{} rows", expected.len());
    let text = std::fs::read_to_string(&ocsf).unwrap();
    let findings: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        stderr(&o).contains(&format!(
            "{} OCSF Detection Findings written",
            findings.len()
        )),
        "{}",
        stderr(&o)
    );
    let mut got: Vec<(String, serde_json::Value)> = findings
        .iter()
        .map(|f| {
            assert_eq!(f["class_uid"], 2004);
            // The hunt's actor/target columns exist in its rows: every finding names one.
            let e = &f["evidences"][0];
            assert!(
                e.get("src_endpoint").is_some() || e.get("dst_endpoint").is_some(),
                "{f}"
            );
            (
                f["finding_info"]["analytic"]["uid"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                f["evidences"][0]["data"].clone(),
            )
        })
        .collect();
    let key = |x: &(String, serde_json::Value)| format!("{}{}", x.0, x.1);
    got.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(
        got, expected,
        "one finding per detection row, the row as evidence"
    );
    // The port scan of the shared lake: actor, target, the scanner's interface.
    let scan = findings
        .iter()
        .find(|f| f["finding_info"]["analytic"]["uid"] == "port-scan")
        .unwrap();
    assert_eq!(scan["evidences"][0]["src_endpoint"]["ip"], "10.0.2.23");
    assert_eq!(scan["evidences"][0]["dst_endpoint"]["ip"], "198.51.100.77");
    assert!(
        scan["resources"][0]["uid"]
            .as_str()
            .is_some_and(|u| u.starts_with("eni-")),
        "{scan}"
    );
    assert_eq!(scan["severity_id"], 4);
    assert!(
        scan["unmapped"]["flowlake_command"]
            .as_str()
            .unwrap()
            .starts_with("flowlake hunt run port-scan --lake "),
        "{scan}"
    );
    // Ids: unique, and the same on a second run.
    let ids: Vec<&str> = findings
        .iter()
        .map(|f| f["finding_info"]["uid"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "ids are unique");
    let again = dir.path().join("again.ndjson");
    all(&again, &[]);
    assert_eq!(
        std::fs::read_to_string(&again).unwrap(),
        text,
        "the same lake gives the same findings"
    );
    // ASFF: request bodies of at most 100 findings, the same ids.
    let asff = dir.path().join("asff.ndjson");
    all(
        &asff,
        &[
            "--findings-format",
            "asff",
            "--account",
            "123456789012",
            "--securityhub-region",
            "eu-west-1",
        ],
    );
    let mut asff_ids = Vec::new();
    for line in std::fs::read_to_string(&asff).unwrap().lines() {
        let body: serde_json::Value = serde_json::from_str(line).unwrap();
        let batch = body["Findings"].as_array().unwrap();
        assert!((1..=100).contains(&batch.len()));
        for f in batch {
            assert_eq!(
                f["ProductArn"],
                "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
            );
            asff_ids.push(f["Id"].as_str().unwrap().to_string());
        }
    }
    asff_ids.sort();
    assert_eq!(asff_ids, unique, "ASFF and OCSF name a finding alike");
    // ASFF needs the importing account and region; OCSF takes neither.
    let o = run(&[
        "hunt",
        "run",
        "port-scan",
        "--lake",
        s(lake),
        "--findings",
        s(&asff),
        "--findings-format",
        "asff",
    ]);
    assert_fails(
        &o,
        "needs --account ACCOUNT_ID and --securityhub-region REGION",
    );
    let o = run(&[
        "hunt",
        "run",
        "port-scan",
        "--lake",
        s(lake),
        "--findings",
        s(&ocsf),
        "--account",
        "123",
    ]);
    assert_fails(
        &o,
        "--account and --securityhub-region are for --findings-format asff",
    );
    // One hunt: its rows only.
    let one = dir.path().join("one.ndjson");
    let o = run(&[
        "hunt",
        "run",
        "port-scan",
        "--lake",
        s(lake),
        "--format",
        "csv",
        "--findings",
        s(&one),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = stdout(&o).lines().count() - 1;
    assert_eq!(std::fs::read_to_string(&one).unwrap().lines().count(), rows);
}
