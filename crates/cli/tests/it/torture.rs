//! A randomized torture test of the lake's exactly-once promise, bounded in time: several
//! writers (overlapping and disjoint inputs), compactions and a reader at once, with
//! `kill -9` and `SIGSTOP`/`SIGCONT` at random moments. After the re-runs every row is in
//! the lake exactly once, and every count the reader saw meanwhile is the count of some
//! committed version of the table log.
//!
//! The seed is printed; `FLOWLAKE_TORTURE_SEED=<seed>` replays a run's choices (the
//! processes' timing is the machine's), and `FLOWLAKE_TORTURE_SECONDS` sets its length.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::util::*;

/// The row count of every version of the table log, in order, from its commit files
/// (each `add` carries `numRecords`).
fn version_counts(lake: &Path) -> Vec<u64> {
    let log = lake.join("_delta_log");
    let mut commits: Vec<PathBuf> = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    commits.sort();
    let mut active: HashMap<String, u64> = HashMap::new();
    let mut counts = Vec::new();
    for commit in commits {
        for line in std::fs::read_to_string(&commit).unwrap().lines() {
            let action: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(add) = action.get("add") {
                let stats: serde_json::Value =
                    serde_json::from_str(add["stats"].as_str().unwrap()).unwrap();
                active.insert(
                    add["path"].as_str().unwrap().to_string(),
                    stats["numRecords"].as_u64().unwrap(),
                );
            } else if let Some(remove) = action.get("remove") {
                active.remove(remove["path"].as_str().unwrap());
            }
        }
        counts.push(active.values().sum());
    }
    counts
}

fn count(lake: &Path) -> Result<u64, String> {
    let o = run(&[
        "sql",
        "--lake",
        s(lake),
        "--format",
        "csv",
        "-e",
        "SELECT count(*) FROM vpc_flow_logs",
    ]);
    if !o.status.success() {
        return Err(stderr(&o));
    }
    Ok(stdout(&o).lines().nth(1).unwrap().trim().parse().unwrap())
}

struct Proc {
    child: Child,
    what: String,
    killed: bool,
    stopped: Option<Instant>,
}

