//! `flowlake investigate`: the page for a host, checked against the generator's ground
//! truth and against the same numbers asked of `flowlake sql`.

use crate::util::{assert_fails, run, s, shared_lake, stderr, stdout};

/// The scenarios the generator wrote into the shared lake's logs.
fn scenarios(lake: &std::path::Path) -> Vec<serde_json::Value> {
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(lake.parent().unwrap().join("logs/_ground-truth.json")).unwrap(),
    )
    .unwrap();
    truth["scenarios"].as_array().unwrap().clone()
}

fn scenario(lake: &std::path::Path, name: &str) -> serde_json::Value {
    scenarios(lake)
        .into_iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name} scenario"))
}

fn sql_value(lake: &std::path::Path, query: &str) -> String {
    let o = run(&["sql", "--lake", s(lake), "--format", "csv", "-e", query]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().nth(1).unwrap().to_string()
}

/// The lines of the section headed `## title`, up to the next heading.
fn section<'a>(page: &'a str, title: &str) -> &'a str {
    let at = page
        .find(&format!("## {title}"))
        .unwrap_or_else(|| panic!("no section {title}: {page}"));
    let rest = &page[at..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |n| n + 3);
    &rest[..end]
}

#[test]
fn a_scanner_is_shown_with_its_target_ports_and_finding() {
    let (lake, _) = shared_lake();
    let scan = scenario(lake, "port-scan");
    let (actor, target) = (
        scan["actor"].as_str().unwrap(),
        scan["target"].as_str().unwrap(),
    );
    let o = run(&["investigate", actor, "--lake", s(lake)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        page.starts_with(&format!("# {actor} (address)\n")),
        "{page}"
    );

    // The overview says what SQL says.
    let expected = sql_value(
        lake,
        &format!(
            "SELECT count(*), sum(CASE WHEN srcaddr = '{actor}' THEN bytes END) \
             FROM vpc_flow_logs WHERE srcaddr = '{actor}' OR dstaddr = '{actor}'"
        ),
    );
    let (flows, bytes_out) = expected.split_once(',').unwrap();
    let overview = section(&page, "Overview");
    assert!(
        overview.contains(&format!("flows       {flows}\n")),
        "{overview}"
    );
    assert!(
        overview.contains(&format!("bytes_out   {bytes_out}\n")),
        "{overview}"
    );

    // The scan's target is its busiest outbound peer by ports, reached on many of them.
    let out = section(&page, "Connections it opened (outbound)");
    let target_line = out
        .lines()
        .find(|l| l.contains(&format!("│ {target} ")))
        .unwrap_or_else(|| panic!("{target} not among the peers: {out}"));
    assert!(target_line.contains("external"), "{target_line}");
    let ports: usize = target_line
        .split('│')
        .nth(6)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        ports >= 500,
        "the scan touched {ports} ports: {target_line}"
    );

    // Its finding is on the page, and the way further.
    let findings = section(&page, "Hunt findings that name it");
    assert!(findings.contains("### port-scan ("), "{findings}");
    assert!(
        page.contains(&format!(
            "flowlake hunt run traffic-from-src-addr --param ip={actor} --lake {}",
            s(lake)
        )),
        "{page}"
    );
    // Activity: a line of blocks.
    assert!(section(&page, "Activity").contains('█'), "{page}");
}

#[test]
fn a_brute_forced_server_shows_the_port_opened_to_the_internet() {
    let (lake, _) = shared_lake();
    let brute = scenario(lake, "ssh-brute-force");
    let (actor, target) = (
        brute["actor"].as_str().unwrap(),
        brute["target"].as_str().unwrap(),
    );
    let o = run(&["investigate", target, "--lake", s(lake), "--no-hunts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    let inbound = section(&page, "Connections opened to it (inbound)");
    assert!(inbound.contains(&format!("│ {actor} ")), "{inbound}");
    let opened = section(&page, "Ports opened to it from outside");
    let ssh = opened
        .lines()
        .find(|l| l.starts_with("│   22 │") || l.starts_with("│ 22 "))
        .unwrap_or_else(|| panic!("port 22 not opened: {opened}"));
    assert!(ssh.contains("TCP"), "{ssh}");
    assert!(section(&page, "Hunt findings").contains("not run: --no-hunts"));
}

#[test]
fn an_interface_is_read_with_its_own_address() {
    let (lake, _) = shared_lake();
    let scan = scenario(lake, "port-scan");
    let actor = scan["actor"].as_str().unwrap();
    let eni = sql_value(
        lake,
        &format!(
            "SELECT interface_id FROM vpc_flow_logs WHERE srcaddr = '{actor}' \
             GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ),
    );
    let o = run(&["investigate", &eni, "--lake", s(lake), "--no-hunts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        page.starts_with(&format!("# {eni} (network interface)\n")),
        "{page}"
    );
    assert!(page.contains(&format!("addresses: {actor}\n")), "{page}");
}

#[test]
fn unknown_subjects_are_refused_or_said_to_be_absent() {
    let (lake, _) = shared_lake();
    let o = run(&["investigate", "10.0.0.1' OR 1=1 --", "--lake", s(lake)]);
    assert_fails(&o, "is not an IP address, a network interface id");
    let o = run(&[
        "investigate",
        "192.0.2.250",
        "--lake",
        s(lake),
        "--no-hunts",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("No flow-log record names 192.0.2.250 in the whole lake."),
        "{}",
        stdout(&o)
    );
}

/// The worked examples of docs/investigating.md, on the sample data and docs/examples:
/// the numbers the guide shows are the ones the commands print.
#[test]
fn the_guides_examples_print_what_it_shows() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let examples = root.join("docs/examples");
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let o = run(&[
        "convert",
        "-q",
        s(&root.join("sample-data")),
        "--out",
        s(&lake),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let guide = std::fs::read_to_string(root.join("docs/investigating.md")).unwrap();
    let shown = |line: &str| assert!(guide.contains(line), "the guide no longer shows {line:?}");

    let o = run(&["investigate", "10.0.2.23", "--lake", s(&lake), "--top", "3"]);
    let page = stdout(&o);
    for line in [
        "flows       2083",
        "bytes_out   1784309",
        "│ 198.51.100.77 │ external │  1024 │     1024 │        0 │  1024 │ 1 2 3 4 5 │     45056 │    37440 │",
        "### port-scan (high): 1 row: Outbound port scan of one host",
    ] {
        assert!(page.contains(line), "{line:?} not in {page}");
        shown(line);
    }

    let inventory: Vec<String> = ["enis.json", "instances.json", "subnets.json"]
        .iter()
        .flat_map(|f| {
            [
                "--eni-metadata".to_string(),
                s(&examples.join(f)).to_string(),
            ]
        })
        .collect();
    let mut args = vec![
        "hunt",
        "run",
        "port-scan",
        "--format",
        "csv",
        "--lake",
        s(&lake),
    ];
    args.extend(inventory.iter().map(String::as_str));
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = ",10.0.2.23 = orders-app-1 [app-private-a]";
    assert!(stdout(&o).contains(line), "{}", stdout(&o));
    shown(line);

    let o = run(&[
        "segmentation",
        "check",
        "--policy",
        s(&examples.join("zones.toml")),
        "--lake",
        s(&lake),
        "--top",
        "4",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    for line in [
        "26215 flows checked: 15316 crossed zones without a rule and were ACCEPTed (the policy is not enforced), 711 were REJECTed (a control enforced it)",
        "│ internet  │ db       │        0 │              0 │       17 │      17 │            3 │",
    ] {
        assert!(stdout(&o).contains(line), "{line:?} not in {}", stdout(&o));
        shown(line);
    }
}
