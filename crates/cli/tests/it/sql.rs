//! `flowlake sql`: one-shot queries, formats, output files, scripts, meta-commands,
//! errors and the time window.

use std::path::{Path, PathBuf};

use crate::util::{
    DAY1, assert_fails, column_i64, read_file, run, run_with_stdin, s, shared_lake, stderr, stdout,
    visible_files,
};

fn sql(lake: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sql", "--lake", s(lake)];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn one_shot_queries_count_every_record_in_every_format() {
    let (lake, truth) = shared_lake();
    let q = "SELECT count(*) AS n, CAST(sum(bytes) AS BIGINT) AS b FROM vpc_flow_logs";
    let csv = sql(lake, &["-e", q, "--format", "csv"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    assert_eq!(
        stdout(&csv),
        format!("n,b\n{},{}\n", truth.records, truth.bytes)
    );
    let json = sql(lake, &["-e", q, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["n"], truth.records);
    assert_eq!(v[0]["b"], truth.bytes);
    let ndjson = sql(
        lake,
        &["-e", q, "-e", "SELECT 7 AS seven", "--format", "ndjson"],
    );
    let lines: Vec<serde_json::Value> = stdout(&ndjson)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "both -e statements ran, in order");
    assert_eq!(lines[0]["n"], truth.records);
    assert_eq!(lines[1]["seven"], 7);
    let table = sql(lake, &["-e", q, "--format", "table"]);
    let t = stdout(&table);
    assert!(
        t.starts_with("┌") && t.contains(&truth.records.to_string()),
        "{t}"
    );
}

#[test]
fn output_files_take_their_format_from_the_extension() {
    let (lake, truth) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("flows.parquet");
    let o = sql(
        lake,
        &[
            "-e",
            "SELECT srcaddr, bytes FROM vpc_flow_logs",
            "--output",
            s(&parquet),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "results go to the file only");
    let batches = read_file(&parquet);
    let bytes: i64 = column_i64(&batches, "bytes").iter().flatten().sum();
    assert_eq!(
        batches.iter().map(|b| b.num_rows() as u64).sum::<u64>(),
        truth.records
    );
    assert_eq!(bytes as u64, truth.bytes);
    // Text is plain `string` in the file (the engine reads it as string views).
    assert_eq!(
        batches[0]
            .schema()
            .field_with_name("srcaddr")
            .unwrap()
            .data_type(),
        &arrow_schema::DataType::Utf8
    );
    // Nested text too: lists, structs, dictionaries.
    let nested = dir.path().join("nested.parquet");
    let o = sql(
        lake,
        &[
            "-e",
            "SELECT action, array_agg(srcaddr) AS a, named_struct('s', max(srcaddr)) AS st, \
             arrow_cast(max(dstaddr), 'Dictionary(Int32, Utf8View)') AS d \
             FROM vpc_flow_logs GROUP BY action",
            "-o",
            s(&nested),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let schema = read_file(&nested)[0].schema();
    let text = |name: &str| {
        schema
            .field_with_name(name)
            .unwrap()
            .data_type()
            .to_string()
    };
    assert!(
        text("a").starts_with("List(") && !text("a").contains("View"),
        "{}",
        text("a")
    );
    assert!(
        text("st").contains("Utf8") && !text("st").contains("View"),
        "{}",
        text("st")
    );
    assert_eq!(text("d"), "Dictionary(Int32, Utf8)");

    let csv = dir.path().join("actions.csv");
    let o = sql(
        lake,
        &[
            "-e",
            "SELECT DISTINCT action FROM vpc_flow_logs WHERE action IS NOT NULL ORDER BY 1",
            "-o",
            s(&csv),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "action\nACCEPT\nREJECT\n"
    );

    // A query that fails while its rows are written leaves no Parquet file behind.
    let bad = dir.path().join("bad.parquet");
    let o = sql(
        lake,
        &[
            "-e",
            "SELECT CAST(srcaddr AS INT) AS n FROM vpc_flow_logs",
            "-o",
            s(&bad),
        ],
    );
    assert_fails(&o, "Cannot cast");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("bad"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    let o = sql(
        lake,
        &["-e", "SELECT 1", "-o", s(&dir.path().join("x.xlsx"))],
    );
    assert_fails(&o, ".csv, .json, .ndjson, .parquet");
}

#[test]
fn sql_errors_exit_1_with_a_short_message_and_the_line() {
    let (lake, _) = shared_lake();
    let o = sql(lake, &["-e", "SELECT nope FROM vpc_flow_logs"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: -e:1: no column named nope (column 8)"),
        "{err}"
    );
    assert_eq!(
        err.matches("no column named").count(),
        1,
        "said once: {err}"
    );
    // Not DataFusion's list of every qualified column.
    assert!(!err.contains("vpc_flow_logs.srcaddr"), "{err}");
    assert!(err.len() < 400, "{err}");

    let o = sql(
        lake,
        &[
            "-e",
            "SELECT count(*) FROM vpc_flow_logs WHERE action = REJECT",
        ],
    );
    assert_fails(&o, "text values need single quotes ('REJECT')");
    // A query of no column is refused in every format, not printed as empty rows.
    for format in ["table", "csv", "json"] {
        let o = sql(lake, &["--format", format, "-e", "FROM vpc_flow_logs"]);
        assert_fails(&o, "the statement selects no column");
        assert_eq!(stdout(&o), "", "{format}");
    }
    let o = sql(lake, &["-e", "SELECT count(* FROM vpc_flow_logs"]);
    assert_fails(&o, "syntax error: expected ), found FROM (column 16)");
    assert!(!stderr(&o).contains("ParserError"), "{}", stderr(&o));

    let script = "SELECT 1 AS one;\n\n-- the broken one:\nSELECT\n  count(*) FROM no_such_table;\nSELECT 2;\n";
    let o = run_with_stdin(&["sql", "--lake", s(lake), "--format", "csv"], script);
    assert_fails(&o, "<stdin>:4:");
    assert_fails(
        &o,
        "no table named no_such_table (line 2 of the statement, column 17)",
    );
    assert_eq!(stdout(&o), "one\n1\n", "stops at the failing statement");

    let o = crate::util::flowlake()
        .args(["sql", "--lake", s(lake), "-e", "SELECT 1"])
        .env("DATAFUSION_EXECUTION_TARGET_PARTITIONS", "lots")
        .output()
        .unwrap();
    assert_fails(
        &o,
        "a DATAFUSION_* environment variable has a value DataFusion cannot use: Error setting \
         config datafusion.execution.target_partitions: Error parsing 'lots' as usize\n",
    );

    let o = run(&["sql", "--lake", "/nonexistent/lake", "-e", "SELECT 1"]);
    assert_fails(&o, "no lake at /nonexistent/lake: give --lake the folder");
    // Without --lake: the default, looked for in the current folder, is named.
    let elsewhere = tempfile::tempdir().unwrap();
    let o = crate::util::flowlake()
        .args(["sql", "-e", "SELECT 1"])
        .current_dir(elsewhere.path())
        .env_remove("FLOWLAKE_LAKE")
        .output()
        .unwrap();
    assert_fails(
        &o,
        &format!(
            "no lake at {}: without --lake (or $FLOWLAKE_LAKE), flowlake looks for the folder `lake` in the current folder",
            elsewhere.path().join("lake").display()
        ),
    );
    let empty = tempfile::tempdir().unwrap();
    let o = run(&["sql", "--lake", s(empty.path()), "-e", "SELECT 1"]);
    assert_fails(&o, "is not a flowlake lake");
}

#[test]
fn scripts_on_stdin_run_statements_and_meta_commands() {
    let (lake, truth) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let included = dir.path().join("more.sql");
    std::fs::write(&included, "SELECT 'included' AS source;\n").unwrap();
    let out_file = dir.path().join("out.ndjson");
    let script = format!(
        "SELECT 1 AS a; SELECT 'x;y' AS b;\n\
         \\d vpc_flow_logs\n\
         \\format json\n\
         SELECT count(*) AS n FROM vpc_flow_logs;\n\
         \\x on\n\
         \\format table\n\
         SELECT 'v' AS k, 2 AS w;\n\
         \\x off\n\
         \\i {}\n\
         \\o {}\n\
         SELECT 3 AS c;\n\
         \\o\n\
         \\format csv\n\
         \\run port-scan min_ports=500 limit=1\n\
         \\hunts\n\
         \\q\n\
         SELECT 'not run' AS after_quit;\n",
        s(&included),
        s(&out_file)
    );
    let o = run_with_stdin(&["sql", "--lake", s(lake), "--format", "csv"], &script);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("a\n1\nb\nx;y\n"), "{out}");
    // \d TABLE: every column with its type, then the lake.
    assert!(
        out.contains("│ srcaddr ") && out.contains("│ Utf8View "),
        "{out}"
    );
    assert!(out.contains("│ aws-account-id "), "{out}");
    assert!(
        out.contains("│ start ") && out.contains("│ Int64 "),
        "{out}"
    );
    assert!(
        out.contains(&format!("[{{\"n\":{}}}]", truth.records)),
        "{out}"
    );
    assert!(out.contains("-[ RECORD 1 ]\nk | v\nw | 2\n"), "{out}");
    assert!(out.contains("│ included │"), "\\i ran the file: {out}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "{\"c\":3}\n");
    assert!(!out.contains("\"c\""), "\\o sent it to the file only");
    assert!(out.contains("scanner,target,window_start,ports"), "{out}");
    assert!(
        out.contains("10.0.2.23,198.51.100.77,2026-03-01T06:00:00.000Z,1024"),
        "{out}"
    );
    assert!(
        out.contains("ssh-brute-force"),
        "\\hunts lists the library: {out}"
    );
    assert!(!out.contains("not run"), "\\q ends the script");

    let o = run_with_stdin(&["sql", "--lake", s(lake)], "SELECT 1;\n\\bogus\n");
    assert_fails(&o, "<stdin>:2: unknown command \\bogus");
}

#[test]
fn since_and_until_limit_every_query_and_skip_other_partitions() {
    let (shared, _) = shared_lake();
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    copy_dir(shared, &lake);
    // The lake spans 2026-03-01T00:00Z to 2026-03-02T06:00Z.
    let day2 = 1_772_409_600;
    let count = |extra: &[&str], filter: &str| -> Result<u64, String> {
        let q = format!("SELECT count(*) FROM vpc_flow_logs {filter}");
        let mut args = vec!["-e", q.as_str(), "--format", "csv"];
        args.extend_from_slice(extra);
        let o = sql(&lake, &args);
        if o.status.success() {
            Ok(stdout(&o).lines().nth(1).unwrap().parse().unwrap())
        } else {
            Err(stderr(&o))
        }
    };
    let day2_rows = count(&[], &format!("WHERE \"start\" >= {day2}")).unwrap();
    let day1_rows = count(&[], &format!("WHERE \"start\" < {day2}")).unwrap();
    assert!(day1_rows > 0 && day2_rows > 0);
    assert_eq!(count(&["--since", "2026-03-02"], "").unwrap(), day2_rows);
    assert_eq!(count(&["--until", "2026-03-01"], "").unwrap(), day1_rows);
    assert_eq!(
        count(
            &[
                "--since",
                "2026-03-01T00:00:00Z",
                "--until",
                "2026-03-02T00:00:00Z"
            ],
            ""
        )
        .unwrap(),
        day1_rows
    );

    // Break every file of the first day: a query of the second day must not open them.
    let broken: Vec<_> = visible_files(&lake)
        .into_iter()
        .filter(|f| f.to_str().unwrap().contains("/day=01/"))
        .collect();
    assert!(!broken.is_empty());
    for f in &broken {
        std::fs::write(f, b"not parquet at all").unwrap();
    }
    let err = count(&[], "").unwrap_err();
    assert!(err.contains("parquet") || err.contains("Parquet"), "{err}");
    assert_eq!(count(&["--since", "2026-03-02"], "").unwrap(), day2_rows);

    let o = sql(&lake, &["--since", "last tuesday", "-e", "SELECT 1"]);
    assert_fails(&o, "7d");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn ddl_athena_projects_the_lakes_accounts_and_regions() {
    let (lake, _) = shared_lake();
    let o = run(&[
        "ddl",
        "athena",
        "--table-type",
        "hive",
        "--location",
        "s3://bucket/flows/",
        "--lake",
        s(lake),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ddl = stdout(&o);
    assert!(
        ddl.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs` ("),
        "{ddl}"
    );
    assert!(
        ddl.contains("'projection.aws-account-id.values' = '111122223333,444455556666'"),
        "{ddl}"
    );
    assert!(
        ddl.contains("'projection.aws-region.values' = 'eu-west-1,us-east-1'"),
        "{ddl}"
    );
    assert!(
        ddl.contains("LOCATION 's3://bucket/flows/AWSLogs/'"),
        "{ddl}"
    );
    assert!(!ddl.contains("hour"), "a day-partitioned lake: {ddl}");
    let o = run(&[
        "ddl",
        "athena",
        "--table-type",
        "hive",
        "--location",
        "s3://b/p",
        "--account",
        "123456789012",
        "--region",
        "ap-south-1,eu-central-1",
        "--partition",
        "hour",
    ]);
    let ddl = stdout(&o);
    assert!(
        ddl.contains("'projection.aws-region.values' = 'ap-south-1,eu-central-1'"),
        "{ddl}"
    );
    assert!(ddl.contains("/hour=${hour}'"), "{ddl}");
    let o = run(&[
        "ddl",
        "athena",
        "--table-type",
        "hive",
        "--location",
        "s3://b/p",
    ]);
    assert_fails(&o, "--account");
    let o = run(&[
        "ddl",
        "athena",
        "--table-type",
        "hive",
        "--location",
        "/local/path",
        "--account",
        "1",
        "--region",
        "r",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn ddl_athena_prints_the_delta_table_by_default() {
    let o = run(&["ddl", "athena", "--location", "s3://bucket/flows/AWSLogs/"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ddl = stdout(&o);
    assert!(
        ddl.starts_with(
            "CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs`\nLOCATION 's3://bucket/flows/'\nTBLPROPERTIES ('table_type' = 'DELTA');\n"
        ),
        "{ddl}"
    );
    assert!(ddl.contains("one committed version"), "{ddl}");
    // What only the Hive table uses is refused, not ignored.
    let o = run(&["ddl", "athena", "--location", "s3://b/p", "--account", "1"]);
    assert_fails(&o, "are for the Hive table (--table-type hive)");
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    let (lake, _) = shared_lake();
    for format in ["csv", "json", "ndjson", "table"] {
        let mut child = crate::util::flowlake()
            .args(["sql", "--lake", s(lake), "--format", format])
            .args(["-e", "SELECT * FROM vpc_flow_logs"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{format}");
    }
}

/// The day folders (`YYYY/MM/DD`) of AWS-layout logs under `logs`, sorted.
fn day_folders(logs: &Path) -> Vec<PathBuf> {
    let mut days: Vec<PathBuf> = crate::util::walk_files(logs)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|x| x == "gz"))
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    days.sort();
    days.dedup();
    days
}

#[test]
fn raw_logs_query_as_the_converted_lake_does() {
    let (lake, _) = shared_lake();
    let logs = lake.parent().unwrap().join("logs");
    let query = "SELECT srcaddr, dstaddr, dstport, action, sum(bytes) AS b, count(*) AS n, \
                 min(start) AS first FROM vpc_flow_logs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4";
    let bounds = stdout(&sql(
        lake,
        &[
            "--format",
            "csv",
            "-e",
            "SELECT min(start) + 6 * 3600, min(start) + 12 * 3600 FROM vpc_flow_logs",
        ],
    ));
    let (since, until) = bounds.lines().nth(1).unwrap().split_once(',').unwrap();
    for window in [vec![], vec!["--since", since, "--until", until]] {
        let with = |source: [&str; 2]| {
            let mut args = vec!["sql", source[0], source[1], "--format", "csv", "-e", query];
            args.extend(&window);
            run(&args)
        };
        let converted = with(["--lake", s(lake)]);
        let raw = with(["--raw", s(&logs)]);
        assert!(raw.status.success(), "{}", stderr(&raw));
        assert!(stdout(&raw).lines().count() > 10, "{}", stdout(&raw));
        assert_eq!(stdout(&raw), stdout(&converted), "window {window:?}");
        assert!(
            stderr(&raw).contains("decoded for this run only"),
            "{}",
            stderr(&raw)
        );
    }
}

#[test]
fn raw_logs_skip_the_dated_folders_outside_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    crate::util::generate(&logs, 2_000, 30);
    let days = day_folders(&logs);
    assert!(days.len() >= 2, "{days:?}");
    // An unreadable input in the last day's folder, named as AWS names its objects.
    let last = days.last().unwrap();
    let first_name = crate::util::walk_files(&days[0]).remove(0);
    let broken = last.join(
        first_name
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .replace(".log.gz", "0.log.gz"),
    );
    std::fs::write(&broken, b"not gzip").unwrap();
    let day = |p: &Path| {
        let parts: Vec<String> = p
            .components()
            .rev()
            .take(3)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        format!("{}-{}-{}", parts[2], parts[1], parts[0])
    };
    let first_day = day(&days[0]);
    let q = "SELECT count(*) FROM vpc_flow_logs";
    let o = run(&[
        "sql",
        "--raw",
        s(&logs),
        "--until",
        &first_day,
        "--format",
        "csv",
        "-e",
        q,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("not gzip") && !stderr(&o).contains(&broken.display().to_string()),
        "the later day was not read: {}",
        stderr(&o)
    );
    // Unbounded, it is read, and reported without stopping the query.
    let o = run(&["sql", "--raw", s(&logs), "--format", "csv", "-e", q]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("warning: {}", broken.display())),
        "{}",
        stderr(&o)
    );
    // The folder given as a lake says what to do.
    let o = run(&["sql", "--lake", s(&logs), "-e", q]);
    assert_fails(
        &o,
        &format!("query them where they are with `--raw {}`", s(&logs)),
    );
}

#[test]
fn raw_logs_delivered_after_the_window_still_count() {
    // AWS names folders and objects by delivery: a flow that starts at 23:58 can arrive in
    // the next day's folder, under the next day's object name.
    let dir = tempfile::tempdir().unwrap();
    let base = dir
        .path()
        .join("AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/03");
    let name = |day: &str, time: &str| {
        format!(
            "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_202603{day}T{time}Z_a1b2.log.gz"
        )
    };
    let line = |start: i64| {
        format!(
            "2 111122223333 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 {start} {} ACCEPT OK\n",
            start + 60
        )
    };
    let mar2 = 1_772_409_600;
    crate::util::write_gz(
        &base.join("01").join(name("01", "2200")),
        &line(mar2 - 7200),
    );
    crate::util::write_gz(&base.join("02").join(name("02", "0000")), &line(mar2 - 120));
    // Delivered two hours into the next day: records of that day only.
    crate::util::write_gz(&base.join("02").join(name("02", "0200")), "not read\n");
    let o = run(&[
        "sql",
        "--raw",
        s(dir.path()),
        "--until",
        "2026-03-01",
        "--format",
        "csv",
        "-e",
        "SELECT count(*) FROM vpc_flow_logs",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "count(*)\n2\n");
    // The later object was not read (its line would be reported as rejected).
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn raw_logs_decoded_for_a_run_are_deleted_when_it_is_interrupted() {
    use std::io::{BufRead, BufReader};
    let (lake, _) = shared_lake();
    let logs = lake.parent().unwrap().join("logs");
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = crate::util::flowlake()
            .args([
                "sql",
                "--raw",
                s(&logs),
                "-e",
                "SELECT count(*) FROM vpc_flow_logs, generate_series(1, 1000000000000)",
            ])
            .env("TMPDIR", tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Once the logs are decoded (the run says so), the endless query runs.
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while !line.contains("decoded for this run only") {
            line.clear();
            assert!(err.read_line(&mut line).unwrap() > 0, "ended early");
        }
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        let killed = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code));
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert!(left.is_empty(), "{signal}: {left:?} left behind");
    }
}

#[test]
fn bounds_on_end_keep_records_that_end_before_they_start() {
    // A record whose `end` is before its `start` sits in the folder of its `start`; the
    // least `end` the table log records for that file keeps it in reach of `end` bounds.
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = (DAY1, DAY1 + 86_400);
    let line = |start: i64, end: i64| {
        format!(
            "2 111122223333 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 {start} {end} ACCEPT OK\n"
        )
    };
    let text = [
        line(d2 + 100, d1 + 100),
        line(d1 + 200, d1 + 260),
        line(d2 + 300, d2 + 360),
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
    let count = |predicate: &str| {
        let o = sql(
            &lake,
            &[
                "--format",
                "csv",
                "-e",
                &format!("SELECT count(*) FROM vpc_flow_logs WHERE {predicate}"),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(count(&format!(r#""end" < {d2}"#)), "count(*)\n2\n");
    assert_eq!(count(&format!(r#""end" <= {}"#, d1 + 100)), "count(*)\n1\n");
    assert_eq!(count(&format!(r#""end" >= {d2}"#)), "count(*)\n1\n");
    // The table log holds each file's least and greatest `start` and `end`.
    let log: String = crate::util::walk_files(&lake.join("_delta_log"))
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        log.contains(&format!(
            r#"\"minValues\":{{\"end\":{},\"start\":{}}}"#,
            d1 + 100,
            d2 + 100
        )),
        "{log}"
    );
}