#[test]
fn torture_concurrent_writers_compactions_and_readers_with_kills_and_pauses() {
    let seed: u64 = std::env::var("FLOWLAKE_TORTURE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let seconds: u64 = std::env::var("FLOWLAKE_TORTURE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    eprintln!("torture: seed {seed} (replay with FLOWLAKE_TORTURE_SEED={seed})");
    let ctx = |what: &str| format!("{what} (seed {seed}: FLOWLAKE_TORTURE_SEED={seed})");
    let mut rng = SmallRng::seed_from_u64(seed);

    let dir = tempfile::tempdir().unwrap();
    if std::env::var_os("FLOWLAKE_TORTURE_KEEP").is_some() {
        eprintln!("torture: keeping {}", dir.path().display());
    }
    let dir = scopeguard(dir);
    let pool_dir = dir.path().join("pool");
    std::fs::create_dir_all(&pool_dir).unwrap();
    let mut pool = Vec::new();
    let mut total = 0;
    for i in 0..48u64 {
        let n = rng.random_range(20..120);
        let path = pool_dir.join(format!("{i:02}.log"));
        write_log(&path, n, DAY1 + (i % 3) as i64 * 86_400, total);
        total += n;
        pool.push(path);
    }
    let lake = dir.path().join("lake");
    // The table exists before the reader starts.
    let (code, _, err) = convert_json(&[s(&pool[0]), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");

    let stop = Arc::new(AtomicBool::new(false));
    let reads: Arc<Mutex<Vec<Result<u64, String>>>> = Arc::default();
    let reader = {
        let (stop, reads, lake) = (Arc::clone(&stop), Arc::clone(&reads), lake.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let c = count(&lake);
                reads.lock().unwrap().push(c);
            }
        })
    };

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut procs: Vec<Proc> = Vec::new();
    let mut finished: Vec<(String, std::process::ExitStatus, String)> = Vec::new();
    while Instant::now() < deadline {
        let running = procs.iter().filter(|p| !p.killed).count();
        match rng.random_range(0..10) {
            // A writer over a random subset of the pool: overlapping with the others.
            0..=3 if running < 5 => {
                let mut args: Vec<String> = vec!["convert".into()];
                for p in &pool {
                    if rng.random_bool(0.4) {
                        args.push(s(p).into());
                    }
                }
                if args.len() == 1 {
                    args.push(s(&pool[1]).into());
                }
                let every = ["1B", "2KiB", "8KiB", "1MiB"][rng.random_range(0..4)];
                args.extend([
                    "--out".into(),
                    s(&lake).into(),
                    "--commit-every".into(),
                    every.into(),
                    "-q".into(),
                ]);
                let child = flowlake()
                    .args(&args)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                procs.push(Proc {
                    child,
                    what: format!("convert of {} inputs", args.len() - 7),
                    killed: false,
                    stopped: None,
                });
            }
            4 if running < 5 => {
                let child = flowlake()
                    .args([
                        "compact",
                        "--lake",
                        s(&lake),
                        "--grace",
                        "3",
                        "--target-file-size",
                        "1MiB",
                    ])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                procs.push(Proc {
                    child,
                    what: "compact".into(),
                    killed: false,
                    stopped: None,
                });
            }
            // kill -9 a running process.
            5 => {
                let live: Vec<usize> = (0..procs.len()).filter(|&i| !procs[i].killed).collect();
                if !live.is_empty() {
                    let p = &mut procs[live[rng.random_range(0..live.len())]];
                    let _ = p.child.kill();
                    p.killed = true;
                }
            }
            // Pause a running process for up to three seconds.
            6 | 7 => {
                let live: Vec<usize> = (0..procs.len())
                    .filter(|&i| !procs[i].killed && procs[i].stopped.is_none())
                    .collect();
                if !live.is_empty() {
                    let p = &mut procs[live[rng.random_range(0..live.len())]];
                    signal(p.child.id(), "-STOP");
                    p.stopped =
                        Some(Instant::now() + Duration::from_millis(rng.random_range(100..3000)));
                }
            }
            _ => {}
        }
        for p in &mut procs {
            if p.stopped.is_some_and(|t| Instant::now() >= t) {
                signal(p.child.id(), "-CONT");
                p.stopped = None;
            }
        }
        reap(&mut procs, &mut finished);
        // Paces the random schedule; the assertions do not depend on it.
        std::thread::sleep(Duration::from_millis(rng.random_range(20..250)));
    }
    for p in &mut procs {
        if p.stopped.take().is_some() {
            signal(p.child.id(), "-CONT");
        }
    }
    let waited = Instant::now() + Duration::from_secs(300);
    while !procs.is_empty() {
        reap(&mut procs, &mut finished);
        assert!(
            Instant::now() < waited,
            "{}",
            ctx("processes did not finish")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    for (what, status, err) in &finished {
        assert!(
            status.success(),
            "{}: {what} exited {status}: {err}",
            ctx("a process that was not killed failed")
        );
    }

    // The re-runs: every input, then a compaction that finishes what killed ones left.
    let (code, _, err) = convert_json(&[s(&pool_dir), "--out", s(&lake)]);
    assert_eq!(code, 0, "{}: {err}", ctx("the re-run"));
    let o = run(&["compact", "--lake", s(&lake), "--grace", "0"]);
    assert!(
        o.status.success(),
        "{}: {}",
        ctx("the last compaction"),
        stderr(&o)
    );
    let versions = version_counts(&lake);
    let plain = totals(&lake).0;
    assert_eq!(
        (count(&lake), versions.last().copied(), plain),
        (Ok(total), Some(total), total),
        "{}: (flowlake's count, the log's last version, plain Parquet readers)",
        ctx("rows")
    );
    let distinct = run(&[
        "sql",
        "--lake",
        s(&lake),
        "--format",
        "csv",
        "-e",
        "SELECT count(*) FROM (SELECT DISTINCT * FROM vpc_flow_logs)",
    ]);
    assert_eq!(
        stdout(&distinct).lines().nth(1).map(str::trim),
        Some(total.to_string().as_str()),
        "{}",
        ctx("distinct rows")
    );

    let versions: BTreeSet<u64> = versions.into_iter().collect();
    let reads = reads.lock().unwrap();
    assert!(
        reads.len() >= 5,
        "{}: the reader ran {} statements",
        ctx("too few reads"),
        reads.len()
    );
    for c in reads.iter() {
        match c {
            Ok(n) => assert!(
                versions.contains(n),
                "{}: a reader counted {n}; committed versions: {versions:?}",
                ctx("a read that is no snapshot")
            ),
            Err(e) => panic!("{}: {e}", ctx("a reader statement failed")),
        }
    }
    eprintln!(
        "torture: seed {seed}: {} processes finished, {} reads, {} versions",
        finished.len(),
        reads.len(),
        versions.len()
    );
}

/// The run's folder, kept for inspection when `FLOWLAKE_TORTURE_KEEP` is set.
fn scopeguard(dir: tempfile::TempDir) -> Kept {
    if std::env::var_os("FLOWLAKE_TORTURE_KEEP").is_some() {
        Kept::Kept(dir.keep())
    } else {
        Kept::Temp(dir)
    }
}

enum Kept {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl Kept {
    fn path(&self) -> &Path {
        match self {
            Kept::Temp(d) => d.path(),
            Kept::Kept(p) => p,
        }
    }
}

fn signal(pid: u32, sig: &str) {
    let _ = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status();
}

/// Collect the processes that ended: killed ones are dropped, the others' exit kept.
fn reap(procs: &mut Vec<Proc>, finished: &mut Vec<(String, std::process::ExitStatus, String)>) {
    let mut i = 0;
    while i < procs.len() {
        if procs[i].stopped.is_none()
            && let Ok(Some(status)) = procs[i].child.try_wait()
        {
            let mut p = procs.swap_remove(i);
            if !p.killed {
                let mut err = String::new();
                if let Some(mut e) = p.child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                finished.push((p.what, status, err));
            }
            continue;
        }
        i += 1;
    }
}
