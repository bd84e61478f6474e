//! The `vpc_flow_logs` table over a real converted lake, and the Athena functions.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use flowlake_convert::{ConvertOptions, PartitionBy, Progress, convert};
use flowlake_gen::{GenOptions, GroundTruth, generate};

/// Generate and convert a lake. `convert` drives its own runtime, so it runs on a plain
/// thread, outside the test's.
fn lake(dir: &Path, by: PartitionBy) -> GroundTruth {
    std::thread::scope(|s| s.spawn(|| make_lake(dir, by)).join().unwrap())
}

fn make_lake(dir: &Path, by: PartitionBy) -> GroundTruth {
    let logs = dir.join("logs");
    let truth = generate(
        &logs,
        &GenOptions {
            records: 5_000,
            hours: 30,
            ..GenOptions::default()
        },
    )
    .unwrap();
    let mut options =
        ConvertOptions::new(vec![logs.to_str().unwrap().to_string()], dir.join("lake"));
    options.write.partition_by = Some(by);
    let summary = convert(&options, &Arc::new(Progress::default())).unwrap();
    assert_eq!(summary.records_written, truth.records);
    truth
}

async fn ctx_for(dir: &Path) -> SessionContext {
    let ctx = flowlake_query::session().unwrap();
    flowlake_query::register_lake(
        &ctx,
        &dir.join("lake"),
        &flowlake_query::TimeWindow::default(),
    )
    .await
    .unwrap();
    ctx
}

