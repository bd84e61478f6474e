//! `flowlake compact` on a local lake: fewer files, the same rows, nothing left behind, and
//! a compaction killed at each step recovered with every row counted once.

use crate::util::{convert_json, generate, run, stderr};

fn count(lake: &str) -> u64 {
    let o = run(&[
        "sql",
        "--lake",
        lake,
        "--format",
        "csv",
        "-e",
        "SELECT count(*) AS n FROM vpc_flow_logs",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

fn parquet_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("AWSLogs")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out
}

fn fragmented_lake(dir: &std::path::Path) -> (String, u64) {
    let logs = dir.join("logs");
    let truth = generate(&logs, 6000, 6);
    let lake = dir.join("lake");
    let (code, _, err) = convert_json(&[
        logs.to_str().unwrap(),
        "--out",
        lake.to_str().unwrap(),
        "--commit-every",
        "60KiB",
    ]);
    assert_eq!(code, 0, "{err}");
    (lake.to_str().unwrap().to_string(), truth.records)
}

#[test]
fn compaction_rewrites_small_files_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, records) = fragmented_lake(dir.path());
    let before = parquet_files(dir.path().join("lake").as_path());
    assert!(before.len() >= 6, "{}", before.len());

    let dry = run(&["compact", "--lake", &lake, "--dry-run", "--json"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(plan["files_before"], before.len() as u64);
    assert_eq!(parquet_files(dir.path().join("lake").as_path()), before);

    let o = run(&["compact", "--lake", &lake, "--grace", "0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["rows"], records);
    let after = parquet_files(dir.path().join("lake").as_path());
    assert_eq!(after.len() as u64, s["files_after"].as_u64().unwrap());
    assert!(after.len() < before.len());
    assert!(after.iter().all(|f| !before.contains(f)));
    assert_eq!(count(&lake), records);
    // Nothing left to do.
    let again = run(&["compact", "--lake", &lake]);
    assert!(
        stderr(&again).contains("nothing to compact"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_killed_compaction_is_recovered_and_never_double_counted() {
    for fault in [
        "after-pending",
        "mid-publish",
        "before-retire",
        "mid-retire",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (lake, records) = fragmented_lake(dir.path());
        let o = crate::util::flowlake()
            .args(["compact", "--lake", &lake, "--grace", "0"])
            .env("FLOWLAKE_FAULT", fault)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{fault}");
        // flowlake's reader counts every row once whatever the instant of the kill.
        assert_eq!(count(&lake), records, "{fault}");
        let o = run(&["compact", "--lake", &lake, "--grace", "0", "--json"]);
        assert!(o.status.success(), "{fault}: {}", stderr(&o));
        assert_eq!(count(&lake), records, "{fault}");
        let left = run(&["compact", "--lake", &lake, "--dry-run", "--json"]);
        let plan: serde_json::Value = serde_json::from_slice(&left.stdout).unwrap();
        assert_eq!(plan["partitions"].as_array().unwrap().len(), 0, "{fault}");
    }
}
