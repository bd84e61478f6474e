//! Every hunt of the library against generated lakes: with attacks, each detection
//! singles out its scenario's actor in its first rows; without attacks, detections stay
//! quiet, also on the benign traffic that fools naive hunts (the noise budget); and the
//! sensitivity table of docs/hunts.md is what the hunts find of attacks injected at
//! several intensities.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use flowlake_convert::{ConvertOptions, Progress, convert};
use flowlake_gen::{GenOptions, GroundTruth, generate};
use flowlake_query::hunt::Kind;
use flowlake_query::{Library, TimeWindow};

/// Rows of a result as strings, for looking addresses up.
fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        let fmts: Vec<ArrayFormatter> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default()).unwrap())
            .collect();
        for r in 0..b.num_rows() {
            out.push(fmts.iter().map(|f| f.value(r).to_string()).collect());
        }
    }
    out
}

fn make_lake(dir: &Path, attacks: bool) -> GroundTruth {
    make_lake_with(
        dir,
        &GenOptions {
            records: 60_000,
            hours: 48,
            attacks,
            ..GenOptions::default()
        },
    )
}

/// Generate and convert a lake; `convert` drives its own runtime, so on a plain thread.
fn make_lake_with(dir: &Path, gen_options: &GenOptions) -> GroundTruth {
    std::thread::scope(|s| {
        s.spawn(|| {
            let logs = dir.join("logs");
            let truth = generate(&logs, gen_options).unwrap();
            let options =
                ConvertOptions::new(vec![logs.to_str().unwrap().to_string()], dir.join("lake"));
            convert(&options, &Arc::new(Progress::default())).unwrap();
            truth
        })
        .join()
        .unwrap()
    })
}

async fn ctx(dir: &Path, ioc: Option<&Path>) -> SessionContext {
    let ctx = flowlake_query::session().unwrap();
    flowlake_query::register_lake(&ctx, &dir.join("lake"), &TimeWindow::default())
        .await
        .unwrap();
    flowlake_query::ioc::register(&ctx, ioc).unwrap();
    ctx
}

/// Run every hunt (required parameters set to `ip`), by name.
async fn run_all(ctx: &SessionContext, ip: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    run_all_with(ctx, ip, &[]).await
}

/// Like [`run_all`], with `given` (`name=value`) set on the hunts that have the parameter.
async fn run_all_with(
    ctx: &SessionContext,
    ip: &str,
    given: &[(&str, &str)],
) -> BTreeMap<String, Vec<Vec<String>>> {
    let lib = Library::builtin();
    let mut out = BTreeMap::new();
    for hunt in lib.iter() {
        let mut params: Vec<(String, String)> = hunt
            .required_params()
            .iter()
            .map(|p| ((*p).to_string(), ip.to_string()))
            .collect();
        params.extend(
            given
                .iter()
                .filter(|(k, _)| hunt.param(k).is_some())
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        );
        let sql = hunt.render(&params).unwrap();
        let fail = |e: datafusion::error::DataFusionError| -> Vec<RecordBatch> {
            panic!("{}: {e}\n{sql}", hunt.name)
        };
        let batches = match ctx.sql(&sql).await {
            Ok(df) => df.collect().await.unwrap_or_else(fail),
            Err(e) => fail(e),
        };
        out.insert(hunt.name.clone(), rows(&batches));
    }
    out
}

