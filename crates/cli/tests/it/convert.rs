//! `flowlake convert`: layout, schema, counts, formats, rejects, exit codes, re-runs.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;
use std::process::Stdio;

use parquet::basic::{LogicalType, Type as PhysicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::util::*;

const V2_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

#[test]
fn generated_tree_converts_with_every_row_and_the_aws_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, lake) = (dir.path().join("logs"), dir.path().join("lake"));
    let truth = generate(&logs, 20_000, 2);
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["inputs"], truth.files);
    assert_eq!(summary["inputs_converted"], truth.files);
    assert_eq!(summary["records_read"], truth.records);
    assert_eq!(summary["records_written"], truth.records);
    assert_eq!(summary["records_rejected"], 0);
    assert_eq!(totals(&lake), (truth.records, truth.bytes));
    let (stored, text) = gz_sizes(&logs);
    assert_eq!(summary["bytes_read"], stored);
    assert_eq!(summary["text_bytes"], text);

    // Small inputs are combined: one file per partition here, not one per input.
    let files = visible_files(&lake);
    let dirs: BTreeSet<String> = partition_dirs(&lake).into_iter().collect();
    let expected: BTreeSet<String> = [
        ("111122223333", "us-east-1"),
        ("111122223333", "eu-west-1"),
        ("444455556666", "us-east-1"),
    ]
    .iter()
    .map(|(a, r)| format!("AWSLogs/aws-account-id={a}/aws-service=vpcflowlogs/aws-region={r}/year=2026/month=03/day=01"))
    .collect();
    assert_eq!(dirs, expected);
    assert_eq!(files.len(), 3);
    assert!(files.iter().all(|f| f.extension().unwrap() == "parquet"));
}

#[test]
fn every_file_has_all_54_columns_with_the_spec_types() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, lake) = (dir.path().join("logs"), dir.path().join("lake"));
    generate(&logs, 3_000, 1);
    let (code, _, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    for file in visible_files(&lake) {
        let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        let meta = reader.metadata();
        let schema = meta.file_metadata().schema_descr();
        assert_eq!(schema.num_columns(), 54);
        for (i, def) in flowlog::FIELDS.iter().enumerate() {
            let c = schema.column(i);
            assert_eq!(c.name(), def.column);
            assert!(c.self_type().is_optional(), "{} is nullable", def.column);
            match def.ty {
                flowlog::FieldType::Int32 => {
                    assert_eq!(c.physical_type(), PhysicalType::INT32, "{}", def.column);
                }
                flowlog::FieldType::Int64 => {
                    assert_eq!(c.physical_type(), PhysicalType::INT64, "{}", def.column);
                }
                flowlog::FieldType::Utf8 => {
                    assert_eq!(
                        c.physical_type(),
                        PhysicalType::BYTE_ARRAY,
                        "{}",
                        def.column
                    );
                    assert_eq!(
                        c.logical_type_ref(),
                        Some(&LogicalType::String),
                        "{}",
                        def.column
                    );
                }
            }
        }
        let rg = meta.row_group(0);
        assert!(matches!(
            rg.column(0).compression(),
            parquet::basic::Compression::ZSTD(_)
        ));
        // Statistics on, so engines can prune.
        assert!(rg.column(flowlog::col::START).statistics().is_some());
    }
}

#[test]
fn formats_line_up_columns_absent_from_a_format_are_null() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, lake) = (dir.path().join("logs"), dir.path().join("lake"));
    generate(&logs, 3_000, 1);
    convert_json(&[s(&logs), "--out", s(&lake)]);
    for file in visible_files(&lake) {
        let batches = read_file(&file);
        let path = file.to_str().unwrap();
        let direction = column_strings(&batches, "flow_direction");
        let vpc = column_strings(&batches, "vpc_id");
        let region = column_strings(&batches, "region");
        if path.contains("aws-account-id=444455556666") {
            // custom v5: flow-direction and region are in the format
            assert!(
                direction
                    .iter()
                    .flatten()
                    .all(|d| d == "ingress" || d == "egress")
            );
            assert!(direction.iter().filter(|d| d.is_some()).count() > direction.len() / 2);
            assert!(region.iter().flatten().all(|r| r == "us-east-1"));
        } else if path.contains("aws-region=eu-west-1") {
            // custom v3: vpc-id, no flow-direction
            assert!(vpc.iter().all(Option::is_some));
            assert!(direction.iter().all(Option::is_none));
        } else {
            // default v2
            assert!(vpc.iter().all(Option::is_none));
            assert!(region.iter().all(Option::is_none));
        }
    }
}

