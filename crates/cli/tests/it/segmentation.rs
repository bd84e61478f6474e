//! `flowlake segmentation`: flows that crossed zones without a rule, on records whose
//! answer is known line by line.

use std::fmt::Write as _;
use std::path::Path;

use crate::util::{DAY1, assert_fails, run, s, stderr, stdout};

const POLICY: &str = r#"
[zones.web]
cidrs = ["10.0.1.0/24"]
[zones.app]
cidrs = ["10.0.2.0/24"]
[zones.db]
cidrs = ["10.0.3.0/24"]

[[allow]]
from = "internet"
to = "web"
ports = [443]

[[allow]]
from = "web"
to = "app"
ports = ["8080-8089"]

[[allow]]
from = "app"
to = "db"
ports = [5432]
"#;

/// `(srcaddr, dstaddr, srcport, dstport, action)` and whether the policy allows it.
const FLOWS: &[(&str, &str, u16, u16, &str, bool)] = &[
    // Allowed: by rule, as the reply of an allowed connection, inside a zone.
    ("198.51.100.7", "10.0.1.10", 50000, 443, "ACCEPT", true),
    ("10.0.1.10", "198.51.100.7", 443, 50000, "ACCEPT", true),
    ("10.0.1.10", "10.0.2.20", 40000, 8081, "ACCEPT", true),
    ("10.0.2.20", "10.0.1.10", 8081, 40000, "ACCEPT", true),
    ("10.0.2.20", "10.0.3.30", 41000, 5432, "ACCEPT", true),
    ("10.0.1.10", "10.0.1.11", 41000, 22, "ACCEPT", true),
    // A client port below 32768 (load balancers and NAT gateways use 1024-65535), and the
    // reply to it from the allowed port.
    ("10.0.1.12", "10.0.2.20", 20000, 8080, "ACCEPT", true),
    ("10.0.2.20", "10.0.1.12", 8080, 20000, "ACCEPT", true),
    // Not allowed, ACCEPTed: the policy is not enforced.
    ("198.51.100.7", "10.0.3.30", 50001, 5432, "ACCEPT", false),
    ("198.51.100.8", "10.0.3.30", 50002, 5432, "ACCEPT", false),
    ("10.0.1.10", "10.0.3.30", 42000, 5432, "ACCEPT", false),
    ("198.51.100.7", "10.0.1.10", 50003, 22, "ACCEPT", false),
    // web to db on a port no rule names, and its reply: both crossings here; under a rule
    // web -> db without ports, the reply is told from the request the logs saw.
    ("10.0.1.10", "10.0.3.30", 33000, 6379, "ACCEPT", false),
    ("10.0.3.30", "10.0.1.10", 6379, 33000, "ACCEPT", false),
    // A new connection from db to web's port 5432: under that rule, no request was seen
    // the other way, so it is no reply.
    ("10.0.3.30", "10.0.1.10", 40001, 5432, "ACCEPT", false),
    // Not allowed, REJECTed: a control worked.
    ("198.51.100.9", "10.0.3.30", 50004, 5432, "REJECT", false),
    ("203.0.113.5", "10.0.2.20", 50005, 8080, "REJECT", false),
];

