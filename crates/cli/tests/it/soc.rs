//! `flowlake export ocsf`: the lake as OCSF Network Activity in a Security Lake custom
//! source's layout, read back by `sql` and the hunts, exported again without duplicates,
//! and finished after an export killed before its commit.

use crate::util::{assert_fails, run, s, shared_lake, stderr, stdout};

fn csv(lake: &std::path::Path, sql: &str) -> String {
    let o = run(&["sql", "--lake", s(lake), "--format", "csv", "-e", sql]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

fn parquet_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() && !name.starts_with('_') {
                stack.push(p);
            } else if name.ends_with(".parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_ocsf_export_reads_back_as_the_same_flow_logs() {
    let (lake, _) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("security-lake");
    let export = |extra: &[&str]| {
        let mut args = vec![
            "export",
            "ocsf",
            "--lake",
            s(lake),
            "--out",
            s(&out),
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()
    };
    let first = export(&[]);
    let table = out.join("ext/flowlake_vpc_flow");
    let files = parquet_files(&table);
    assert_eq!(files.len() as u64, first["files"].as_u64().unwrap());
    // Security Lake's layout: region=/accountId=/eventDay=YYYYMMDD/
    for f in &files {
        let rel = f
            .strip_prefix(&table)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let parts: Vec<&str> = rel.split('/').collect();
        assert_eq!(parts.len(), 4, "{rel}");
        assert!(parts[0].starts_with("region="), "{rel}");
        assert!(parts[1].starts_with("accountId="), "{rel}");
        assert!(
            parts[2].len() == "eventDay=20260301".len() && parts[2].starts_with("eventDay=2026"),
            "{rel}"
        );
    }
    // The same records, sums and addresses through the view.
    let totals = "SELECT count(*), sum(bytes), sum(packets), count(DISTINCT srcaddr), \
                  count(DISTINCT interface_id), count_if(action = 'REJECT'), min(\"start\"), max(\"end\") \
                  FROM vpc_flow_logs";
    let expected = csv(lake, totals);
    assert_eq!(csv(&out, totals), expected);
    assert_eq!(
        first["records"].as_u64().unwrap().to_string(),
        expected.lines().nth(1).unwrap().split(',').next().unwrap()
    );
    // Every hunt gives the same status and rows on both.
    let hunts = |l: &std::path::Path| {
        let o = run(&[
            "hunt",
            "run",
            "--all",
            "--lake",
            s(l),
            "--format",
            "json",
            "--details",
        ]);
        assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
        let mut v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        for h in v.as_array_mut().unwrap() {
            h.as_object_mut().unwrap().remove("seconds");
        }
        v
    };
    let on_lake = hunts(lake);
    let found = on_lake
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "found")
        .count();
    assert!(found > 10, "{found} hunts found something");
    assert_eq!(hunts(&out), on_lake);

    // Again: nothing changed in the lake, so nothing is exported; forced, the days are
    // replaced, not added to.
    let unchanged = export(&[]);
    assert_eq!(unchanged["partitions"], 0);
    assert_eq!(unchanged["unchanged"], first["partitions"]);
    let second = export(&["--force"]);
    assert_eq!(second["replaced"], first["files"]);
    let files = parquet_files(&table);
    assert_eq!(files.len() as u64, first["files"].as_u64().unwrap());
    assert_eq!(csv(&out, totals), expected);

    // An export killed after publishing its files but before its commit: the next export
    // deletes them (they were never in the table) and goes on.
    let orphan_rel = format!(
        "{}/orphan.parquet",
        files[0]
            .parent()
            .unwrap()
            .strip_prefix(&table)
            .unwrap()
            .display()
    );
    let orphan_rel = orphan_rel.as_str();
    std::fs::copy(&files[0], table.join(orphan_rel)).unwrap();
    let pending = table.join("_flowlake/pending");
    std::fs::create_dir_all(&pending).unwrap();
    std::fs::write(
        pending.join("dead.json"),
        serde_json::json!({"id": "dead", "add": [orphan_rel], "remove": []}).to_string(),
    )
    .unwrap();
    let third = export(&["--force", "--since", "2026-03-01", "--until", "2026-03-01"]);
    assert_eq!(third["recovered"], 1);
    assert!(!table.join(orphan_rel).exists());
    assert!(std::fs::read_dir(&pending).unwrap().next().is_none());
    assert_eq!(csv(&out, totals), expected);

    // A name Security Lake refuses.
    let o = run(&[
        "export",
        "ocsf",
        "--lake",
        s(lake),
        "--out",
        s(&out),
        "--source",
        "a/b",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("a Security Lake source name"),
        "{}",
        stderr(&o)
    );
}

/// `flowlake report`: one HTML file whose numbers are the lake's and whose findings table
/// says of every detection what `hunt run --all` says.
#[test]
fn the_report_shows_the_lakes_numbers_and_every_detection() {
    let (lake, _) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let o = run(&["report", "--lake", s(lake), "--out", s(&page)]);
    // 3: without a threat list the threat-list hunts could not look (the page says so).
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("this is not an all-clear"),
        "{}",
        stderr(&o)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // The hourly table sums to the lake's records and bytes.
    let traffic = &html[html.find("data-table=\"traffic\"").unwrap()..];
    let traffic = &traffic[..traffic.find("</table>").unwrap()];
    let sum = |col: &str| -> i64 {
        let needle = format!("data-col=\"{col}\" data-value=\"");
        traffic
            .match_indices(&needle)
            .map(|(i, _)| {
                let rest = &traffic[i + needle.len()..];
                rest[..rest.find('"').unwrap()].parse::<i64>().unwrap()
            })
            .sum()
    };
    let totals = csv(
        lake,
        "SELECT count(*), sum(bytes) FROM vpc_flow_logs WHERE \"start\" IS NOT NULL AND bytes IS NOT NULL",
    );
    let totals: Vec<i64> = totals
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(vec![sum("flows"), sum("bytes")], totals);
    // Every detection with the status `hunt run --all` gives it.
    let o = run(&[
        "hunt",
        "run",
        "--all",
        "--lake",
        s(lake),
        "--format",
        "json",
    ]);
    let all: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = &html[html.find("data-table=\"findings\"").unwrap()..];
    let findings = &findings[..findings.find("</table>").unwrap()];
    let mut detections = 0;
    for h in all.as_array().unwrap() {
        if h["kind"] != "detection" {
            continue;
        }
        detections += 1;
        let row = format!(
            "data-col=\"hunt\" data-value=\"{}\">",
            h["hunt"].as_str().unwrap()
        );
        let at = findings.find(&row).unwrap_or_else(|| panic!("{row}"));
        let rest = &findings[at..];
        let rest = &rest[..rest.find("</tr>").unwrap()];
        assert!(
            rest.contains(&format!(
                "data-col=\"status\" data-value=\"{}\"",
                h["status"].as_str().unwrap()
            )),
            "{rest}"
        );
        if h["status"] == "found" {
            assert!(
                html.contains(&format!(
                    "class=\"finding\" data-hunt=\"{}\"",
                    h["hunt"].as_str().unwrap()
                )),
                "{} has its rows",
                h["hunt"]
            );
        }
    }
    assert!(detections > 20);
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 6);
}

/// `convert --out-format ocsf`: the inputs land once in the lake kept inside the output,
/// and each run exports only the days whose lake files changed.
#[test]
fn convert_to_ocsf_exports_only_the_days_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    // Two days of plain v2 records (region from --default-region).
    crate::util::write_log(&logs.join("a/day1.log"), 500, crate::util::DAY1, 0);
    crate::util::write_log(
        &logs.join("a/day2.log"),
        300,
        crate::util::DAY1 + 86_400,
        500,
    );
    let out = dir.path().join("ocsf");
    let convert = || {
        let o = run(&[
            "convert",
            s(&logs),
            "--out",
            s(&out),
            "--out-format",
            "ocsf",
            "--default-region",
            "eu-west-1",
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()
    };
    let first = convert();
    assert_eq!(first["convert"]["records_written"], 800);
    assert_eq!(first["ocsf"]["records"], 800);
    assert_eq!(first["ocsf"]["partitions"], 2);
    let table = out.join("ext/flowlake_vpc_flow");
    for day in ["20260101", "20260102"] {
        assert!(
            table
                .join(format!(
                    "region=eu-west-1/accountId=111122223333/eventDay={day}"
                ))
                .is_dir(),
            "{day}"
        );
    }
    // Nothing new: nothing converted, nothing exported.
    let again = convert();
    assert_eq!(again["convert"]["records_written"], 0);
    assert_eq!(again["ocsf"]["partitions"], 0);
    assert_eq!(again["ocsf"]["unchanged"], 2);
    // A third day arrives: only it is exported.
    crate::util::write_log(
        &logs.join("b/day3.log"),
        200,
        crate::util::DAY1 + 2 * 86_400,
        800,
    );
    let third = convert();
    assert_eq!(third["convert"]["records_written"], 200);
    assert_eq!(third["ocsf"]["partitions"], 1);
    assert_eq!(third["ocsf"]["records"], 200);
    assert_eq!(third["ocsf"]["unchanged"], 2);
    assert_eq!(
        csv(
            &out,
            "SELECT count(*), count(DISTINCT srcaddr) FROM vpc_flow_logs"
        ),
        "count(*),count(DISTINCT vpc_flow_logs.srcaddr)\n1000,1000\n"
    );
    // OCSF goes to a local folder.
    let o = run(&[
        "convert",
        s(&logs),
        "--out",
        "s3://bucket/x/",
        "--out-format",
        "ocsf",
    ]);
    assert!(
        stderr(&o).contains("--out-format ocsf writes a local folder"),
        "{}",
        stderr(&o)
    );
}

/// A day is replaced whole: records of the day's partition without a `start` (a format
/// without it) are exported with the others, also when a window picks the day.
#[test]
fn a_windowed_export_keeps_every_record_of_the_days_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir
        .path()
        .join("logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/03/03");
    std::fs::create_dir_all(&day).unwrap();
    // No start or end: placed in the day of its folder.
    std::fs::write(
        day.join("111122223333_vpcflowlogs_us-east-1_fl-1_20260303T0000Z_a.log"),
        "version srcaddr dstaddr action log-status\n2 10.0.0.1 10.0.0.2 ACCEPT OK\n2 10.0.0.3 10.0.0.4 REJECT OK\n",
    )
    .unwrap();
    // One record of the default format on that day.
    let start = 1_772_496_000 + 600; // 2026-03-03T00:10:00Z
    std::fs::write(
        day.join("111122223333_vpcflowlogs_us-east-1_fl-1_20260303T0010Z_b.log"),
        crate::util::record(7, start),
    )
    .unwrap();
    let lake = dir.path().join("lake");
    let o = run(&[
        "convert",
        "-q",
        s(&dir.path().join("logs")),
        "--out",
        s(&lake),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("ocsf");
    for extra in [&[][..], &["--since", "2026-03-03", "--force"][..]] {
        let mut args = vec!["export", "ocsf", "--lake", s(&lake), "--out", s(&out)];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            csv(&out, "SELECT count(*), count(\"start\") FROM vpc_flow_logs"),
            "count(*),count(vpc_flow_logs.start)\n3,1\n",
            "{extra:?}"
        );
    }
    // Every row has a time (OCSF requires one): the day's, for the records without one.
    let o = run(&[
        "sql",
        "--lake",
        s(&out),
        "--format",
        "csv",
        "-e",
        "SELECT count(*) FROM ocsf_network_activity WHERE time IS NULL",
    ]);
    assert_eq!(stdout(&o), "count(*)\n0\n", "{}", stderr(&o));
}

/// What a break-it review found, each kept fixed: outputs that cannot be written are
/// refused before any work; `-` is standard output; an OCSF output never lands in a lake;
/// `--force` does not make the next export redo every day; a hostile byte count does not
/// crash the report; a failing detection fails the report.
#[test]
fn soc_outputs_refuse_what_would_lose_work_or_data() {
    let (lake, _) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder/f.ndjson");
    let o = run(&[
        "hunt",
        "run",
        "port-scan",
        "--lake",
        s(lake),
        "--findings",
        s(&missing),
    ]);
    assert_fails(&o, "does not exist; create it first");
    let o = run(&["report", "--lake", s(lake), "--out", s(&missing)]);
    assert_fails(&o, "does not exist; create it first");
    // `-`: the findings on standard output, the rows in a file; not both on standard output.
    let rows = dir.path().join("rows.csv");
    let o = run(&[
        "hunt",
        "run",
        "port-scan",
        "--lake",
        s(lake),
        "--output",
        s(&rows),
        "--findings",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&rows).unwrap().lines().count() > 1);
    assert!(
        !stdout(&o).is_empty() && stdout(&o).lines().all(|l| l.contains("\"class_uid\":2004")),
        "{}",
        stdout(&o)
    );
    assert!(!std::path::Path::new("-").exists());
    let o = run(&[
        "hunt",
        "run",
        "port-scan",
        "--lake",
        s(lake),
        "--findings",
        "-",
    ]);
    assert_fails(&o, "standard output, where the results go too");
    // The lake itself, or a folder inside it, is no OCSF output.
    for out in [lake.clone(), lake.join("ocsf")] {
        let o = run(&["export", "ocsf", "--lake", s(lake), "--out", s(&out)]);
        assert_fails(&o, "write the OCSF output to a folder of its own");
    }
    let o = run(&["convert", s(lake), "--out", s(lake), "--out-format", "ocsf"]);
    assert_fails(&o, "write the OCSF output to a folder of its own");
    // After --force, the next export finds every day up to date.
    let out = dir.path().join("ocsf");
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["export", "ocsf", "--lake", s(lake), "--out", s(&out)];
        args.extend_from_slice(extra);
        assert!(run(&args).status.success());
    }
    let o = run(&[
        "export",
        "ocsf",
        "--lake",
        s(lake),
        "--out",
        s(&out),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["partitions"], 0, "{v}");
    // Two records of 5e18 bytes each: the totals stop at the largest integer, no panic.
    let logs = dir.path().join("huge");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("x.log"),
        format!(
            "2 111122223333 eni-1 10.0.0.1 10.0.0.2 443 50000 6 5000000000000000000 5000000000000000000 {0} {1} ACCEPT OK\n\
             2 111122223333 eni-1 10.0.0.1 10.0.0.2 443 50001 6 5000000000000000000 5000000000000000000 {0} {1} ACCEPT OK\n",
            crate::util::DAY1,
            crate::util::DAY1 + 60
        ),
    )
    .unwrap();
    let huge = dir.path().join("huge-lake");
    assert!(
        run(&[
            "convert",
            "-q",
            s(&logs),
            "--out",
            s(&huge),
            "--default-region",
            "eu-west-1"
        ])
        .status
        .success()
    );
    // Another lake into the same output would replace its days: refused; so is a plain
    // conversion into an OCSF output.
    let o = run(&["export", "ocsf", "--lake", s(&huge), "--out", s(&out)]);
    assert_fails(&o, "holds the export of the lake");
    let o = run(&["convert", s(&logs), "--out", s(&out)]);
    assert_fails(&o, "an OCSF output");
    let page = dir.path().join("huge.html");
    let o = run(&["report", "--lake", s(&huge), "--out", s(&page)]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(&format!("data-col=\"bytes\" data-value=\"{}\"", i64::MAX)));
    // A detection that fails: the page is written, the run fails.
    let queries = dir.path().join("queries");
    std::fs::create_dir_all(&queries).unwrap();
    std::fs::write(
        queries.join("broken.sql"),
        "/*\nname = \"broken\"\ntitle = \"Broken\"\nseverity = \"low\"\nkind = \"detection\"\n\
         actor = \"srcaddr\"\nmin_version = 2\nfields = [\"srcaddr\"]\ndescription = \"d\"\ntriage = \"t\"\n*/\n\
         SELECT srcaddr, no_such_column FROM vpc_flow_logs",
    )
    .unwrap();
    let o = run(&[
        "report",
        "--lake",
        s(lake),
        "--queries",
        s(&queries),
        "--out",
        s(&page),
    ]);
    assert_fails(&o, "1 detection(s) failed");
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .contains("data-value=\"broken\"")
    );
}