#[test]
fn hour_partitions_hold_only_their_hour() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, lake) = (dir.path().join("logs"), dir.path().join("lake"));
    let truth = generate(&logs, 4_000, 3);
    let (code, _, err) = convert_json(&[s(&logs), "--out", s(&lake), "--partition", "hour"]);
    assert_eq!(code, 0, "{err}");
    let files = visible_files(&lake);
    let mut hours = BTreeSet::new();
    for f in &files {
        let p = f.to_str().unwrap();
        let hour: i64 = p.split("/hour=").nth(1).unwrap()[..2].parse().unwrap();
        hours.insert(hour);
        for start in column_i64(&read_file(f), "start").into_iter().flatten() {
            assert_eq!((start % 86_400) / 3600, hour, "{p}");
        }
    }
    assert_eq!(hours, BTreeSet::from([0, 1, 2]));
    assert_eq!(totals(&lake).0, truth.records);
}

#[test]
fn rerun_skips_converted_inputs_and_picks_up_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, lake) = (dir.path().join("logs"), dir.path().join("lake"));
    let truth = generate(&logs, 3_000, 1);
    convert_json(&[s(&logs), "--out", s(&lake)]);
    let before = visible_files(&lake);

    let (code, summary, _) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0);
    assert_eq!(summary["inputs_skipped"], truth.files);
    assert_eq!(summary["inputs_converted"], 0);
    assert_eq!(summary["files_written"], 0);
    assert_eq!(visible_files(&lake), before);

    let extra = logs.join("extra/flows.log");
    std::fs::create_dir_all(extra.parent().unwrap()).unwrap();
    std::fs::write(&extra, format!("{V2_HEADER}\n2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1772323200 1772323260 ACCEPT OK\n")).unwrap();
    let (code, summary, _) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0);
    assert_eq!(summary["inputs_converted"], 1);
    assert_eq!(summary["records_written"], 1);
    assert_eq!(totals(&lake).0, truth.records + 1);
}

#[test]
fn rejected_lines_are_reported_with_file_line_and_reason_and_the_rest_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in/mixed.log");
    let lake = dir.path().join("lake");
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    std::fs::write(
        &input,
        format!(
            "{V2_HEADER}\n\
             2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1772323200 1772323260 ACCEPT OK\n\
             2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 abc 4 1772323200 1772323260 ACCEPT OK\n\
             2 123456789012 eni-1 10.0.0.1\n\
             2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 5 1772323200 1772323260 ACCEPT OK\n"
        ),
    )
    .unwrap();
    let (code, summary, err) = convert_json(&[s(&input), "--out", s(&lake)]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(summary["records_written"], 2);
    assert_eq!(summary["records_rejected"], 2);
    let canonical = std::fs::canonicalize(&input).unwrap();
    assert_eq!(
        summary["reject_samples"][0]["location"],
        canonical.to_str().unwrap()
    );
    assert_eq!(summary["reject_samples"][0]["line"], 3);
    assert_eq!(
        summary["reject_samples"][0]["reason"],
        "field `packets`: `abc` is not an integer"
    );

    let rejects_file = summary["rejects_file"].as_str().unwrap();
    assert!(
        rejects_file.contains("/_flowlake/rejects/"),
        "{rejects_file}"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(rejects_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["line"], 4);
    assert_eq!(lines[1]["reason"], "expected 14 fields, found 4");
    assert_eq!(lines[1]["raw"], "2 123456789012 eni-1 10.0.0.1");
    assert_eq!(lines[0]["field"], "packets");
    assert_eq!(lines[0]["source"], canonical.to_str().unwrap());

    // The human summary names the file and line too.
    let o = run(&["convert", s(&input), "--out", s(&dir.path().join("lake2"))]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{}:3: field `packets`: `abc` is not an integer",
            canonical.display()
        )),
        "{err}"
    );
}

#[test]
fn rejects_flag_writes_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.log");
    std::fs::write(&input, format!("{}not a flow log\n", record(0, DAY1))).unwrap();
    let rejects = dir.path().join("rejects.ndjson");
    let (code, summary, _) = convert_json(&[
        s(&input),
        "--out",
        s(&dir.path().join("lake")),
        "--rejects",
        s(&rejects),
    ]);
    assert_eq!(code, 2);
    assert_eq!(summary["rejects_file"], s(&rejects));
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(text.contains("\"raw\":\"not a flow log\""), "{text}");
}