#[tokio::test]
async fn every_detection_finds_its_scenario_and_is_quiet_without_attacks() {
    let dir = tempfile::tempdir().unwrap();
    let truth = make_lake(dir.path(), true);
    // A threat list naming two of the scenarios' outside addresses.
    let by_name = |n: &str| truth.scenarios.iter().find(|s| s.name == n).unwrap();
    let ioc = dir.path().join("ioc.txt");
    std::fs::write(
        &ioc,
        format!(
            "# test list\n{} c2\n{}/32, mining\n{} drop-point\n{} tor\n{} malicious\n",
            by_name("beaconing").target,
            by_name("crypto-mining").target,
            by_name("data-exfiltration").target,
            by_name("rdp-brute-force").actor,
            by_name("ssh-brute-force").actor,
        ),
    )
    .unwrap();
    let ctx = ctx(dir.path(), Some(&ioc)).await;
    let results = run_all(&ctx, "10.0.1.10").await;

    let mut checked = 0;
    for s in &truth.scenarios {
        let rows = results
            .get(&s.name)
            .unwrap_or_else(|| panic!("no hunt named after scenario {}", s.name));
        let first: Vec<&Vec<String>> = rows.iter().take(3).collect();
        assert!(
            first.iter().any(|r| r.contains(&s.actor)),
            "{}: actor {} not in the first rows: {first:?}",
            s.name,
            s.actor
        );
        checked += 1;
    }
    assert_eq!(checked, truth.scenarios.len());
    assert!(checked >= 20, "{checked} scenarios");
    // Only the beacon is periodic: the other regular-looking scenarios (uploads, resolver
    // queries) are not listed before it.
    assert_eq!(results["beaconing"][0][0], by_name("beaconing").actor);
    // Hunts that see the same scenarios from another side, or through the threat list.
    let first_rows = |hunt: &str, addr: &str| {
        results[hunt]
            .iter()
            .take(3)
            .any(|r| r.iter().any(|v| v == addr))
    };
    for (hunt, scenario, who) in [
        ("c2-activity", "beaconing", "actor"),
        ("bitcoin-tool", "crypto-mining", "actor"),
        ("drop-point", "data-exfiltration", "actor"),
        ("tor-relay", "rdp-brute-force", "target"),
        ("malicious-ip-caller", "ssh-brute-force", "target"),
        ("unusual-traffic-volume", "data-exfiltration", "actor"),
    ] {
        let s = by_name(scenario);
        let addr = if who == "actor" { &s.actor } else { &s.target };
        assert!(
            first_rows(hunt, addr),
            "{hunt}: {addr} not in {:?}",
            results[hunt]
        );
    }
    // The RDP attacker is on the list as a Tor node: the Windows host's replies to it are
    // not connections to Tor.
    assert!(
        results["tor-client"].is_empty(),
        "{:?}",
        results["tor-client"]
    );

    // Reports on VPC flow logs always have rows (this lake has no transit gateway flow
    // logs; the TGW hunts are tested on TGW records in the binary's tests).
    let lib = Library::builtin();
    for hunt in lib
        .iter()
        .filter(|h| h.kind == Kind::Report && h.record_kind() == flowlog::RecordKind::Vpc)
    {
        assert!(
            !results[&hunt.name].is_empty(),
            "{} returned nothing",
            hunt.name
        );
    }

    // The same library on the same kind of traffic without the attacks.
    let quiet_dir = tempfile::tempdir().unwrap();
    let quiet_truth = make_lake(quiet_dir.path(), false);
    assert!(quiet_truth.scenarios.is_empty());
    let ctx = self::ctx(quiet_dir.path(), Some(&ioc)).await;
    let results = run_all(&ctx, "10.0.1.10").await;
    let noisy: Vec<(&String, usize)> = lib
        .iter()
        .filter(|h| h.kind == Kind::Detection)
        .map(|h| (&h.name, results[&h.name].len()))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(
        noisy.is_empty(),
        "detections firing without attacks: {noisy:?}"
    );
}

