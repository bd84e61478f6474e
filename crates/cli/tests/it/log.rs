//! The lake's table log keeps its promises under ordinary operations: compactions in the
//! same second, a paused writer, queries during commits, two partition schemes asked of
//! one lake, a lake of an earlier flowlake. Each test failed on the home-made log that
//! readers rebuilt from directory listings.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::*;

fn count(lake: &Path, sql: &str) -> u64 {
    let o = run(&["sql", "--lake", s(lake), "--format", "csv", "-e", sql]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().nth(1).unwrap().trim().parse().unwrap()
}

fn rows(lake: &Path) -> u64 {
    count(lake, "SELECT count(*) FROM vpc_flow_logs")
}

fn distinct_rows(lake: &Path) -> u64 {
    count(
        lake,
        "SELECT count(*) FROM (SELECT DISTINCT * FROM vpc_flow_logs)",
    )
}

#[test]
fn two_compactions_in_the_same_second_keep_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    for (batch, offset) in [("a", 0), ("b", 100)] {
        let inputs = dir.path().join(batch);
        write_log(&inputs.join("1.log"), 50, DAY1, offset);
        write_log(&inputs.join("2.log"), 50, DAY1, offset + 50);
        // One commit (one file) per input, so the partition has small files to compact.
        let (code, _, err) = convert_json(&[s(&inputs), "--out", s(&lake), "--commit-every", "1B"]);
        assert_eq!(code, 0, "{err}");
        let o = run(&["compact", "--lake", s(&lake), "--grace", "0"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(rows(&lake), 200);
    assert_eq!(distinct_rows(&lake), 200);
    // What plain Parquet readers see is the same: one copy of each row.
    assert_eq!(totals(&lake).0, 200);
}

/// Wait until the process is stopped (state `T` in `/proc/<pid>/stat`).
fn wait_stopped(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").map(|(_, rest)| &rest[..1]);
        if state == Some("T") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "process {pid} never stopped: {stat}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(pid: u32, sig: &str) {
    let st = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

/// A writer stopped (as Ctrl-Z or a paused VM stops it) at each point of the protocol
/// while a second run converts the same inputs: after both finish, every row once, in
/// the table and in what plain Parquet readers see.
#[test]
fn a_paused_writer_never_commits_what_another_run_converted() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("logs");
    for i in 0..4u64 {
        write_log(
            &inputs.join(format!("{i}.log")),
            100,
            DAY1 + 86_400 * (i as i64 % 2),
            i * 100,
        );
    }
    for point in [
        "before-pending",
        "after-pending",
        "after-publish",
        "after-commit",
    ] {
        let lake = dir.path().join(format!("lake-{point}"));
        let paused = flowlake()
            .args(["convert", s(&inputs), "--out", s(&lake), "-q"])
            .env("FLOWLAKE_PAUSE", point)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_stopped(paused.id());
        let (code, _, err) = convert_json(&[s(&inputs), "--out", s(&lake)]);
        assert_eq!(code, 0, "{point}: {err}");
        assert_eq!(rows(&lake), 400, "{point}: the second run's view");
        signal(paused.id(), "-CONT");
        let out = paused.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{point}: {err}");
        assert_eq!(rows(&lake), 400, "{point}");
        assert_eq!(distinct_rows(&lake), 400, "{point}");
        assert_eq!(totals(&lake).0, 400, "{point}: plain Parquet readers");
    }
}

/// Commits land while a reader queries in a loop: every count is the total of some
/// committed version (each commit spans two days, so a half-seen commit would show).
#[test]
fn queries_during_commits_see_whole_commits_only() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let mut totals_after = vec![0u64];
    let mut batches = Vec::new();
    for b in 0..6u64 {
        let d = dir.path().join(format!("b{b}"));
        let n = 200 + b * 37;
        write_log(&d.join("day1.log"), n, DAY1, b * 1000);
        write_log(&d.join("day2.log"), n, DAY1 + 86_400, b * 1000 + 500);
        totals_after.push(totals_after.last().unwrap() + 2 * n);
        batches.push(d);
    }
    let first = batches.remove(0);
    let (code, _, err) = convert_json(&[s(&first), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    let writer = {
        let lake = lake.clone();
        std::thread::spawn(move || {
            for d in batches {
                let (code, _, err) = convert_json(&[s(&d), "--out", s(&lake)]);
                assert_eq!(code, 0, "{err}");
            }
        })
    };
    let mut seen = Vec::new();
    while !writer.is_finished() {
        seen.push(rows(&lake));
    }
    writer.join().unwrap();
    seen.push(rows(&lake));
    for n in &seen {
        assert!(
            totals_after.contains(n),
            "count {n} is no committed version's: {totals_after:?}"
        );
    }
    assert_eq!(seen.last(), totals_after.last());
}

#[test]
fn one_lake_keeps_one_partition_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_log(&dir.path().join("a/1.log"), 100, DAY1, 0);
    write_log(&dir.path().join("b/1.log"), 100, DAY1, 100);
    let (code, _, err) = convert_json(&[
        s(&dir.path().join("a")),
        "--out",
        s(&lake),
        "--partition",
        "hour",
    ]);
    assert_eq!(code, 0, "{err}");
    // No --partition: the lake's own scheme.
    let (code, _, err) = convert_json(&[s(&dir.path().join("b")), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows(&lake), 200);
    assert!(
        partition_dirs(&lake).iter().all(|d| d.contains("/hour=")),
        "{:?}",
        partition_dirs(&lake)
    );
    // Asking for the other one is refused, naming the lake's.
    write_log(&dir.path().join("c/1.log"), 10, DAY1, 300);
    let o = run(&[
        "convert",
        s(&dir.path().join("c")),
        "--out",
        s(&lake),
        "--partition",
        "day",
    ]);
    assert_fails(
        &o,
        "is partitioned by hour (its table log says so); --partition day would mix both schemes",
    );
    assert_eq!(rows(&lake), 200);
}

/// A lake of an earlier flowlake (its own commit records under `_flowlake/commits/`, no
/// table log): opened by the next convert, its log converted without rewriting a file,
/// and its converted inputs still skipped.
#[test]
fn a_lake_of_the_earlier_commit_log_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("logs");
    write_log(&inputs.join("1.log"), 120, DAY1, 0);
    write_log(&inputs.join("2.log"), 80, DAY1 + 86_400, 120);
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&inputs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["inputs_converted"], 2);
    // Rewrite it as the earlier version left it: its records, no table log.
    std::fs::remove_dir_all(lake.join("_delta_log")).unwrap();
    let files: Vec<serde_json::Value> = visible_files(&lake)
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&lake).unwrap().to_str().unwrap().to_string();
            serde_json::json!({"staged": format!("_flowlake/staging/x/{rel}"), "final": rel, "rows": 0, "bytes": 1})
        })
        .collect();
    let inputs_json: Vec<serde_json::Value> = ["1.log", "2.log"]
        .iter()
        .map(|n| {
            let p = std::fs::canonicalize(inputs.join(n)).unwrap();
            serde_json::json!({"location": p, "size": std::fs::metadata(&p).unwrap().len(),
                "modified": null, "etag": null, "records": 0, "rejected": 0, "status": "complete"})
        })
        .collect();
    std::fs::create_dir_all(lake.join("_flowlake/commits")).unwrap();
    std::fs::write(
        lake.join("_flowlake/commits/20260101T000000Z-000001-0000.json"),
        serde_json::to_vec(
            &serde_json::json!({"format": 1, "id": "20260101T000000Z-000001-0000",
            "created": "2026-01-01T00:00:00Z", "inputs": inputs_json, "files": files}),
        )
        .unwrap(),
    )
    .unwrap();
    let before = visible_files(&lake);
    // Readable before the migration (as a folder)...
    assert_eq!(rows(&lake), 200);
    // ...and migrated by the next convert: nothing converted again, no file rewritten.
    let (code, summary, err) = convert_json(&[s(&inputs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["inputs_skipped"], 2, "{summary}");
    assert!(lake.join("_delta_log").is_dir());
    assert_eq!(visible_files(&lake), before);
    assert_eq!(rows(&lake), 200);
    // And the log is in use: a new input lands once.
    write_log(&inputs.join("3.log"), 5, DAY1, 500);
    let (code, summary, err) = convert_json(&[s(&inputs), "--out", s(&lake)]);
    assert_eq!(
        (code, summary["inputs_converted"].as_u64()),
        (0, Some(1)),
        "{err}"
    );
    assert_eq!(rows(&lake), 205);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Every row of a lake, as sorted text: what a migration must keep exactly.
fn all_rows(lake: &Path) -> Vec<String> {
    let o = run(&[
        "sql",
        "--lake",
        s(lake),
        "--format",
        "csv",
        "-e",
        "SELECT * FROM vpc_flow_logs ORDER BY account_id, interface_id, start, srcaddr, srcport",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().map(str::to_string).collect()
}

/// Lakes written by flowlake 0.1.0 itself (`tests/fixtures/lake-0.1.0/make.sh` says how),
/// each left by an interrupted run: a compaction that committed but had not deleted the
/// files it replaced, and a convert that had published its file but not completed its
/// record. The next convert migrates each in place: every row once (the rows a fresh
/// conversion gives), the replaced files deleted, no file rewritten, converted inputs
/// (those of the finished record too) skipped, and the lake usable afterwards.
#[test]
fn lakes_written_by_flowlake_0_1_0_are_migrated_in_place() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lake-0.1.0");
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    copy_tree(&fixture.join("logs"), &logs);
    let fresh = dir.path().join("fresh");
    let (code, _, err) = convert_json(&[s(&logs), "--out", s(&fresh)]);
    assert_eq!(code, 0, "{err}");
    let expected = all_rows(&fresh);
    assert_eq!(expected.len(), 1 + 150);
    // (name, inputs the 0.1.0 runs converted, rows the stopped compaction replaced)
    for (name, converted, replaced) in [("lake-retiring", 4, 2), ("lake-pending", 5, 0)] {
        let lake = dir.path().join(name);
        copy_tree(&fixture.join(name), &lake);
        // The records name the inputs by absolute path, written as /FIXTURE/logs.
        for folder in ["commits", "pending"] {
            let Ok(entries) = std::fs::read_dir(lake.join("_flowlake").join(folder)) else {
                continue;
            };
            for e in entries {
                let p = e.unwrap().path();
                let text = std::fs::read_to_string(&p).unwrap();
                std::fs::write(&p, text.replace("/FIXTURE/logs", s(&logs))).unwrap();
            }
        }
        let before = visible_files(&lake);
        let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(
            (
                summary["inputs_skipped"].as_u64(),
                summary["inputs_converted"].as_u64()
            ),
            (Some(converted), Some(5 - converted)),
            "{name}: {summary}"
        );
        assert!(lake.join("_delta_log").is_dir(), "{name}");
        assert!(
            !lake.join("_flowlake/pending").exists()
                || std::fs::read_dir(lake.join("_flowlake/pending"))
                    .unwrap()
                    .next()
                    .is_none(),
            "{name}: a record left in flight"
        );
        assert!(
            !lake.join("_flowlake/lock").exists(),
            "{name}: old lock left"
        );
        // No file of the earlier lake rewritten; only those the compaction replaced gone.
        let after = visible_files(&lake);
        let kept = before.iter().filter(|f| after.contains(f)).count();
        assert_eq!(
            kept,
            before.len() - replaced,
            "{name}: {before:?} -> {after:?}"
        );
        assert_eq!(all_rows(&lake), expected, "{name}");
        // The log is in use: compacting and converting again keep every row once.
        let o = run(&["compact", "--lake", s(&lake), "--grace", "0"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
        assert_eq!(
            (code, summary["inputs_skipped"].as_u64()),
            (0, Some(5)),
            "{name}: {err}"
        );
        assert_eq!(all_rows(&lake), expected, "{name}");
    }
}

/// The table log keeps a checkpoint every 100 versions, and a re-run reads the converted
/// inputs from it: with the commits before it deleted (as Delta's log clean-up does after
/// 30 days), every input is still known and skipped.
#[test]
fn converted_inputs_are_read_from_the_latest_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("logs");
    for i in 0..105u64 {
        write_log(&inputs.join(format!("{i:03}.log")), 1, DAY1, i);
    }
    let lake = dir.path().join("lake");
    // One commit per input: versions 1 to 105 after the table's creation (version 0).
    let (code, summary, err) =
        convert_json(&[s(&inputs), "--out", s(&lake), "--commit-every", "1B"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["commits"], 105);
    let log = lake.join("_delta_log");
    assert!(
        log.join("00000000000000000099.checkpoint.parquet")
            .is_file(),
        "no checkpoint at version 99"
    );
    for v in 0..99 {
        std::fs::remove_file(log.join(format!("{v:020}.json"))).unwrap();
    }
    let (code, summary, err) = convert_json(&[s(&inputs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (
            summary["inputs_skipped"].as_u64(),
            summary["inputs_converted"].as_u64()
        ),
        (Some(105), Some(0)),
        "{summary}"
    );
    assert_eq!(rows(&lake), 105);
}

/// Two compactions of the same small files: one stopped after planning and writing its
/// rewrite, the other run to the end meanwhile. The stopped one, resumed, must not replace
/// the files a second time (its rewrite would add their rows again).
#[test]
fn a_paused_compaction_never_replaces_files_twice() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("logs");
    for i in 0..4u64 {
        write_log(&inputs.join(format!("{i}.log")), 50, DAY1, i * 50);
    }
    for point in ["before-pending", "after-pending", "after-publish"] {
        let lake = dir.path().join(format!("lake-{point}"));
        let (code, _, err) = convert_json(&[s(&inputs), "--out", s(&lake), "--commit-every", "1B"]);
        assert_eq!(code, 0, "{err}");
        let paused = flowlake()
            .args(["compact", "--lake", s(&lake), "--grace", "0"])
            .env("FLOWLAKE_PAUSE", point)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_stopped(paused.id());
        let o = run(&["compact", "--lake", s(&lake), "--grace", "0"]);
        assert!(o.status.success(), "{point}: {}", stderr(&o));
        signal(paused.id(), "-CONT");
        let out = paused.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{point}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(rows(&lake), 200, "{point}");
        assert_eq!(distinct_rows(&lake), 200, "{point}");
        // What is left on disk is what the table holds, once.
        let o = run(&["compact", "--lake", s(&lake), "--grace", "0"]);
        assert!(o.status.success(), "{point}: {}", stderr(&o));
        assert_eq!(totals(&lake).0, 200, "{point}: plain Parquet readers");
    }
}

/// A lake whose path needs escaping in a URL, and a partition value Hive escapes (`:` in
/// an account id): written, re-run, compacted and read back, each file found where the log
/// says it is.
#[test]
fn escaped_paths_and_partition_values_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("logs");
    std::fs::create_dir_all(&inputs).unwrap();
    for (i, name) in ["a.log", "b.log"].iter().enumerate() {
        std::fs::write(
            inputs.join(name),
            record(i as u64, DAY1).replace("111122223333", "12:34"),
        )
        .unwrap();
    }
    let lake = dir.path().join("odd ~#[name]").join("lake");
    std::fs::create_dir_all(&lake).unwrap();
    let (code, _, err) = convert_json(&[s(&inputs), "--out", s(&lake), "--commit-every", "1B"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        partition_dirs(&lake)
            .iter()
            .all(|d| d.contains("aws-account-id=12%3A34/")),
        "Hive's escape in the folder name: {:?}",
        partition_dirs(&lake)
    );
    let (code, summary, err) = convert_json(&[s(&inputs), "--out", s(&lake)]);
    assert_eq!(
        (code, summary["inputs_skipped"].as_u64()),
        (0, Some(2)),
        "{err}"
    );
    let o = run(&["compact", "--lake", s(&lake), "--grace", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM vpc_flow_logs WHERE \"aws-account-id\" = '12:34' AND account_id = '12:34'"
        ),
        2
    );
    assert_eq!(totals(&lake).0, 2);
}

/// Two runs creating one new lake at once, asking for different schemes: one table is
/// created (one `metaData` action in the log), the other run uses it or is refused, and
/// the rows land once.
#[test]
fn two_runs_creating_one_lake_create_one_table() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("logs");
    write_log(&inputs.join("a.log"), 10, DAY1, 0);
    for trial in 0..6 {
        let lake = dir.path().join(format!("lake-{trial}"));
        let spawn = |by: &str| {
            flowlake()
                .args([
                    "convert",
                    s(&inputs),
                    "--out",
                    s(&lake),
                    "--partition",
                    by,
                    "-q",
                ])
                .stdin(Stdio::null())
                .output()
        };
        let (a, b) = std::thread::scope(|sc| {
            let a = sc.spawn(|| spawn("hour").unwrap());
            let b = sc.spawn(|| spawn("day").unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        let metadata: usize = std::fs::read_dir(lake.join("_delta_log"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                std::fs::read_to_string(p)
                    .unwrap()
                    .matches("\"metaData\"")
                    .count()
            })
            .sum();
        assert_eq!(metadata, 1, "trial {trial}");
        for o in [&a, &b] {
            assert!(
                o.status.success() || stderr(o).contains("would mix both schemes"),
                "trial {trial}: {}",
                stderr(o)
            );
        }
        assert_eq!(rows(&lake), 10, "trial {trial}");
    }
}