fn lake(dir: &Path) -> std::path::PathBuf {
    let logs = dir.join("flows.log");
    let mut text = String::new();
    for (i, (src, dst, sp, dp, action, _)) in FLOWS.iter().enumerate() {
        let start = DAY1 + 60 * i as i64;
        let end = start + 60;
        writeln!(
            text,
            "2 111122223333 eni-0a1b2c3d {src} {dst} {sp} {dp} 6 10 1000 {start} {end} {action} OK"
        )
        .unwrap();
    }
    std::fs::write(&logs, text).unwrap();
    let lake = dir.join("lake");
    let o = run(&[
        "convert",
        "-q",
        s(&logs),
        "--out",
        s(&lake),
        "--default-region",
        "us-east-1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(dir.join("zones.toml"), POLICY).unwrap();
    lake
}

#[test]
fn crossings_are_split_into_findings_and_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake(dir.path());
    let policy = dir.path().join("zones.toml");
    let o = run(&[
        "segmentation",
        "check",
        "--policy",
        s(&policy),
        "--lake",
        s(&lake),
    ]);
    assert_eq!(
        o.status.code(),
        Some(4),
        "ACCEPTed crossings exit 4: {}",
        stderr(&o)
    );
    let page = stdout(&o);
    let accepted = FLOWS.iter().filter(|f| !f.5 && f.4 == "ACCEPT").count();
    let rejected = FLOWS.iter().filter(|f| !f.5 && f.4 == "REJECT").count();
    assert!(
        page.contains(&format!(
            "{} flows checked: {accepted} crossed zones without a rule and were ACCEPTed (the policy is not enforced), {rejected} were REJECTed",
            FLOWS.len()
        )),
        "{page}"
    );
    // By zone pair: internet -> db twice accepted (two sources), once rejected.
    let pair = page
        .lines()
        .find(|l| l.starts_with("│ internet  │ db "))
        .unwrap_or_else(|| panic!("{page}"));
    let cells: Vec<&str> = pair.split('│').map(str::trim).collect();
    assert_eq!(&cells[3..8], ["2", "2000", "1", "3", "1"], "{pair}");
    assert!(page.contains("│ web       │ db "), "{page}");
    assert!(
        page.contains("│ internet  │ web "),
        "port 22 from the internet: {page}"
    );
    assert!(page.contains("│ internet  │ app "), "{page}");
    // No allowed flow is listed.
    for (src, dst, _, dp, _, allowed) in FLOWS {
        if *allowed {
            let listed = page.lines().any(|l| {
                l.contains(&format!(" {src} "))
                    && l.contains(&format!(" {dst} "))
                    && l.contains(&format!(" {dp} "))
            });
            assert!(!listed, "{src} -> {dst}:{dp} is allowed: {page}");
        }
    }
    assert!(page.contains("## REJECTed crossings: evidence"), "{page}");
}

#[test]
fn an_enforced_policy_exits_0_and_rules_are_exported() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake(dir.path());
    let check = |policy_text: &str| {
        let policy = dir.path().join("open.toml");
        std::fs::write(&policy, policy_text).unwrap();
        let o = run(&[
            "segmentation",
            "check",
            "--policy",
            s(&policy),
            "--lake",
            s(&lake),
        ]);
        (o.status.code(), stdout(&o))
    };
    // Allow what was ACCEPTed, web -> db on every port: the replies of that rule do not
    // cover db's own new connection to web's port 5432, which is left.
    let open = format!(
        "{POLICY}\n[[allow]]\nfrom = \"internet\"\nto = \"db\"\nports = [5432]\n\
         [[allow]]\nfrom = \"web\"\nto = \"db\"\nprotocol = \"any\"\n\
         [[allow]]\nfrom = \"internet\"\nto = \"web\"\nports = [22]\n"
    );
    let (code, page) = check(&open);
    assert_eq!(code, Some(4), "{page}");
    assert!(page.contains(" 1 crossed zones without a rule"), "{page}");
    assert!(
        page.contains("│ db        │ web     │ 10.0.3.30 │ 10.0.1.10 │    5432 │"),
        "{page}"
    );
    // Allowed too: nothing is left but the rejected.
    let allowed = format!("{open}[[allow]]\nfrom = \"db\"\nto = \"web\"\nports = [5432]\n");
    let (code, page) = check(&allowed);
    assert_eq!(code, Some(0), "{page}");
    assert!(page.contains(" 0 crossed zones without a rule"), "{page}");
    // Flows inside a zone, when the policy denies them: web's own SSH is a crossing.
    let (code, page) = check(&format!("intra_zone = \"deny\"\n{allowed}"));
    assert_eq!(code, Some(4), "{page}");
    assert!(page.contains(" 1 crossed zones without a rule"), "{page}");
    assert!(
        page.contains("│ web       │ web     │ 10.0.1.10 │ 10.0.1.11 │      22 │"),
        "{page}"
    );

    let zones = dir.path().join("zones.toml");
    let o = run(&["segmentation", "rules", "--policy", s(&zones)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sg: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(sg["db"][0]["FromPort"], 5432);
    assert_eq!(sg["db"][0]["IpRanges"][0]["CidrIp"], "10.0.2.0/24");
    let o = run(&[
        "segmentation",
        "rules",
        "--policy",
        s(&zones),
        "--format",
        "network-acl",
    ]);
    let acl: Vec<Vec<String>> = stdout(&o)
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| {
            l.split('│')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    // app -> db on 5432, both ends: db lets it in and its replies out, app the reverse.
    for entry in [
        [
            "db",
            "110",
            "ingress",
            "6",
            "5432",
            "5432",
            "10.0.2.0/24",
            "allow",
        ],
        [
            "db",
            "110",
            "egress",
            "6",
            "1024",
            "65535",
            "10.0.2.0/24",
            "allow",
        ],
        [
            "app",
            "120",
            "egress",
            "6",
            "5432",
            "5432",
            "10.0.3.0/24",
            "allow",
        ],
        [
            "app",
            "120",
            "ingress",
            "6",
            "1024",
            "65535",
            "10.0.3.0/24",
            "allow",
        ],
    ] {
        assert!(acl.iter().any(|row| row == &entry), "{entry:?}\n{acl:?}");
    }

    // A zone of subnets needs the inventory.
    let policy = dir.path().join("subnets.toml");
    std::fs::write(&policy, "[zones.db]\nsubnets = [\"subnet-1\"]\n").unwrap();
    let o = run(&[
        "segmentation",
        "check",
        "--policy",
        s(&policy),
        "--lake",
        s(&lake),
    ]);
    assert_fails(&o, "give --eni-metadata FILE");
}

/// Replies of a rule without ports are told from the requests the logs hold: also when
/// the flows have no ports (GRE) and when the request started before `--since`.
#[test]
fn replies_of_portless_rules_are_matched_to_their_requests() {
    let dir = tempfile::tempdir().unwrap();
    let line = |src: &str, dst: &str, ports: &str, proto: u8, at: i64| {
        format!(
            "2 111122223333 eni-1 {src} {dst} {ports} {proto} 1 100 {at} {} ACCEPT OK\n",
            at + 30
        )
    };
    let t = DAY1 + 3600;
    let text = [
        // GRE has no ports: `-` in the log, NULL in the table.
        line("10.0.1.5", "10.0.3.5", "- -", 47, t),
        line("10.0.3.5", "10.0.1.5", "- -", 47, t + 60),
        // A request two minutes before the window, its reply inside it.
        line("10.0.1.5", "10.0.3.5", "41000 6379", 6, t - 120),
        line("10.0.3.5", "10.0.1.5", "6379 41000", 6, t),
        // A new connection the other way: no request was seen.
        line("10.0.3.5", "10.0.1.5", "42000 22", 6, t + 60),
    ]
    .concat();
    std::fs::write(dir.path().join("f.log"), text).unwrap();
    let lake = dir.path().join("lake");
    let o = run(&[
        "convert",
        "-q",
        s(&dir.path().join("f.log")),
        "--out",
        s(&lake),
        "--default-region",
        "us-east-1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let policy = dir.path().join("p.toml");
    std::fs::write(
        &policy,
        "[zones.web]\ncidrs = [\"10.0.1.0/24\"]\n[zones.db]\ncidrs = [\"10.0.3.0/24\"]\n\
         [[allow]]\nfrom = \"web\"\nto = \"db\"\nprotocol = \"any\"\n",
    )
    .unwrap();
    let since = t.to_string();
    for window in [vec![], vec!["--since", since.as_str()]] {
        let mut args = vec![
            "segmentation",
            "check",
            "--policy",
            s(&policy),
            "--lake",
            s(&lake),
        ];
        args.extend(&window);
        let o = run(&args);
        let page = stdout(&o);
        assert_eq!(o.status.code(), Some(4), "{window:?}: {page}");
        assert!(
            page.contains(" 1 crossed zones without a rule"),
            "{window:?}: {page}"
        );
        assert!(
            page.contains("│ db        │ web     │ 10.0.3.5 │ 10.0.1.5 │      22 │"),
            "{window:?}: {page}"
        );
    }
}