#[test]
fn truncated_gzip_keeps_its_complete_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cut.log.gz");
    let mut text = format!("{V2_HEADER}\n");
    for i in 0..5000 {
        writeln!(
            text,
            "2 123456789012 eni-1 10.0.{}.{} 10.0.0.2 {i} 443 6 3 {i} 1772323200 1772323260 ACCEPT OK",
            i / 250,
            i % 250
        )
        .unwrap();
    }
    write_gz(&input, &text);
    let full = std::fs::read(&input).unwrap();
    std::fs::write(&input, &full[..full.len() / 2]).unwrap();

    // What a reader can get out of the truncated stream: its complete lines.
    let mut prefix = Vec::new();
    let mut dec = flate2::read::MultiGzDecoder::new(&full[..full.len() / 2]);
    let _ = std::io::Read::read_to_end(&mut dec, &mut prefix);
    let complete = String::from_utf8_lossy(&prefix).matches('\n').count() as u64 - 1;
    assert!(complete > 100 && complete < 5000, "{complete}");

    let lake = dir.path().join("lake");
    let (code, summary, _) = convert_json(&[s(&input), "--out", s(&lake)]);
    assert_eq!(code, 2);
    assert_eq!(summary["records_written"], complete);
    assert_eq!(summary["inputs_failed"], 1);
    let failure = &summary["failures"][0];
    assert_eq!(failure["records_kept"], complete);
    assert!(
        failure["error"]
            .as_str()
            .unwrap()
            .starts_with(&format!("read failed after line {}", complete + 2)),
        "{failure}"
    );
    assert_eq!(totals(&lake).0, complete);
    // Its complete lines are committed: a re-run does not add them again.
    let (code, summary, _) = convert_json(&[s(&input), "--out", s(&lake)]);
    assert_eq!((code, summary["inputs_skipped"].as_u64()), (0, Some(1)));
    assert_eq!(totals(&lake).0, complete);
}

