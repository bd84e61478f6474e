//! Helpers: run the binary, generate inputs, read a lake back with the parquet crate.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

pub fn flowlake() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowlake"));
    cmd.env_remove("FLOWLAKE_FAULT");
    cmd
}

pub fn run(args: &[&str]) -> Output {
    flowlake()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("flowlake runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run `convert` with `--json` and return the exit code and the summary.
pub fn convert_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["convert", "--json"];
    all.extend_from_slice(args);
    let o = run(&all);
    let err = stderr(&o);
    let summary = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON summary ({e}); stderr: {err}"));
    (o.status.code().expect("exited"), summary, err)
}

#[derive(Debug, serde::Deserialize)]
pub struct Truth {
    pub records: u64,
    pub bytes: u64,
    pub files: u64,
}

/// `flowlake gen` into `dir`; returns its ground truth.
pub fn generate(dir: &Path, records: u64, hours: u32) -> Truth {
    let o = run(&[
        "gen",
        "--out",
        dir.to_str().unwrap(),
        "--records",
        &records.to_string(),
        "--hours",
        &hours.to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&std::fs::read(dir.join("_ground-truth.json")).unwrap()).unwrap()
}

/// Visible Parquet files of a lake (what Athena or DuckDB would read), sorted.
pub fn visible_files(lake: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![lake.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with(['_', '.']) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The folder of each visible file, relative to the lake.
pub fn partition_dirs(lake: &Path) -> Vec<String> {
    visible_files(lake)
        .iter()
        .map(|f| {
            let dir = f.parent().unwrap().strip_prefix(lake).unwrap();
            dir.to_str().unwrap().to_string()
        })
        .collect()
}

pub fn read_file(path: &Path) -> Vec<RecordBatch> {
    let f = File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap_or_else(|e| panic!("{} is not readable Parquet: {e}", path.display()))
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Rows and the sum of `bytes` over every visible file.
pub fn totals(lake: &Path) -> (u64, u64) {
    let mut rows = 0;
    let mut bytes = 0u64;
    for f in visible_files(lake) {
        for b in read_file(&f) {
            rows += b.num_rows() as u64;
            let col = b
                .column_by_name("bytes")
                .unwrap()
                .as_primitive::<Int64Type>();
            bytes += col.iter().flatten().map(|v| v as u64).sum::<u64>();
        }
    }
    (rows, bytes)
}

pub fn column_strings(batches: &[RecordBatch], name: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name(name).unwrap().as_string::<i32>().clone();
            (0..a.len()).map(move |i| a.is_valid(i).then(|| a.value(i).to_string()))
        })
        .collect()
}

pub fn column_i64(batches: &[RecordBatch], name: &str) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(name)
                .unwrap()
                .as_primitive::<Int64Type>()
                .clone();
            (0..a.len()).map(move |i| a.is_valid(i).then(|| a.value(i)))
        })
        .collect()
}

/// Gzip `text` into `path`.
pub fn write_gz(path: &Path, text: &str) {
    use std::io::Write;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut enc =
        flate2::write::GzEncoder::new(File::create(path).unwrap(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
}

/// Sizes of the `.log.gz` files under `dir`: (as stored, decompressed).
pub fn gz_sizes(dir: &Path) -> (u64, u64) {
    let (mut stored, mut text) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_str().unwrap().ends_with(".log.gz") {
                stored += p.metadata().unwrap().len();
                let mut dec = flate2::read::MultiGzDecoder::new(File::open(&p).unwrap());
                text += std::io::copy(&mut dec, &mut std::io::sink()).unwrap();
            }
        }
    }
    (stored, text)
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A generated (30 hours, with attacks) and converted lake shared by the query tests,
/// built once per test run: `(lake, ground truth)`.
pub fn shared_lake() -> &'static (PathBuf, Truth) {
    static LAKE: std::sync::OnceLock<(PathBuf, Truth)> = std::sync::OnceLock::new();
    LAKE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("shared-lake-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let truth = generate(&root.join("logs"), 20_000, 30);
        let lake = root.join("lake");
        let o = run(&["convert", "-q", s(&root.join("logs")), "--out", s(&lake)]);
        assert!(o.status.success(), "{}", stderr(&o));
        (lake, truth)
    })
}

/// Run `flowlake` with `stdin` as standard input.
pub fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = flowlake()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flowlake runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The run failed with exit status 1 and a message on standard error containing `needle`.
pub fn assert_fails(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(needle), "{needle:?} not in: {err}");
}

/// 2026-01-01, Unix seconds.
pub const DAY1: i64 = 1_767_225_600;

/// A v2 record (the default format) of account 111122223333 at `start`.
pub fn record(i: u64, start: i64) -> String {
    format!(
        "2 111122223333 eni-0a1b2c3d 10.0.{}.{} 10.1.0.9 443 {} 6 10 840 {start} {} ACCEPT OK\n",
        i / 250,
        i % 250,
        1024 + i % 60000,
        start + 60
    )
}

/// `n` records at `start` (one minute apart) in a plain text file.
pub fn write_log(path: &Path, n: u64, start: i64, offset: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = (0..n)
        .map(|i| record(offset + i, start + (i as i64 % 1440) * 60))
        .collect();
    std::fs::write(path, text).unwrap();
}

/// Every file under `dir`, recursively, sorted.
pub fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