/// One number from a query.
async fn count(ctx: &SessionContext, sql: &str) -> i64 {
    let batches = ctx
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows(&batches)
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The parameters that make the windowed hunts look for slow attacks, as docs/hunts.md
/// gives them.
const SLOW: &[(&str, &str)] = &[("window_minutes", "1440")];

/// The benign traffic really has the shapes that fooled naive hunts: a test of the noise
/// budget on easy traffic would prove nothing.
async fn assert_benign_shapes(ctx: &SessionContext) {
    let checks = [
        (
            "nat-gateway, cdn-saas-browsing: one host reaches hundreds of public addresses on 443",
            "SELECT max(n) FROM (SELECT count(DISTINCT dstaddr) AS n FROM vpc_flow_logs \
             WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr) AND dstport = 443 \
             GROUP BY srcaddr)",
            300,
        ),
        (
            "public-web-dns: a DNS server answers hundreds of internet resolvers",
            "SELECT max(n) FROM (SELECT count(DISTINCT srcaddr) AS n FROM vpc_flow_logs \
             WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr) AND dstport = 53 \
             AND action = 'ACCEPT' GROUP BY dstaddr)",
            300,
        ),
        (
            "load-balancer: scores of internet clients on 8443, not an expected port",
            "SELECT max(n) FROM (SELECT count(DISTINCT srcaddr) AS n FROM vpc_flow_logs \
             WHERE NOT is_private_ip(srcaddr) AND dstport = 8443 GROUP BY dstaddr)",
            50,
        ),
        (
            "scheduled-updates: 20 hosts each connect to one vendor address at least daily-hourly",
            "SELECT max(n) FROM (SELECT count(DISTINCT srcaddr) AS n FROM vpc_flow_logs \
             WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr) AND dstport = 443 \
             GROUP BY dstaddr HAVING count(*) >= 20 * 20)",
            20,
        ),
        (
            "nightly-backup: a host sends gigabytes in one hour",
            "SELECT max(b) / 1000000000 FROM (SELECT sum(bytes) AS b FROM vpc_flow_logs \
             WHERE is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr) \
             GROUP BY srcaddr, \"start\" - \"start\" % 3600)",
            3,
        ),
        (
            "ssh-bastion: one address opens 20 SSH sessions to the bastion in ten minutes",
            "SELECT max(n) FROM (SELECT count(*) AS n FROM vpc_flow_logs \
             WHERE dstport = 22 AND NOT is_private_ip(srcaddr) AND action = 'ACCEPT' \
             GROUP BY srcaddr, dstaddr, \"start\" - \"start\" % 600)",
            20,
        ),
        (
            "kubernetes-fan-out: a node reaches 50 pods",
            "SELECT max(n) FROM (SELECT count(DISTINCT dstaddr) AS n FROM vpc_flow_logs \
             WHERE cidr_contains('10.0.5.0/24', srcaddr) AND cidr_contains('10.0.5.0/24', dstaddr) \
             GROUP BY srcaddr)",
            50,
        ),
        (
            "health-checks: an internet checker connects to a web server every five minutes",
            "SELECT max(n) FROM (SELECT count(*) AS n FROM vpc_flow_logs \
             WHERE NOT is_private_ip(srcaddr) AND dstport = 443 GROUP BY srcaddr, dstaddr)",
            200,
        ),
        (
            "internet-scanners: a scanner refused elsewhere is accepted by a public service",
            "SELECT count(*) FROM (SELECT srcaddr FROM vpc_flow_logs \
             WHERE NOT is_private_ip(srcaddr) AND is_private_ip(dstaddr) GROUP BY srcaddr \
             HAVING count_if(action = 'REJECT') > 0 AND count_if(action = 'ACCEPT') > 0)",
            10,
        ),
        (
            "vpc-resolver-dns: hosts query the VPC's resolver endpoints",
            "SELECT count(DISTINCT srcaddr) FROM vpc_flow_logs \
             WHERE dstaddr IN ('10.0.0.53', '10.0.0.54') AND dstport = 53",
            20,
        ),
    ];
    for (what, sql, at_least) in checks {
        let n = count(ctx, sql).await;
        assert!(n >= at_least, "{what}: {n} < {at_least}");
    }
}

#[tokio::test]
async fn detections_are_quiet_on_benign_traffic_at_several_seeds_and_sizes() {
    // Seeds, sizes, lengths and start times (the nightly backups fall in a different hour
    // of the lake when it does not start at midnight).
    for (seed, records, hours, start) in [
        (42u64, 30_000u64, 48u32, 1_772_323_200i64),
        (2026, 90_000, 26, 1_772_323_200 + 7 * 3600),
        (99, 40_000, 60, 1_772_323_200 + 15 * 3600),
        // Starting inside the hour of the nightly backups.
        (1, 20_000, 25, 1_772_323_200 + 3600 + 45 * 60),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let truth = make_lake_with(
            dir.path(),
            &GenOptions {
                seed,
                records,
                hours,
                start,
                attacks: false,
                benign: true,
                ..GenOptions::default()
            },
        );
        assert!(truth.scenarios.is_empty());
        assert_eq!(truth.benign_patterns.len(), flowlake_gen::PATTERNS.len());
        // A threat list that names none of this traffic: the list hunts run and find nothing.
        let ioc = dir.path().join("ioc.txt");
        std::fs::write(&ioc, "198.51.100.250 c2\n").unwrap();
        let ctx = ctx(dir.path(), Some(&ioc)).await;
        assert_benign_shapes(&ctx).await;
        let lib = Library::builtin();
        for given in [&[][..], SLOW] {
            let results = run_all_with(&ctx, "10.0.1.10", given).await;
            let noisy: Vec<(&String, &Vec<Vec<String>>)> = lib
                .iter()
                .filter(|h| h.kind == Kind::Detection)
                .map(|h| (&h.name, &results[&h.name]))
                .filter(|(_, r)| !r.is_empty())
                .collect();
            assert!(
                noisy.is_empty(),
                "seed {seed}, {records} records, {hours} h from {start}, {given:?}: detections firing on benign traffic: {noisy:?}"
            );
        }
    }
}

#[tokio::test]
async fn attacks_over_benign_traffic_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let truth = make_lake_with(
        dir.path(),
        &GenOptions {
            seed: 7,
            records: 120_000,
            hours: 48,
            benign: true,
            ..GenOptions::default()
        },
    );
    let ctx = ctx(dir.path(), None).await;
    let results = run_all(&ctx, "10.0.1.10").await;
    let lib = Library::builtin();
    let mut checked = 0;
    for s in &truth.scenarios {
        if lib.get(&s.name).unwrap().ioc.is_some() {
            continue;
        }
        let first: Vec<&Vec<String>> = results[&s.name].iter().take(3).collect();
        assert!(
            first.iter().any(|r| r.contains(&s.actor)),
            "{}: actor {} not in the first rows: {first:?}",
            s.name,
            s.actor
        );
        checked += 1;
    }
    assert!(checked >= 20, "{checked} scenarios");
}