async fn query(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn one_i64(ctx: &SessionContext, sql: &str) -> i64 {
    let b = query(ctx, sql).await;
    b[0].column(0).as_primitive::<Int64Type>().value(0)
}

#[tokio::test]
async fn the_table_holds_every_row_with_partition_columns() {
    let dir = tempfile::tempdir().unwrap();
    let truth = lake(dir.path(), PartitionBy::Day);
    let ctx = ctx_for(dir.path()).await;
    assert_eq!(
        one_i64(&ctx, "SELECT count(*) FROM vpc_flow_logs").await as u64,
        truth.records
    );
    assert_eq!(
        one_i64(&ctx, "SELECT CAST(sum(bytes) AS BIGINT) FROM vpc_flow_logs").await as u64,
        truth.bytes
    );
    let b = query(&ctx, r#"SELECT DISTINCT "aws-account-id", "aws-region", "aws-service", year, month, day FROM vpc_flow_logs ORDER BY 1, 2, 6"#).await;
    let rows: usize = b.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 6, "3 flow logs x 2 days");
    // 54 columns + 6 partition columns, with the spec's types.
    let schema = ctx
        .table("vpc_flow_logs")
        .await
        .unwrap()
        .schema()
        .as_arrow()
        .clone();
    assert_eq!(schema.fields().len(), 60);
    assert_eq!(
        schema.field_with_name("srcport").unwrap().data_type(),
        &DataType::Int32
    );
    assert_eq!(
        schema.field_with_name("bytes").unwrap().data_type(),
        &DataType::Int64
    );
    assert_eq!(
        schema.field_with_name("srcaddr").unwrap().data_type(),
        &DataType::Utf8View
    );
}

#[tokio::test]
async fn filters_on_partition_columns_do_not_open_other_partitions() {
    let dir = tempfile::tempdir().unwrap();
    lake(dir.path(), PartitionBy::Day);
    // Every file of the last day made unreadable (the table log still lists them).
    let files = walk(&dir.path().join("lake/AWSLogs"));
    let day = |p: &Path| {
        let text = p.to_string_lossy().into_owned();
        let at = text.find("/day=").unwrap();
        text[at + 5..at + 7].to_string()
    };
    let last = files.iter().map(|p| day(p)).max().unwrap();
    let first = files.iter().map(|p| day(p)).min().unwrap();
    assert_ne!(first, last, "the lake spans two days");
    for f in files.iter().filter(|p| day(p) == last) {
        std::fs::write(f, b"not parquet at all").unwrap();
    }
    let ctx = ctx_for(dir.path()).await;
    // Pruned away: the query succeeds.
    let n = one_i64(
        &ctx,
        &format!(
            "SELECT count(*) FROM vpc_flow_logs WHERE day = '{first}' AND srcport IS NOT NULL"
        ),
    )
    .await;
    assert!(n > 0);
    // Not pruned: the broken file is opened and the query fails, which proves the above
    // only succeeded because the partition was skipped.
    let err = ctx
        .sql("SELECT count(*) FROM vpc_flow_logs WHERE srcport IS NOT NULL")
        .await
        .unwrap()
        .collect()
        .await;
    assert!(err.is_err());
}

#[tokio::test]
async fn predicates_on_start_and_end_do_not_open_other_files() {
    let dir = tempfile::tempdir().unwrap();
    lake(dir.path(), PartitionBy::Day);
    let files = walk(&dir.path().join("lake/AWSLogs"));
    // `2026-03-01` from `.../year=2026/month=03/day=01/...`.
    let date = |p: &Path| {
        let text = p.to_string_lossy().into_owned();
        let part = |key: &str| {
            let at = text.find(key).unwrap() + key.len();
            text[at..].split('/').next().unwrap().to_string()
        };
        format!("{}-{}-{}", part("/year="), part("/month="), part("/day="))
    };
    let last = files.iter().map(|p| date(p)).max().unwrap();
    let first = files.iter().map(|p| date(p)).min().unwrap();
    assert_ne!(first, last, "the lake spans two days");
    let ctx = ctx_for(dir.path()).await;
    let first_day = one_i64(
        &ctx,
        &format!(
            "SELECT count(*) FROM vpc_flow_logs WHERE concat(year, '-', month, '-', day) = '{first}'"
        ),
    )
    .await;
    assert!(first_day > 0);
    let midnight = format!("to_unixtime(TIMESTAMP '{last} 00:00:00')");
    // Bounds on `end`, counted before anything is broken.
    let ended_before = one_i64(
        &ctx,
        &format!(r#"SELECT count(*) FROM vpc_flow_logs WHERE "end" < {midnight}"#),
    )
    .await;
    assert!(ended_before > 0 && ended_before <= first_day);
    // Every file of the last day made unreadable (the table log still lists them).
    for f in files.iter().filter(|p| date(p) == last) {
        std::fs::write(f, b"not parquet at all").unwrap();
    }
    for predicate in [
        format!(r#""start" < {midnight}"#),
        format!(r#"from_unixtime("start") < TIMESTAMP '{last} 00:00:00'"#),
        format!(r#""start" BETWEEN 0 AND {midnight} - 1"#),
        format!(r#""start" < {midnight} OR ("start" < 0 AND srcport > 0)"#),
    ] {
        let sql = format!("SELECT count(*) FROM vpc_flow_logs WHERE {predicate}");
        // The query succeeds only because the last day was skipped, and counts exactly
        // the first day's records, whose `start` all fall on that day.
        let n = one_i64(&ctx, &sql).await;
        assert_eq!(n, first_day, "{sql}");
        let plan = query(&ctx, &format!("EXPLAIN {sql}")).await;
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&plan)
            .unwrap()
            .to_string();
        // EXPLAIN lists the files the scan opens: the first day's, not the last's.
        assert!(text.contains(&format!("/day={}/", &first[8..])), "{text}");
        assert!(!text.contains(&format!("/day={}/", &last[8..])), "{text}");
    }
    // Bounds on `end` skip files by the least and greatest `end` the table log records
    // for each: the last day's files all end after midnight.
    let sql = format!(r#"SELECT count(*) FROM vpc_flow_logs WHERE "end" < {midnight}"#);
    assert_eq!(one_i64(&ctx, &sql).await, ended_before, "{sql}");
    // A bound the last day's files meet opens them, and fails on what was broken.
    let err = ctx
        .sql(&format!(
            r#"SELECT count(*) FROM vpc_flow_logs WHERE "end" >= {midnight}"#
        ))
        .await
        .unwrap()
        .collect()
        .await;
    assert!(err.is_err(), "the unreadable files were not opened");
}

#[tokio::test]
async fn files_with_fewer_columns_read_the_rest_as_null() {
    // What AWS's own Parquet delivery writes for a v2 flow log: only the format's columns,
    // in a folder with no table log (read by listing it).
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("lake/AWSLogs/aws-account-id=999999999999/aws-service=vpcflowlogs/aws-region=ap-south-1/year=2026/month=03/day=01");
    std::fs::create_dir_all(&part).unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("srcaddr", DataType::Utf8, true),
        Field::new("bytes", DataType::Int64, true),
        Field::new("start", DataType::Int64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(datafusion::arrow::array::StringArray::from(vec![
                "192.0.2.1",
                "192.0.2.2",
            ])),
            Arc::new(datafusion::arrow::array::Int64Array::from(vec![10, 20])),
            Arc::new(datafusion::arrow::array::Int64Array::from(vec![
                1_772_323_200,
                1_772_323_260,
            ])),
        ],
    )
    .unwrap();
    let mut w = datafusion::parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(part.join("aws.parquet")).unwrap(),
        schema,
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let ctx = ctx_for(dir.path()).await;
    let sql = r#"SELECT count(*) FROM vpc_flow_logs WHERE "aws-account-id" = '999999999999' AND vpc_id IS NULL AND srcport IS NULL AND bytes >= 10"#;
    assert_eq!(one_i64(&ctx, sql).await, 2);
}

#[tokio::test]
async fn hour_lakes_have_an_hour_column() {
    let dir = tempfile::tempdir().unwrap();
    lake(dir.path(), PartitionBy::Hour);
    let ctx = ctx_for(dir.path()).await;
    let n = one_i64(
        &ctx,
        "SELECT count(DISTINCT hour) FROM vpc_flow_logs WHERE day = '01'",
    )
    .await;
    assert_eq!(n, 24);

    // A window inside one day of an hour lake: the hour folders bound it, and the rows are
    // exactly those whose start falls in it (the lake starts 2026-03-01T00:00Z).
    let (since, until) = (1_772_323_200 + 5 * 3600 + 1800, 1_772_323_200 + 7 * 3600);
    let want = one_i64(
        &ctx,
        &format!(
            "SELECT count(*) FROM vpc_flow_logs WHERE \"start\" >= {since} AND \"start\" < {until}"
        ),
    )
    .await;
    let windowed = flowlake_query::session().unwrap();
    let window = flowlake_query::TimeWindow {
        since: Some(since),
        until: Some(until),
    };
    flowlake_query::register_lake(&windowed, &dir.path().join("lake"), &window)
        .await
        .unwrap();
    assert!(want > 0);
    assert_eq!(
        one_i64(&windowed, "SELECT count(*) FROM vpc_flow_logs").await,
        want
    );
    let hours = query(
        &windowed,
        "SELECT DISTINCT hour FROM vpc_flow_logs ORDER BY 1",
    )
    .await;
    let hours: Vec<&str> = hours
        .iter()
        .flat_map(|b| b.column(0).as_string_view().iter().flatten())
        .collect();
    assert_eq!(hours, ["05", "06"]);
}

#[tokio::test]
async fn a_folder_that_is_not_a_lake_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = flowlake_query::session().unwrap();
    let err =
        flowlake_query::register_lake(&ctx, dir.path(), &flowlake_query::TimeWindow::default())
            .await
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{0} is not a flowlake lake (no AWSLogs/ folder in it); convert flow logs into it with `flowlake convert INPUT --out {0}`",
            dir.path().display()
        )
    );
}

#[tokio::test]
async fn count_if_and_approx_distinct_over_the_lake() {
    let dir = tempfile::tempdir().unwrap();
    lake(dir.path(), PartitionBy::Day);
    let ctx = ctx_for(dir.path()).await;
    let a = one_i64(
        &ctx,
        "SELECT count_if(action = 'REJECT') FROM vpc_flow_logs",
    )
    .await;
    let b = one_i64(
        &ctx,
        "SELECT count(*) FROM vpc_flow_logs WHERE action = 'REJECT'",
    )
    .await;
    assert_eq!(a, b);
    assert!(a > 0);
    let exact = one_i64(&ctx, "SELECT count(DISTINCT srcaddr) FROM vpc_flow_logs").await;
    let approx = one_i64(
        &ctx,
        "SELECT CAST(approx_distinct(srcaddr) AS BIGINT) FROM vpc_flow_logs",
    )
    .await;
    assert!((approx - exact).abs() * 20 < exact, "{approx} vs {exact}");
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// One session (a shell, a script, `hunt run --all`) across a convert and a compaction:
/// each statement reads the latest committed snapshot, never a stale file list.
#[tokio::test]
async fn each_statement_reads_the_latest_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let truth = lake(dir.path(), PartitionBy::Day);
    let ctx = ctx_for(dir.path()).await;
    let count = "SELECT count(*) FROM vpc_flow_logs";
    assert_eq!(one_i64(&ctx, count).await as u64, truth.records);
    // More data, converted by another writer.
    let more = dir.path().join("more");
    let added = std::thread::scope(|s| {
        s.spawn(|| {
            let t = generate(
                &more,
                &GenOptions {
                    records: 700,
                    hours: 3,
                    seed: 99,
                    ..GenOptions::default()
                },
            )
            .unwrap();
            let options = ConvertOptions::new(
                vec![more.to_str().unwrap().to_string()],
                dir.path().join("lake"),
            );
            convert(&options, &Arc::new(Progress::default())).unwrap();
            t.records
        })
        .join()
        .unwrap()
    });
    assert_eq!(one_i64(&ctx, count).await as u64, truth.records + added);
    // A compaction replaces (and, with no grace period, deletes) every small file.
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut options = flowlake_convert::CompactOptions::new(dir.path().join("lake"));
            options.grace = std::time::Duration::ZERO;
            let summary = flowlake_convert::compact(&options).unwrap();
            assert!(summary.files_before > summary.files_after, "{summary:?}");
        })
        .join()
        .unwrap();
    });
    assert_eq!(one_i64(&ctx, count).await as u64, truth.records + added);
}