#[test]
fn an_unreadable_input_fails_alone_and_is_retried_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("in/good.log");
    let bad = dir.path().join("in/bad.log.gz");
    std::fs::create_dir_all(good.parent().unwrap()).unwrap();
    std::fs::write(
        &good,
        format!(
            "{V2_HEADER}\n2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1772323200 1772323260 ACCEPT OK\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &bad,
        [
            0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff,
        ],
    )
    .unwrap();
    let lake = dir.path().join("lake");
    let o = run(&["convert", s(&dir.path().join("in")), "--out", s(&lake)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let bad_path = std::fs::canonicalize(&bad).unwrap();
    assert!(
        err.contains(&format!(
            "error: {}: read failed after line 0",
            bad_path.display()
        )),
        "{err}"
    );
    assert_eq!(totals(&lake).0, 1);
    // Nothing of it was committed, so the next run tries it again.
    let (code, summary, _) = convert_json(&[s(&dir.path().join("in")), "--out", s(&lake)]);
    assert_eq!(code, 2);
    assert_eq!(summary["inputs_skipped"], 1);
    assert_eq!(summary["inputs_failed"], 1);
}

#[test]
fn stdin_with_a_custom_format_and_flag_account() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let mut child = flowlake()
        .args([
            "convert",
            "-",
            "--out",
            s(&lake),
            "--json",
            "--log-format",
            "${srcaddr} ${dstaddr} ${bytes} ${start}",
            "--default-account",
            "999988887777",
            "--default-region",
            "ap-south-1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"10.0.0.1 10.0.0.2 100 1772323200\n10.0.0.3 10.0.0.4 50 1772409600\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let rel = partition_dirs(&lake);
    assert_eq!(
        rel,
        [
            "AWSLogs/aws-account-id=999988887777/aws-service=vpcflowlogs/aws-region=ap-south-1/year=2026/month=03/day=01",
            "AWSLogs/aws-account-id=999988887777/aws-service=vpcflowlogs/aws-region=ap-south-1/year=2026/month=03/day=02",
        ]
    );
    assert_eq!(totals(&lake), (2, 150));
}

#[test]
fn records_without_any_time_go_to_the_hive_default_partition() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notime.log");
    std::fs::write(&input, "srcaddr dstaddr\n10.0.0.1 10.0.0.2\n").unwrap();
    let lake = dir.path().join("lake");
    let (code, _, _) = convert_json(&[s(&input), "--out", s(&lake)]);
    assert_eq!(code, 0);
    let files = visible_files(&lake);
    assert_eq!(files.len(), 1);
    assert!(files[0].to_str().unwrap().contains(
        "aws-account-id=unknown/aws-service=vpcflowlogs/aws-region=unknown/year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__/"
    ));
}

#[test]
fn unknown_header_fields_are_noted_once_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("in")).unwrap();
    for i in 0..3 {
        std::fs::write(
            dir.path().join(format!("in/future{i}.log")),
            format!("future-type future-id srcaddr dstaddr bytes start\nX y-1 10.0.0.{i} 10.0.0.2 7 1772323200\n"),
        )
        .unwrap();
    }
    let lake = dir.path().join("lake");
    let o = run(&["convert", s(&dir.path().join("in")), "--out", s(&lake)]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert_eq!(
        err.matches("unknown field(s) future-type, future-id")
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("in the header of 3 file(s)"), "{err}");
    assert_eq!(totals(&lake), (3, 21));
}

#[test]
fn a_broken_parquet_input_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in/x.log.parquet");
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    std::fs::write(&input, b"PAR1\0\0\0\0PAR1").unwrap();
    let o = run(&["convert", s(&input), "--out", s(&dir.path().join("lake"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("x.log.parquet: not a readable Parquet file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_usage_and_missing_inputs_exit_1_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let o = run(&["convert", s(&missing), "--out", s(&dir.path().join("lake"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("input {} does not exist", missing.display())),
        "{}",
        stderr(&o)
    );

    let o = run(&[
        "convert",
        "x",
        "--out",
        "y",
        "--log-format",
        "${srcaddr} ${srcaddr}",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "error: --log-format: field `srcaddr` appears twice in the format"
    );

    let o = run(&["convert", "--out", "y"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("required"), "{}", stderr(&o));
}

#[test]
fn help_teaches_usage_layout_and_exit_codes() {
    let o = run(&["convert", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8(o.stdout).unwrap();
    for needle in [
        "Examples:",
        "--log-format",
        "aws-account-id=A",
        "Exit status",
        "--partition",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[test]
fn row_groups_are_full_and_sorted_by_start() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, lake) = (dir.path().join("logs"), dir.path().join("lake"));
    generate(&logs, 20_000, 2);
    let (code, _, err) = convert_json(&[s(&logs), "--out", s(&lake), "--row-group-rows", "1000"]);
    assert_eq!(code, 0, "{err}");
    for file in visible_files(&lake) {
        let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        let meta = reader.metadata();
        let sizes: Vec<i64> = meta
            .row_groups()
            .iter()
            .map(parquet::file::metadata::RowGroupMetaData::num_rows)
            .collect();
        assert!(sizes.len() > 2, "{sizes:?}");
        // Every row group but the last is full: no slivers split off.
        assert!(
            sizes[..sizes.len() - 1].iter().all(|&n| n >= 1000),
            "{sizes:?}"
        );
        // Within a row group, rows are ordered by start (NULLs first).
        let starts = column_i64(&read_file(&file), "start");
        let mut offset = 0;
        for n in sizes {
            let group = &starts[offset..offset + n as usize];
            assert!(group.windows(2).all(|w| w[0] <= w[1]), "{}", file.display());
            offset += n as usize;
        }
    }
}

#[test]
fn compression_is_selectable() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.log");
    std::fs::write(
        &input,
        format!(
            "{V2_HEADER}\n2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1772323200 1772323260 ACCEPT OK\n"
        ),
    )
    .unwrap();
    for (flag, want) in [
        ("snappy", parquet::basic::Compression::SNAPPY),
        ("none", parquet::basic::Compression::UNCOMPRESSED),
    ] {
        let lake = dir.path().join(flag);
        let (code, _, err) = convert_json(&[s(&input), "--out", s(&lake), "--compression", flag]);
        assert_eq!(code, 0, "{err}");
        let file = &visible_files(&lake)[0];
        let reader = SerializedFileReader::new(std::fs::File::open(file).unwrap()).unwrap();
        assert_eq!(reader.metadata().row_group(0).column(3).compression(), want);
    }
}

#[test]
fn rejects_of_several_commits_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for i in 0..3 {
        std::fs::write(
            inputs.join(format!("{i}.log")),
            format!("{V2_HEADER}\n2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1772323200 1772323260 ACCEPT OK\nbad line {i}\n"),
        )
        .unwrap();
    }
    let lake = dir.path().join("lake");
    // A tiny commit size: one commit per input.
    let (code, summary, _) = convert_json(&[s(&inputs), "--out", s(&lake), "--commit-every", "1B"]);
    assert_eq!(code, 2);
    assert_eq!(summary["commits"], 3);
    let folder = summary["rejects_file"].as_str().unwrap();
    assert!(folder.ends_with("/_flowlake/rejects"), "{folder}");
    let mut raws: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .flat_map(|f| {
            std::fs::read_to_string(f.unwrap().path())
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(&l).unwrap()["raw"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    raws.sort();
    assert_eq!(raws, ["bad line 0", "bad line 1", "bad line 2"]);
}