/// Marks the start of the sensitivity section of docs/hunts.md, which this test writes
/// (the catalogue before it is the library's test's).
const SENSITIVITY: &str = "<!-- sensitivity: measured by crates/query/tests/hunts.rs -->";

#[tokio::test]
async fn sensitivity_table_is_what_the_hunts_find() {
    let dir = tempfile::tempdir().unwrap();
    let (seed, records, hours) = (42, 100_000, 48);
    let truth = make_lake_with(
        dir.path(),
        &GenOptions {
            seed,
            records,
            hours,
            benign: true,
            intensities: true,
            ..GenOptions::default()
        },
    );
    let ctx = ctx(dir.path(), None).await;
    let defaults = run_all(&ctx, "10.0.1.10").await;
    let slow = run_all_with(&ctx, "10.0.1.10", SLOW).await;
    let lib = Library::builtin();
    let found = |results: &BTreeMap<String, Vec<Vec<String>>>, s: &flowlake_gen::Scenario| {
        results[&s.name].iter().any(|r| r.contains(&s.actor))
    };
    let mut table = format!(
        "{SENSITIVITY}\n## Sensitivity\n\n\
         What each detection finds of its attack injected at three intensities over the benign\n\
         traffic of `flowlake gen --benign` (seed {seed}, about {records} records asked, {hours} hours;\n\
         {} records with the benign patterns and the injections), each attack by its own actor.\n\
         Found means the actor is in the hunt's rows with default parameters; the slow column\n\
         runs the windowed hunts with `--param window_minutes=1440` (one window a day), which\n\
         returns no rows on the same benign traffic either (the noise test checks both).\n\
         Windows are fixed, so the rungs near a threshold depend on where their boundaries\n\
         fall: with another start time, an attack a boundary cuts in two (1.5 GB over a day\n\
         split between two daily windows, 15 hosts over a day) can be missed.\n\
         Reproduce: `flowlake gen --out ladder/ --benign --intensities --hours {hours} --records {records}`,\n\
         convert, run the hunts and look for each actor of `_ground-truth.json`; the test\n\
         `sensitivity_table_is_what_the_hunts_find` does that and fails when this table is out\n\
         of date (`FLOWLAKE_UPDATE_DOCS=1` rewrites it).\n\n\
         | hunt | attack | default | slow (`window_minutes=1440`) |\n|---|---|---|---|\n",
        truth.records
    );
    let mut first_of_each = BTreeMap::new();
    for s in &truth.scenarios {
        let intensity = s.intensity.clone().unwrap();
        let windowed = lib.get(&s.name).unwrap().param("window_minutes").is_some();
        let mark = |f: bool| if f { "found" } else { "missed" };
        let by_default = found(&defaults, s);
        let slow_cell = if windowed {
            mark(found(&slow, s)).to_string()
        } else {
            "-".to_string()
        };
        let _ = writeln!(
            table,
            "| `{}` | {intensity} | {} | {slow_cell} |",
            s.name,
            mark(by_default)
        );
        first_of_each.entry(s.name.clone()).or_insert(by_default);
        // The slow setting finds every rung of a windowed ladder.
        if windowed {
            assert!(
                found(&slow, s),
                "{} {intensity}: missed with {SLOW:?}",
                s.name
            );
        }
    }
    // The loudest rung of every ladder is found with the defaults.
    for (name, found) in &first_of_each {
        assert!(found, "{name}: the strongest injection is missed");
    }
    assert!(first_of_each.len() >= 16, "{first_of_each:?}");

    // The margin: how close the benign traffic of the same lake (every row not naming an
    // injected actor) comes to each threshold.
    table.push_str(
        "\nThe margin of each threshold: the largest value the benign traffic of the same lake\n\
         reaches (the hunt run with the threshold at 1, rows naming an injected actor left out).\n\n\
         | hunt | threshold | default | largest on benign traffic |\n|---|---|---|---|\n",
    );
    let actors: Vec<&str> = truth.scenarios.iter().map(|s| s.actor.as_str()).collect();
    for (hunt, param, column) in [
        ("port-scan", "min_ports", "ports"),
        ("port-sweep", "min_targets", "unanswered"),
        ("inbound-port-scan", "min_ports", "ports"),
        ("inbound-port-sweep", "min_hosts", "hosts"),
        ("ssh-brute-force", "min_sessions", "short_sessions"),
        ("rdp-brute-force", "min_sessions", "short_sessions"),
        ("port-probe-unprotected-port", "min_scanners", "scanners"),
        ("lateral-movement", "min_targets", "targets"),
        ("data-exfiltration", "min_bytes", "bytes_out"),
        ("dos-tcp", "min_packets_per_minute", "packets"),
        ("spambot", "min_servers", "mail_servers"),
        ("winrm-brute-force", "min_sessions", "short_sessions"),
        ("dos-udp", "min_packets_per_minute", "packets"),
        ("unusual-dns-resolver", "min_flows", "flows"),
    ] {
        let h = lib.get(hunt).unwrap();
        let sql = h
            .render(&[
                (param.to_string(), "1".to_string()),
                ("limit".to_string(), "100000".to_string()),
            ])
            .unwrap();
        let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        let Some(first) = batches.first() else {
            continue;
        };
        let at = first.schema().index_of(column).unwrap();
        let largest = rows(&batches)
            .into_iter()
            .filter(|r| !r.iter().any(|v| actors.contains(&v.as_str())))
            .filter_map(|r| r[at].parse::<i64>().ok())
            .max();
        let default = h.params[param].default_text().unwrap();
        let _ = writeln!(
            table,
            "| `{hunt}` | `{param}` | {default} | {} |",
            largest.map_or_else(|| "none".to_string(), |n| n.to_string())
        );
        if let Some(n) = largest {
            assert!(
                n < default.parse::<i64>().unwrap(),
                "{hunt}: benign traffic reaches {n}, the default {param} is {default}"
            );
        }
    }

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/hunts.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let catalogue = text.split(SENSITIVITY).next().unwrap_or_default();
    let want = format!("{catalogue}{table}");
    if std::env::var_os("FLOWLAKE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap();
    assert!(
        have == want,
        "the sensitivity table of docs/hunts.md is out of date: run FLOWLAKE_UPDATE_DOCS=1 cargo test -p flowlake-query --test hunts\n{table}"
    );
}
