//! What real accounts deliver, beside the S3 text flow logs: a logging bucket with other
//! services' logs, CloudWatch Logs exports and subscriptions (through Firehose), AWS's
//! Parquet delivery without Hive prefixes, `unknown` accounts, stray files, odd names.
//! The fixtures are written here from AWS's documented shapes.

use std::path::Path;

use crate::util::*;

/// `SELECT ... ORDER BY ...` on a lake, as JSON rows.
fn query(lake: &Path, sql: &str) -> Vec<serde_json::Value> {
    let o = run(&["sql", "--lake", s(lake), "--format", "json", "-e", sql]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn put(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

const V2_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";

/// A v2 record of account 444455556666 with `bytes` bytes, on 2026-01-01.
fn v2(i: u64, bytes: u64) -> String {
    format!(
        "2 444455556666 eni-0aa11bb22cc33dd4{i} 10.20.3.{i} 203.0.113.4{i} 443 6000{i} 6 4 {bytes} 1767225600 1767225660 ACCEPT OK"
    )
}

/// A central logging bucket: flow logs beside `CloudTrail` logs and digests, ELB access
/// logs and Config snapshots (and the test object ELB writes at the account level). Only
/// the flow logs are read; the other folders are not descended into.
#[test]
fn a_logging_bucket_converts_its_flow_logs_and_leaves_other_services_unread() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join("central-logs");
    let account = bucket.join("AWSLogs/444455556666");
    write_gz(
        &account.join("vpcflowlogs/eu-west-1/2026/01/01/444455556666_vpcflowlogs_eu-west-1_fl-01_20260101T0000Z_aa.log.gz"),
        &format!("{V2_HEADER}{}\n{}\n", v2(1, 200), v2(2, 400)),
    );
    write_gz(
        &account.join("CloudTrail/eu-west-1/2026/01/01/444455556666_CloudTrail_eu-west-1_20260101T0000Z_x.json.gz"),
        r#"{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}]}"#,
    );
    write_gz(
        &account.join("CloudTrail-Digest/eu-west-1/2026/01/01/d.json.gz"),
        r#"{"awsAccountId":"444455556666"}"#,
    );
    write_gz(
        &account.join("elasticloadbalancing/eu-west-1/2026/01/01/444455556666_elasticloadbalancing_eu-west-1_app.x_20260101T0000Z_1.2.3.4_y.log.gz"),
        "https 2026-01-01T00:00:00.000000Z app/x 1.2.3.4:5 - 0.0 0.0 0.0 200 200 0 0 \"GET / HTTP/1.1\"\n",
    );
    put(
        &account.join("Config/eu-west-1/2026/1/1/ConfigSnapshot/x.json.gz"),
        b"\x1f\x8b not even gzip",
    );
    put(
        &account.join("ELBAccessLogTestFile"),
        b"Enable AccessLog for ELB: x at 2026-01-01",
    );

    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&bucket.join("AWSLogs")), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}{summary}");
    assert_eq!(summary["inputs"], 1);
    assert_eq!(summary["inputs_converted"], 1);
    assert_eq!(summary["records_rejected"], 0);
    assert_eq!(
        summary["skipped_other_services"],
        serde_json::json!({"AWSLogs": 1, "CloudTrail": 1, "CloudTrail-Digest": 1, "Config": 1, "elasticloadbalancing": 1})
    );
    let notices = summary["notices"].to_string();
    assert!(notices.contains("other AWS services"), "{notices}");
    let rows = query(
        &lake,
        "SELECT bytes, \"aws-account-id\" AS a, \"aws-region\" AS r FROM vpc_flow_logs ORDER BY bytes",
    );
    assert_eq!(
        rows,
        serde_json::json!([
            {"bytes": 200, "a": "444455556666", "r": "eu-west-1"},
            {"bytes": 400, "a": "444455556666", "r": "eu-west-1"}
        ])
        .as_array()
        .unwrap()
        .clone()
    );
}

/// `aws logs create-export-task` output: gzip, each line the event's ISO-8601 time, a
/// space, the record; no header. Any flow-log format, given with --log-format.
#[test]
fn cloudwatch_logs_exports_are_read_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir
        .path()
        .join("export/7d3b2c1a-task/eni-0aa11bb22cc33dd41-all");
    let lines: String = (1..=3)
        .map(|i| format!("2026-01-01T00:0{i}:00.000Z {}", v2(i, 200 * i)))
        .collect::<Vec<_>>()
        .join("\n");
    write_gz(&export.join("000000.gz"), &lines);
    // A second log group, in a custom format.
    let custom = dir.path().join("export-custom/task/eni-1-all");
    write_gz(
        &custom.join("000000.gz"),
        "2026-01-01T00:05:00.000Z 10.0.0.1 10.0.0.2 700 1767225900 ingress\n2026-01-01T00:05:01.000Z 10.0.0.3 10.0.0.4 800 1767225901 egress\n",
    );

    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[
        s(&dir.path().join("export")),
        "--out",
        s(&lake),
        "--default-account",
        "444455556666",
        "--default-region",
        "eu-west-1",
    ]);
    assert_eq!(
        (code, summary["records_rejected"].as_u64()),
        (0, Some(0)),
        "{err}{summary}"
    );
    let (code, summary, err) = convert_json(&[
        s(&dir.path().join("export-custom")),
        "--out",
        s(&lake),
        "--default-account",
        "444455556666",
        "--log-format",
        "${srcaddr} ${dstaddr} ${bytes} ${start} ${flow-direction}",
    ]);
    assert_eq!(
        (code, summary["records_rejected"].as_u64()),
        (0, Some(0)),
        "{err}{summary}"
    );
    let rows = query(
        &lake,
        "SELECT account_id, bytes, start, srcaddr, flow_direction AS d, \"aws-account-id\" AS a FROM vpc_flow_logs ORDER BY bytes",
    );
    let got: Vec<(String, i64, i64, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap_or("NULL").to_string(),
                r["bytes"].as_i64().unwrap(),
                r["start"].as_i64().unwrap(),
                r["srcaddr"].as_str().unwrap().to_string(),
                r["a"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let acct = "444455556666".to_string();
    assert_eq!(
        got,
        [
            (
                acct.clone(),
                200,
                1_767_225_600,
                "10.20.3.1".into(),
                acct.clone()
            ),
            (
                acct.clone(),
                400,
                1_767_225_600,
                "10.20.3.2".into(),
                acct.clone()
            ),
            (
                acct.clone(),
                600,
                1_767_225_600,
                "10.20.3.3".into(),
                acct.clone()
            ),
            (
                "NULL".into(),
                700,
                1_767_225_900,
                "10.0.0.1".into(),
                acct.clone()
            ),
            ("NULL".into(), 800, 1_767_225_901, "10.0.0.3".into(), acct),
        ]
    );
    assert_eq!(rows[4]["d"], "egress");
}

/// A CloudWatch Logs subscription delivered to S3 by Firehose: one gzip stream of JSON
/// envelopes back to back, a `CONTROL_MESSAGE` first; records are `logEvents[].message`.
/// The envelope's owner is the partition account when the path names none.
#[test]
fn cloudwatch_subscription_envelopes_from_firehose_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let control = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1767225600000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;
    let data = |events: &[(u64, u64)]| {
        let events: Vec<String> = events
            .iter()
            .map(|(i, b)| {
                format!(
                    r#"{{"id":"3{i}","timestamp":176722560500{i},"message":"{}"}}"#,
                    v2(*i, *b).replace("444455556666", "-")
                )
            })
            .collect();
        format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"444455556666","logGroup":"/vpc/flow-logs","logStream":"eni-0aa11bb22cc33dd41-all","subscriptionFilters":["to-firehose"],"logEvents":[{}]}}"#,
            events.join(",")
        )
    };
    // Firehose's own S3 key layout: YYYY/MM/DD/HH/, no AWSLogs.
    let object = dir
        .path()
        .join("firehose/2026/01/01/00/flow-logs-stream-1-2026-01-01-00-00-05-0a1b2c3d");
    write_gz(
        &object,
        &format!(
            "{control}{}{}",
            data(&[(1, 200), (2, 400), (3, 600)]),
            data(&[(4, 800)])
        ),
    );
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&dir.path().join("firehose")), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}{summary}");
    assert_eq!(summary["records_read"], 4);
    assert_eq!(summary["records_rejected"], 0);
    let rows = query(
        &lake,
        "SELECT bytes, account_id, \"aws-account-id\" AS a FROM vpc_flow_logs ORDER BY bytes",
    );
    let bytes: Vec<i64> = rows.iter().map(|r| r["bytes"].as_i64().unwrap()).collect();
    assert_eq!(bytes, [200, 400, 600, 800]);
    // The records carry no account (`-`); the envelope's owner partitions them.
    assert!(
        rows.iter()
            .all(|r| r["account_id"].is_null() && r["a"] == "444455556666"),
        "{rows:?}"
    );
}

/// AWS's Parquet delivery without Hive prefixes
/// (`AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/*.parquet`), with the columns of
/// its format only: cast to the canonical schema, absent columns NULL, partitioned by the
/// path's account and region and the records' time.
#[test]
fn aws_parquet_delivery_in_the_plain_layout_is_converted() {
    use std::sync::Arc;

    use arrow_array::{Int32Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    let dir = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("version", DataType::Int32, true),
        Field::new("account_id", DataType::Utf8, true),
        Field::new("srcaddr", DataType::Utf8, true),
        Field::new("dstport", DataType::Int32, true),
        // AWS's DDL says bigint for protocol; a file with it as INT64 is read too.
        Field::new("protocol", DataType::Int64, true),
        Field::new("bytes", DataType::Int64, true),
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("action", DataType::Utf8, true),
        Field::new("flow_direction", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(Int32Array::from(vec![5, 5, 5])),
            Arc::new(StringArray::from(vec![
                Some("444455556666"),
                Some("unknown"),
                None,
            ])),
            Arc::new(StringArray::from(vec!["10.0.0.1", "10.0.0.2", "10.0.0.3"])),
            Arc::new(Int32Array::from(vec![Some(443), None, Some(22)])),
            Arc::new(Int64Array::from(vec![6, 17, 6])),
            Arc::new(Int64Array::from(vec![100, 200, 300])),
            Arc::new(Int64Array::from(vec![DAY1, DAY1 + 60, DAY1 + 86_400])),
            Arc::new(Int64Array::from(vec![DAY1 + 60, DAY1 + 120, DAY1 + 86_460])),
            Arc::new(StringArray::from(vec!["ACCEPT", "REJECT", "ACCEPT"])),
            Arc::new(StringArray::from(vec!["ingress", "egress", "ingress"])),
        ],
    )
    .unwrap();
    let file = dir.path().join(
        "AWSLogs/444455556666/vpcflowlogs/eu-west-1/2026/01/01/444455556666_vpcflowlogs_eu-west-1_fl-01_20260101T0000Z_aa.log.parquet",
    );
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::GZIP(
            parquet::basic::GzipLevel::default(),
        ))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&file).unwrap(),
        schema,
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&dir.path().join("AWSLogs")), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}{summary}");
    assert_eq!(summary["records_written"], 3);
    let rows = query(
        &lake,
        "SELECT bytes, account_id, protocol, dstport, vpc_id, flow_direction AS d, \"aws-account-id\" AS a, \"aws-region\" AS r, day FROM vpc_flow_logs ORDER BY bytes",
    );
    let expect = serde_json::json!([
        {"bytes": 100, "account_id": "444455556666", "protocol": 6, "dstport": 443, "vpc_id": null, "d": "ingress", "a": "444455556666", "r": "eu-west-1", "day": "01"},
        {"bytes": 200, "account_id": "unknown", "protocol": 17, "dstport": null, "vpc_id": null, "d": "egress", "a": "444455556666", "r": "eu-west-1", "day": "01"},
        {"bytes": 300, "account_id": null, "protocol": 6, "dstport": 22, "vpc_id": null, "d": "ingress", "a": "444455556666", "r": "eu-west-1", "day": "02"}
    ]);
    assert_eq!(serde_json::Value::Array(rows), expect);
    // The column types are the canonical ones.
    let types = query(
        &lake,
        "SELECT arrow_typeof(protocol) AS p, arrow_typeof(bytes) AS b FROM vpc_flow_logs LIMIT 1",
    );
    assert_eq!(types[0]["p"], "Int32");
    assert_eq!(types[0]["b"], "Int64");
}

/// `account-id` is `unknown` for ENIs AWS services own: with an owner known (path or
/// --default-account) it stays in the column but makes no `unknown` partition.
#[test]
fn unknown_accounts_keep_their_value_but_not_a_partition() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{V2_HEADER}{}\n{}\n",
        v2(1, 200),
        v2(2, 400).replace("444455556666", "unknown")
    );
    let input = dir.path().join("flows.log");
    put(&input, text.as_bytes());
    let lake = dir.path().join("lake");
    let (code, _, err) = convert_json(&[
        s(&input),
        "--out",
        s(&lake),
        "--default-account",
        "444455556666",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = query(
        &lake,
        "SELECT account_id, \"aws-account-id\" AS a FROM vpc_flow_logs ORDER BY bytes",
    );
    assert_eq!(
        serde_json::Value::Array(rows),
        serde_json::json!([
            {"account_id": "444455556666", "a": "444455556666"},
            {"account_id": "unknown", "a": "444455556666"}
        ])
    );
    assert!(
        partition_dirs(&lake)
            .iter()
            .all(|d| !d.contains("aws-account-id=unknown"))
    );
}

/// A JSON manifest and a README in a converted folder: one error each, naming the file,
/// not a reject per line; everything else converted; exit 2.
#[test]
fn a_file_that_is_not_a_flow_log_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write_log(&logs.join("a.log"), 20, DAY1, 0);
    let manifest = (0..500)
        .map(|i| format!("  {{\"key\": \"AWSLogs/{i}.log.gz\", \"size\": {i}}}"))
        .collect::<Vec<_>>()
        .join(",\n");
    put(
        &logs.join("manifest.json"),
        format!("{{\n\"files\": [\n{manifest}]}}\n").as_bytes(),
    );
    put(
        &logs.join("README.txt"),
        b"These are the flow logs of the payments VPC.\nAsk the network team before deleting.\n",
    );
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 2, "{err}{summary}");
    assert_eq!(summary["records_written"], 20);
    assert_eq!(summary["records_rejected"], 0, "{summary}");
    let failures = summary["failures"].as_array().unwrap();
    let named: Vec<&str> = failures
        .iter()
        .map(|f| f["location"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(named, ["README.txt", "manifest.json"]);
    assert!(
        failures[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("not flow-log text: line 1 is neither a header nor a record"),
        "{}",
        failures[0]
    );
    assert!(
        failures[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("not flow-log text: not a CloudWatch Logs subscription envelope"),
        "{}",
        failures[1]
    );
}

/// Odd names: `#<digits>` (which `object_store`'s local store takes for its own temporary
/// files) is converted; a name that is not UTF-8 fails alone; a folder reached twice
/// through a link is read once with --follow, and links are not followed without it.
#[cfg(unix)]
#[test]
fn every_name_is_converted_once_and_a_bad_name_fails_alone() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write_log(&logs.join("day/a#1234"), 10, DAY1, 0);
    write_log(&logs.join("b.log"), 5, DAY1, 100);
    write_log(
        &logs.join(std::ffi::OsStr::from_bytes(b"c\xff.log")),
        7,
        DAY1,
        200,
    );
    std::os::unix::fs::symlink(logs.join("day"), logs.join("day-again")).unwrap();
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 2, "{err}{summary}");
    assert_eq!(summary["records_written"], 15);
    assert_eq!(summary["inputs_failed"], 1);
    assert!(
        summary["failures"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not valid UTF-8")
    );
    assert_eq!(summary["skipped_links"], 1);
    let lake2 = dir.path().join("lake2");
    let (_, summary, err) = convert_json(&[s(&logs), "--out", s(&lake2), "--follow"]);
    assert_eq!(summary["records_written"], 15, "{err}{summary}");
    assert_eq!(summary["inputs_converted"], 2);
}

/// A line far longer than any record (a file with no newline at all) is rejected with its
/// line number, and the lines after it still load.
#[test]
fn an_overlong_line_is_rejected_and_the_rest_converted() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = record(0, DAY1);
    text.push_str(&"x".repeat(3 * 1024 * 1024));
    text.push('\n');
    text.push_str(&record(1, DAY1));
    let input = dir.path().join("long.log");
    put(&input, text.as_bytes());
    let lake = dir.path().join("lake");
    let (code, summary, err) =
        convert_json(&[s(&input), "--out", s(&lake), "--max-line-length", "64KiB"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(summary["records_written"], 2);
    assert_eq!(summary["records_rejected"], 1);
    assert_eq!(summary["reject_samples"][0]["line"], 2);
    assert_eq!(
        summary["reject_samples"][0]["reason"],
        "the line is longer than 65536 bytes (--max-line-length)"
    );
}

const TGW_HEADER: &str = "version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service\n";

/// A TGW record in AWS's default TGW format: attachment `att`, destination account `dst`,
/// `bytes`, and packets lost (no route, blackhole, MTU, TTL).
fn tgw(att: &str, dst: &str, bytes: u64, lost: [u64; 4], pair: &str) -> String {
    format!(
        "6 TransitGateway 444455556666 tgw-0fedcba9876543210 {att} 444455556666 {dst} vpc-0aa11bb22cc33dd44 vpc-0ee55ff66aa77bb88 subnet-0aa11bb22cc33dd44 subnet-0ee55ff66aa77bb88 eni-0aa11bb22cc33dd44 eni-0ee55ff66aa77bb88 euw1-az1 euw1-az3 {pair} 172.31.4.9 10.20.3.8 51515 5432 6 12 {bytes} 1767225600 1767225660 OK IPv4 {} {} {} {} 3 eu-west-1 ingress - -\n",
        lost[0], lost[1], lost[2], lost[3]
    )
}

/// Transit gateway flow logs beside VPC flow logs in one bucket tree, converted in one
/// run: every TGW field kept, with AWS's names and types, in `tgw_flow_logs`; no TGW
/// record counted in `vpc_flow_logs`; the TGW hunts answer from it; `ddl athena --tgw`
/// prints its table.
#[test]
fn transit_gateway_flow_logs_get_their_own_table() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir
        .path()
        .join("AWSLogs/444455556666/vpcflowlogs/eu-west-1/2026/01/01");
    let att = "tgw-attach-01234abcd5678ef90";
    write_gz(
        &day.join("444455556666_vpcflowlogs_eu-west-1_fl-0abc123def4567890_20260101T0000Z_1a2b3c4d.log.gz"),
        &format!(
            "{TGW_HEADER}{}{}{}",
            tgw(att, "777788889999", 3400, [0, 2, 0, 0], "tgw-attach-0ffeeddccbbaa9988"),
            tgw(att, "777788889999", 60, [1, 0, 0, 0], "-"),
            tgw("tgw-attach-0b", "444455556666", 100, [0, 0, 5, 0], "-"),
        ),
    );
    write_gz(
        &day.join("444455556666_vpcflowlogs_eu-west-1_fl-0vpc_20260101T0000Z_5e6f.log.gz"),
        &format!("{V2_HEADER}{}\n{}\n", v2(1, 200), v2(2, 400)),
    );
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&dir.path().join("AWSLogs")), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}{summary}");
    assert_eq!(summary["records_written"], 5);
    assert!(
        summary["notices"].as_array().unwrap().is_empty(),
        "{summary}"
    );
    // Two tables, each its own rows.
    let vpc = query(
        &lake,
        "SELECT count(*) AS n, sum(bytes) AS b FROM vpc_flow_logs",
    );
    assert_eq!(vpc[0], serde_json::json!({"n": 2, "b": 600}));
    let rows = query(
        &lake,
        "SELECT tgw_attachment_id AS a, tgw_dst_vpc_account_id AS d, tgw_pair_attachment_id AS p, \
         packets_lost_no_route AS nr, packets_lost_blackhole AS bh, packets_lost_mtu_exceeded AS mtu, \
         bytes, region, flow_direction AS dir, resource_type AS rt, version, \"aws-account-id\" AS acct, day \
         FROM tgw_flow_logs ORDER BY bytes DESC",
    );
    assert_eq!(
        serde_json::Value::Array(rows),
        serde_json::json!([
            {"a": att, "d": "777788889999", "p": "tgw-attach-0ffeeddccbbaa9988", "nr": 0, "bh": 2, "mtu": 0, "bytes": 3400, "region": "eu-west-1", "dir": "ingress", "rt": "TransitGateway", "version": 6, "acct": "444455556666", "day": "01"},
            {"a": "tgw-attach-0b", "d": "444455556666", "p": null, "nr": 0, "bh": 0, "mtu": 5, "bytes": 100, "region": "eu-west-1", "dir": "ingress", "rt": "TransitGateway", "version": 6, "acct": "444455556666", "day": "01"},
            {"a": att, "d": "777788889999", "p": null, "nr": 1, "bh": 0, "mtu": 0, "bytes": 60, "region": "eu-west-1", "dir": "ingress", "rt": "TransitGateway", "version": 6, "acct": "444455556666", "day": "01"}
        ])
    );
    let types = query(
        &lake,
        "SELECT arrow_typeof(packets_lost_ttl_expired) AS l, arrow_typeof(tcp_flags) AS f, arrow_typeof(srcport) AS p FROM tgw_flow_logs LIMIT 1",
    );
    assert_eq!(
        types[0],
        serde_json::json!({"l": "Int64", "f": "Int32", "p": "Int32"})
    );
    // Its files are under the lake's _tgw_flow_logs/, in the same layout.
    let tgw_files: Vec<_> = visible_files(&lake.join("_tgw_flow_logs"));
    assert_eq!(tgw_files.len(), 1);
    assert!(lake.join("_tgw_flow_logs/_delta_log").is_dir());
    assert!(
        visible_files(&lake)
            .iter()
            .all(|f| !f.starts_with(lake.join("_tgw_flow_logs")))
    );

    // The hunts only TGW logs answer.
    let hunt = |name: &str| {
        let o = run(&["hunt", "run", name, "--lake", s(&lake), "--format", "json"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).unwrap()
    };
    let lost = hunt("tgw-packet-loss");
    let lost: Vec<(String, i64, i64, i64)> = lost
        .iter()
        .map(|r| {
            (
                r["tgw_attachment_id"].as_str().unwrap().to_string(),
                r["packets_lost"].as_i64().unwrap(),
                r["lost_blackhole"].as_i64().unwrap(),
                r["lost_mtu_exceeded"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lost,
        [
            (att.to_string(), 3, 2, 0),
            ("tgw-attach-0b".to_string(), 5, 0, 5)
        ]
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
    );
    let pairs = hunt("tgw-cross-account-traffic");
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!(pairs[0]["cross_account"], true);
    assert_eq!(pairs[0]["dst_account"], "777788889999");
    assert_eq!(pairs[0]["bytes"], 3460);
    assert_eq!(pairs[1]["cross_account"], false);
    let top = hunt("tgw-top-talkers-by-attachment");
    assert_eq!(top[0]["tgw_attachment_id"], att);
    assert_eq!(top[0]["bytes"], 3460);

    // Athena: the TGW table, in its folder.
    let o = run(&["ddl", "athena", "--tgw", "--location", "s3://b/lake/"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("`tgw_flow_logs`\nLOCATION 's3://b/lake/_tgw_flow_logs/'"));
    let o = run(&[
        "ddl",
        "athena",
        "--tgw",
        "--table-type",
        "hive",
        "--lake",
        s(&lake),
        "--location",
        "s3://b/lake/",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ddl = stdout(&o);
    assert!(ddl.contains("`packets_lost_mtu_exceeded` bigint"), "{ddl}");
    assert!(
        ddl.contains("'projection.aws-account-id.values' = '444455556666'"),
        "{ddl}"
    );

    // A re-run converts nothing; a compaction keeps both tables' rows.
    let (code, summary, _) = convert_json(&[s(&dir.path().join("AWSLogs")), "--out", s(&lake)]);
    assert_eq!((code, summary["inputs_skipped"].as_u64()), (0, Some(2)));
    let tgw_count = || query(&lake, "SELECT count(*) AS n FROM tgw_flow_logs")[0]["n"].as_i64();
    assert_eq!(tgw_count(), Some(3));
}

/// `compact` rewrites the transit gateway table too, each table in its own commits; a
/// compaction of it killed after publishing is finished by the next run; rows stay once.
#[test]
fn compaction_covers_the_transit_gateway_table() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let lake = dir.path().join("lake");
    // Three conversions: three small files in one TGW partition and in one VPC partition.
    for i in 0..3u64 {
        write_gz(
            &logs.join(format!("{i}/tgw.log.gz")),
            &format!(
                "{TGW_HEADER}{}",
                tgw(
                    &format!("tgw-attach-{i}"),
                    "777788889999",
                    10 + i,
                    [i, 0, 0, 0],
                    "-"
                )
            ),
        );
        write_gz(
            &logs.join(format!("{i}/vpc.log.gz")),
            &format!("{V2_HEADER}{}\n", v2(i, 100 + i)),
        );
        let (code, _, err) = convert_json(&[
            s(&logs.join(i.to_string())),
            "--out",
            s(&lake),
            "--default-account",
            "444455556666",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let sums = || {
        (
            query(&lake, "SELECT count(*) AS n, sum(bytes) AS b, sum(packets_lost_no_route) AS l FROM tgw_flow_logs")[0].clone(),
            query(&lake, "SELECT count(*) AS n, sum(bytes) AS b FROM vpc_flow_logs")[0].clone(),
        )
    };
    let before = sums();
    assert_eq!(before.0, serde_json::json!({"n": 3, "b": 33, "l": 3}));
    assert_eq!(visible_files(&lake.join("_tgw_flow_logs")).len(), 3);
    // Killed after publishing a compaction's file, before its commit.
    let o = flowlake()
        .args(["compact", "--lake", s(&lake), "--grace", "0"])
        .env("FLOWLAKE_FAULT", "after-publish")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert_eq!(sums(), before);
    // The next compaction finishes it, and compacts what is left.
    let o = run(&["compact", "--lake", s(&lake), "--grace", "0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(sums(), before);
    assert_eq!(visible_files(&lake.join("_tgw_flow_logs")).len(), 1);
    let vpc_files = visible_files(&lake)
        .into_iter()
        .filter(|f| !f.starts_with(lake.join("_tgw_flow_logs")))
        .count();
    assert_eq!(vpc_files, 1);
    // Nothing left to do.
    let o = run(&["compact", "--lake", s(&lake), "--grace", "0", "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["commits"], 0, "{summary}");
    assert_eq!(sums(), before);

    // More TGW files only: the next compaction is the TGW table's, killed after
    // publishing; the one after rolls its pending commit forward.
    for i in 3..5u64 {
        write_gz(
            &logs.join(format!("{i}/tgw.log.gz")),
            &format!(
                "{TGW_HEADER}{}",
                tgw(
                    &format!("tgw-attach-{i}"),
                    "777788889999",
                    10 + i,
                    [i, 0, 0, 0],
                    "-"
                )
            ),
        );
        let (code, _, err) = convert_json(&[s(&logs.join(i.to_string())), "--out", s(&lake)]);
        assert_eq!(code, 0, "{err}");
    }
    let before = sums();
    assert_eq!(before.0, serde_json::json!({"n": 5, "b": 60, "l": 10}));
    let o = flowlake()
        .args(["compact", "--lake", s(&lake), "--grace", "0"])
        .env("FLOWLAKE_FAULT", "after-publish")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("FLOWLAKE_FAULT=after-publish"),
        "{}",
        stderr(&o)
    );
    assert_eq!(sums(), before);
    let o = run(&["compact", "--lake", s(&lake), "--grace", "0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["recovered_commits"], 1, "{summary}");
    assert_eq!(sums(), before);
    assert_eq!(visible_files(&lake.join("_tgw_flow_logs")).len(), 1);
}

/// A run killed after its VPC commit and before the same commit's TGW files reached the
/// transit gateway table: the next run finishes it, every row once in each table.
#[test]
fn a_run_killed_between_the_two_tables_is_finished_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write_gz(
        &logs.join("tgw.log.gz"),
        &format!(
            "{TGW_HEADER}{}",
            tgw("tgw-attach-1", "777788889999", 10, [0; 4], "-")
        ),
    );
    write_gz(
        &logs.join("vpc.log.gz"),
        &format!("{V2_HEADER}{}\n", v2(1, 200)),
    );
    let lake = dir.path().join("lake");
    let o = flowlake()
        .args([
            "convert",
            s(&logs),
            "--out",
            s(&lake),
            "--default-account",
            "444455556666",
        ])
        .env("FLOWLAKE_FAULT", "before-tgw-commit")
        .output()
        .unwrap();
    assert!(!o.status.success(), "the fault should have stopped it");
    // The VPC commit is in; the TGW table has nothing yet.
    assert_eq!(
        query(&lake, "SELECT count(*) AS n FROM vpc_flow_logs")[0]["n"],
        1
    );
    assert_eq!(
        query(&lake, "SELECT count(*) AS n FROM tgw_flow_logs")[0]["n"],
        0
    );
    let (code, summary, err) = convert_json(&[
        s(&logs),
        "--out",
        s(&lake),
        "--default-account",
        "444455556666",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["inputs_skipped"], 2, "{summary}");
    assert_eq!(summary["recovered_commits"], 1, "{summary}");
    assert_eq!(
        query(&lake, "SELECT count(*) AS n FROM vpc_flow_logs")[0]["n"],
        1
    );
    assert_eq!(
        query(&lake, "SELECT count(*) AS n FROM tgw_flow_logs")[0]["n"],
        1
    );
}

/// Inputs are known by more than their path: a renamed input, or a copy of one, already
/// converted is skipped with a note; two copies in one run are converted once.
#[test]
fn renamed_and_copied_inputs_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write_log(&logs.join("a.log"), 30, DAY1, 0);
    // Larger than twice the fingerprint's span, so only its ends are read.
    write_log(&logs.join("big.log"), 3000, DAY1, 100);
    let lake = dir.path().join("lake");
    let (code, _, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    std::fs::rename(logs.join("a.log"), logs.join("renamed.log")).unwrap();
    std::fs::copy(logs.join("big.log"), logs.join("big-copy.log")).unwrap();
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (
            summary["inputs_converted"].as_u64(),
            summary["inputs_renamed"].as_u64()
        ),
        (Some(0), Some(2)),
        "{summary}"
    );
    assert!(
        summary["notices"]
            .to_string()
            .contains("under another name")
    );
    // Same size, other content: converted.
    let mut text = std::fs::read_to_string(logs.join("renamed.log")).unwrap();
    text = text.replacen("10.1.0.9", "10.1.0.8", 1);
    std::fs::write(logs.join("edited.log"), text).unwrap();
    // Two copies of a new file in one run: once.
    write_log(&logs.join("new.log"), 7, DAY1, 9000);
    std::fs::copy(logs.join("new.log"), logs.join("new-copy.log")).unwrap();
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["inputs_converted"], 2, "{summary}");
    let n = query(&lake, "SELECT count(*) AS n FROM vpc_flow_logs")[0]["n"].as_i64();
    assert_eq!(n, Some(30 + 3000 + 30 + 7));
}

/// An input that changed since it was converted is reported (exit 2, also under --quiet
/// and in --json); --convert-appended converts only what was appended, the lines of the
/// part converted before counted so rejects keep their line numbers.
#[test]
fn an_input_that_grew_is_reported_and_its_new_part_converted_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("flows.log");
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    let first: String = (0..10).map(|i| record(i, DAY1)).collect();
    put(&input, format!("{header}{first}").as_bytes());
    let lake = dir.path().join("lake");
    let (code, _, err) = convert_json(&[s(&input), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    let more: String = (10..15).map(|i| record(i, DAY1)).collect();
    put(
        &input,
        format!("{header}{first}{more}bad line\n").as_bytes(),
    );

    let (code, summary, _) = convert_json(&[s(&input), "--out", s(&lake)]);
    assert_eq!(code, 2);
    assert_eq!(summary["inputs_changed"], 1);
    assert!(
        summary["failures"][0]["error"]
            .as_str()
            .unwrap()
            .contains("changed since it was converted"),
        "{summary}"
    );
    let o = run(&["convert", "-q", s(&input), "--out", s(&lake)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("changed since it was converted"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        query(&lake, "SELECT count(*) AS n FROM vpc_flow_logs")[0]["n"],
        10
    );

    let (code, summary, err) = convert_json(&[s(&input), "--out", s(&lake), "--convert-appended"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(summary["records_written"], 5, "{summary}");
    assert_eq!(summary["reject_samples"][0]["line"], 17, "{summary}");
    let rows = query(
        &lake,
        "SELECT count(*) AS n, count(DISTINCT srcaddr) AS d FROM vpc_flow_logs",
    );
    assert_eq!(rows[0], serde_json::json!({"n": 15, "d": 15}));
    // Now up to date: skipped.
    let (code, summary, _) = convert_json(&[s(&input), "--out", s(&lake), "--convert-appended"]);
    assert_eq!((code, summary["inputs_skipped"].as_u64()), (0, Some(1)));
}

/// A gzip converted while it was still being written (a truncated stream: its complete
/// lines kept) is finished by --convert-appended once whole: every record once.
#[test]
fn a_gzip_converted_half_written_is_completed() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..2000).map(|i| record(i, DAY1)).collect();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let input = dir.path().join("flows.log.gz");
    put(&input, &gz[..gz.len() / 2]);
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&input), "--out", s(&lake)]);
    assert_eq!(code, 2, "{err}");
    let kept = summary["records_written"].as_u64().unwrap();
    assert!(kept > 0 && kept < 2000, "{summary}");
    put(&input, &gz);
    let (code, summary, err) = convert_json(&[s(&input), "--out", s(&lake), "--convert-appended"]);
    assert_eq!(code, 0, "{err}{summary}");
    assert_eq!(summary["records_written"].as_u64(), Some(2000 - kept));
    let rows = query(
        &lake,
        "SELECT count(*) AS n, count(DISTINCT srcaddr || ':' || CAST(srcport AS VARCHAR)) AS d FROM vpc_flow_logs",
    );
    assert_eq!(rows[0], serde_json::json!({"n": 2000, "d": 2000}));
}

/// A header-less file whose first record has a bad value is still flow-log text: one
/// reject, the rest converted. A one-line file with no newline is decided too: text that
/// is not a flow log is an error, a bad record a reject; neither is committed silently.
#[test]
fn first_lines_decide_fairly() {
    let dir = tempfile::tempdir().unwrap();
    let good = v2(1, 10);
    let bad_port = good.replacen(" 443 ", " 70000 ", 1);
    put(
        &dir.path().join("a/flows.log"),
        format!("{bad_port}\n{good}\n{good}\n").as_bytes(),
    );
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&dir.path().join("a")), "--out", s(&lake)]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        (
            summary["records_written"].as_u64(),
            summary["records_rejected"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(summary["inputs_failed"], 0, "{summary}");

    // What a CloudWatch Logs export task writes to check the bucket: one line, no newline.
    put(
        &dir.path().join("b/aws-logs-write-test"),
        b"Permission Check Successful",
    );
    put(&dir.path().join("b/one.log"), bad_port.as_bytes());
    let (code, summary, err) = convert_json(&[s(&dir.path().join("b")), "--out", s(&lake)]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(summary["inputs_failed"], 1, "{summary}");
    assert!(
        summary["failures"][0]["location"]
            .as_str()
            .unwrap()
            .ends_with("aws-logs-write-test")
    );
    assert_eq!(summary["records_rejected"], 1, "{summary}");
    // The failed one is tried again next time; the rejected line's file is done.
    let (_, summary, _) = convert_json(&[s(&dir.path().join("b")), "--out", s(&lake)]);
    assert_eq!(
        (
            summary["inputs_failed"].as_u64(),
            summary["inputs_skipped"].as_u64()
        ),
        (Some(1), Some(1))
    );

    // A header with a brace missing is a header that cannot be used: the lines it governs
    // are rejected, not decoded with the previous format.
    let swapped = "${version} ${account-id} ${interface-id} ${dstaddr} ${srcaddr} ${dstport} ${srcport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status";
    put(
        &dir.path().join("c/h.log"),
        format!("{V2_HEADER}{good}\n{swapped}\n{}\n", v2(2, 20)).as_bytes(),
    );
    let lake = dir.path().join("lake-c");
    let (code, summary, _) = convert_json(&[s(&dir.path().join("c")), "--out", s(&lake)]);
    assert_eq!(code, 2);
    assert_eq!(
        (
            summary["records_written"].as_u64(),
            summary["records_rejected"].as_u64()
        ),
        (Some(1), Some(2)),
        "{summary}"
    );

    // --max-line-length has a floor, said out loud.
    let o = run(&[
        "convert",
        s(&dir.path().join("a")),
        "--out",
        s(&lake),
        "--max-line-length",
        "50",
    ]);
    assert_fails(&o, "--max-line-length must be at least 1KiB");
}

/// One Firehose object carrying several accounts' subscription envelopes: each
/// envelope's records go to its owner's partition.
#[test]
fn envelopes_of_several_owners_are_partitioned_by_owner() {
    let dir = tempfile::tempdir().unwrap();
    let envelope = |owner: &str, bytes: u64| {
        format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"{owner}","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":[{{"id":"1","timestamp":1,"message":"{}"}}]}}"#,
            v2(1, bytes).replace("444455556666", "-")
        )
    };
    write_gz(
        &dir.path().join("fh/2026/01/01/00/stream-1"),
        &format!(
            "\u{feff}{}{}{}",
            envelope("111111111111", 1),
            envelope("222222222222", 2),
            envelope("111111111111", 3)
        ),
    );
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[s(&dir.path().join("fh")), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}{summary}");
    let rows = query(
        &lake,
        "SELECT bytes, \"aws-account-id\" AS a FROM vpc_flow_logs ORDER BY bytes",
    );
    assert_eq!(
        serde_json::Value::Array(rows),
        serde_json::json!([
            {"bytes": 1, "a": "111111111111"},
            {"bytes": 2, "a": "222222222222"},
            {"bytes": 3, "a": "111111111111"}
        ])
    );
}

/// Parquet inputs are held to the text decoder's rules: columns found by AWS's name or
/// the field's hyphenated one, values that do not fit refused (a row out of range is a
/// reject; a value that is not a number fails the file), milliseconds made seconds.
#[test]
fn parquet_inputs_follow_the_decoders_rules() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, columns: Vec<(&str, ArrayRef)>| {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let path = dir.path().join("in").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            batch.schema(),
            None,
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    };
    write(
        "hyphen.parquet",
        vec![
            (
                "account-id",
                Arc::new(StringArray::from(vec!["444455556666", "444455556666"])) as ArrayRef,
            ),
            (
                "log-status",
                Arc::new(StringArray::from(vec!["OK", "NODATA"])),
            ),
            ("srcport", Arc::new(Int64Array::from(vec![443, 99_999]))),
            ("packets", Arc::new(Int64Array::from(vec![3, 4]))),
            ("start", Arc::new(Int64Array::from(vec![DAY1 * 1000, DAY1]))),
        ],
    );
    write(
        "floats.parquet",
        vec![
            (
                "bytes",
                Arc::new(Float64Array::from(vec![1.0, 3.7])) as ArrayRef,
            ),
            ("start", Arc::new(Int64Array::from(vec![DAY1, DAY1]))),
        ],
    );
    write(
        "strings.parquet",
        vec![
            (
                "bytes",
                Arc::new(StringArray::from(vec!["12", "abc"])) as ArrayRef,
            ),
            ("start", Arc::new(Int64Array::from(vec![DAY1, DAY1]))),
        ],
    );
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[
        s(&dir.path().join("in")),
        "--out",
        s(&lake),
        "--default-account",
        "444455556666",
    ]);
    assert_eq!(code, 2, "{err}");
    let failed: Vec<&str> = summary["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(failed, ["floats.parquet", "strings.parquet"], "{summary}");
    assert_eq!(summary["records_rejected"], 1);
    assert_eq!(summary["reject_samples"][0]["line"], 2);
    let rows = query(
        &lake,
        "SELECT account_id, log_status, srcport, start FROM vpc_flow_logs",
    );
    assert_eq!(
        serde_json::Value::Array(rows),
        serde_json::json!([{"account_id": "444455556666", "log_status": "OK", "srcport": 443, "start": DAY1}])
    );
}

/// The same file through a symbolic link, in a later run with --follow: recognised by
/// its content, not converted twice.
#[cfg(unix)]
#[test]
fn a_file_reached_through_a_link_in_a_later_run_is_not_converted_again() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("in");
    write_log(&logs.join("zreal/x.log"), 4, DAY1, 0);
    std::os::unix::fs::symlink("zreal", logs.join("alink")).unwrap();
    let lake = dir.path().join("lake");
    let (code, _, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake), "--follow"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["inputs_renamed"], 1, "{summary}");
    assert_eq!(
        query(&lake, "SELECT count(*) AS n FROM vpc_flow_logs")[0]["n"],
        4
    );
}

/// Firehose's direct delivery of flow logs: header-less text under Firehose's own
/// `YYYY/MM/DD/HH/` keys; the owner and region given as options, the date from the records.
#[test]
fn firehose_direct_delivery_is_read_as_header_less_text() {
    let dir = tempfile::tempdir().unwrap();
    let object = dir.path().join(
        "fh/2026/01/01/00/flow-logs-1-2026-01-01-00-05-00-0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    );
    put(
        &object,
        format!("{}\n{}\n", v2(1, 100), v2(2, 200)).as_bytes(),
    );
    let lake = dir.path().join("lake");
    let (code, summary, err) = convert_json(&[
        s(&dir.path().join("fh")),
        "--out",
        s(&lake),
        "--default-account",
        "444455556666",
        "--default-region",
        "eu-west-1",
    ]);
    assert_eq!(code, 0, "{err}{summary}");
    let rows = query(
        &lake,
        "SELECT bytes, \"aws-account-id\" AS a, \"aws-region\" AS r, year, month, day FROM vpc_flow_logs ORDER BY bytes",
    );
    assert_eq!(
        serde_json::Value::Array(rows),
        serde_json::json!([
            {"bytes": 100, "a": "444455556666", "r": "eu-west-1", "year": "2026", "month": "01", "day": "01"},
            {"bytes": 200, "a": "444455556666", "r": "eu-west-1", "year": "2026", "month": "01", "day": "01"}
        ])
    );
}

/// What an input's earlier conversion recorded keeps it honest: a file edited in place
/// (same size, other content) is reported; a file grown after its earlier part was
/// rewritten is reported, not resumed in the middle; a later header in the part converted
/// before sets the format of what is appended; a file renamed after growing is still known.
#[test]
fn edited_and_rewritten_inputs_are_reported_and_formats_carry_over() {
    let dir = tempfile::tempdir().unwrap();
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    let recs = |a: u64, b: u64| -> String { (a..b).map(|i| record(i, DAY1)).collect() };
    let lake = dir.path().join("lake");
    let count = |lake: &Path| {
        query(
            lake,
            "SELECT count(*) AS n, count(DISTINCT srcaddr) AS d FROM vpc_flow_logs",
        )[0]
        .clone()
    };

    // Edited in place, same size: reported (its mtime moved and its content is new).
    let a = dir.path().join("a.log");
    put(&a, format!("{header}{}", recs(0, 3)).as_bytes());
    let (code, _, err) = convert_json(&[s(&a), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    put(
        &a,
        format!("{header}{}", recs(0, 3))
            .replacen("10.1.0.9", "10.1.0.8", 1)
            .as_bytes(),
    );
    // A modification time of its own, as an editor's save gives it.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&a)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let (code, summary, _) = convert_json(&[s(&a), "--out", s(&lake), "--convert-appended"]);
    assert_eq!(code, 2);
    assert!(
        summary["failures"][0]["error"]
            .as_str()
            .unwrap()
            .contains("same size"),
        "{summary}"
    );
    // Touched only (same content): skipped.
    put(&a, format!("{header}{}", recs(0, 3)).as_bytes());
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(120);
    std::fs::File::options()
        .write(true)
        .open(&a)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let (code, summary, _) = convert_json(&[s(&a), "--out", s(&lake)]);
    assert_eq!(
        (code, summary["inputs_skipped"].as_u64()),
        (0, Some(1)),
        "{summary}"
    );

    // Grown, but its earlier part rewritten: reported, nothing converted from it.
    let b = dir.path().join("b.log");
    put(&b, format!("{header}{}", recs(10, 13)).as_bytes());
    convert_json(&[s(&b), "--out", s(&lake)]);
    put(
        &b,
        format!("{header}{}{}", recs(17, 20), recs(14, 16)).as_bytes(),
    );
    let (code, summary, _) = convert_json(&[s(&b), "--out", s(&lake), "--convert-appended"]);
    assert_eq!(code, 2);
    assert!(
        summary["failures"][0]["error"]
            .as_str()
            .unwrap()
            .contains("rewritten"),
        "{summary}"
    );
    assert_eq!(count(&lake), serde_json::json!({"n": 6, "d": 6}));

    // A header later in the part converted before: the appended lines are in its format.
    let c = dir.path().join("c.log");
    let swapped = header.replace("srcport dstport", "dstport srcport");
    put(
        &c,
        format!("{header}{}{swapped}{}", recs(20, 21), recs(21, 22)).as_bytes(),
    );
    convert_json(&[s(&c), "--out", s(&lake)]);
    put(
        &c,
        format!(
            "{header}{}{swapped}{}{}",
            recs(20, 21),
            recs(21, 22),
            recs(22, 23)
        )
        .as_bytes(),
    );
    let (code, _, err) = convert_json(&[s(&c), "--out", s(&lake), "--convert-appended"]);
    assert_eq!(code, 0, "{err}");
    // In c.log's second format the record's "443" is the destination port.
    let ports = query(
        &lake,
        "SELECT srcport, dstport FROM vpc_flow_logs WHERE srcaddr = '10.0.0.22'",
    );
    assert_eq!(
        ports[0],
        serde_json::json!({"srcport": 1046, "dstport": 443})
    );

    // Grown with --convert-appended, then renamed: still known.
    let d = dir.path().join("d.log");
    put(&d, format!("{header}{}", recs(30, 32)).as_bytes());
    convert_json(&[s(&d), "--out", s(&lake)]);
    put(&d, format!("{header}{}", recs(30, 34)).as_bytes());
    convert_json(&[s(&d), "--out", s(&lake), "--convert-appended"]);
    std::fs::rename(&d, dir.path().join("d-moved.log")).unwrap();
    let (code, summary, _) = convert_json(&[s(&dir.path().join("d-moved.log")), "--out", s(&lake)]);
    assert_eq!(
        (code, summary["inputs_renamed"].as_u64()),
        (0, Some(1)),
        "{summary}"
    );
    assert_eq!(count(&lake), serde_json::json!({"n": 13, "d": 13}));
}

/// A plain file converted while its last line was still being written: the rest of that
/// line, appended later, is reported, not converted as a line of its own.
#[test]
fn a_line_cut_by_the_first_conversion_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.log");
    let whole = format!("{}{}", record(0, DAY1), record(1, DAY1));
    let cut = &whole[..whole.len() - 4];
    put(&f, cut.as_bytes());
    let lake = dir.path().join("lake");
    convert_json(&[s(&f), "--out", s(&lake)]);
    put(&f, format!("{whole}{}", record(2, DAY1)).as_bytes());
    let (code, summary, _) = convert_json(&[s(&f), "--out", s(&lake), "--convert-appended"]);
    assert_eq!(code, 2);
    assert!(
        summary["failures"][0]["error"]
            .as_str()
            .unwrap()
            .contains("still being written"),
        "{summary}"
    );
}

/// A file renamed after its conversion (log rotation) and then appended to under its new
/// name: the new name is recorded as the same input, so --convert-appended converts only
/// what was appended.
#[test]
fn a_renamed_file_that_keeps_growing_is_resumed_under_its_new_name() {
    let dir = tempfile::tempdir().unwrap();
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    let recs = |a: u64, b: u64| -> String { (a..b).map(|i| record(i, DAY1)).collect() };
    let logs = dir.path().join("logs");
    put(
        &logs.join("app.log"),
        format!("{header}{}", recs(0, 5)).as_bytes(),
    );
    let lake = dir.path().join("lake");
    let (code, _, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(code, 0, "{err}");
    std::fs::rename(logs.join("app.log"), logs.join("app.log.1")).unwrap();
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake)]);
    assert_eq!(
        (code, summary["inputs_renamed"].as_u64()),
        (0, Some(1)),
        "{err}{summary}"
    );
    put(
        &logs.join("app.log.1"),
        format!("{header}{}", recs(0, 8)).as_bytes(),
    );
    let (code, summary, err) = convert_json(&[s(&logs), "--out", s(&lake), "--convert-appended"]);
    assert_eq!(code, 0, "{err}{summary}");
    assert_eq!(summary["records_written"], 3, "{summary}");
    let n = query(
        &lake,
        "SELECT count(*) AS n, count(DISTINCT srcaddr) AS d FROM vpc_flow_logs",
    );
    assert_eq!(n[0], serde_json::json!({"n": 8, "d": 8}));
}

/// Names and contents kept apart: a file renamed, grown and renamed back; a copy taken
/// before its original grew; a resume that finds nothing new, then more: every row once.
#[test]
fn renames_copies_and_empty_resumes_keep_every_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    let recs = |a: u64, b: u64| -> String { (a..b).map(|i| record(i, DAY1)).collect() };
    let lake = dir.path().join("lake");
    let count = |lake: &Path| {
        query(
            lake,
            "SELECT count(*) AS n, count(DISTINCT srcaddr) AS d FROM vpc_flow_logs",
        )[0]
        .clone()
    };
    let conv = |p: &Path, appended: bool| {
        let mut args = vec![s(p), "--out", s(&lake)];
        if appended {
            args.push("--convert-appended");
        }
        let (code, summary, err) = convert_json(&args);
        assert_ne!(code, 1, "{err}");
        (code, summary)
    };
    // Renamed, grown, renamed back.
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    put(&a, format!("{header}{}", recs(0, 5)).as_bytes());
    conv(&a, false);
    std::fs::rename(&a, &b).unwrap();
    conv(&b, false);
    put(&b, format!("{header}{}", recs(0, 8)).as_bytes());
    conv(&b, true);
    std::fs::rename(&b, &a).unwrap();
    let (code, _) = conv(&a, true);
    assert_eq!(code, 0);
    assert_eq!(count(&lake), serde_json::json!({"n": 8, "d": 8}));

    // A copy taken before its original grew, then appended to on its own.
    let c = dir.path().join("c.log");
    let c2 = dir.path().join("c-copy.log");
    put(&c, format!("{header}{}", recs(100, 105)).as_bytes());
    conv(&c, false);
    std::fs::copy(&c, &c2).unwrap();
    put(&c, format!("{header}{}", recs(100, 108)).as_bytes());
    conv(&c, true);
    conv(&c2, false);
    put(
        &c2,
        format!("{header}{}{}", recs(100, 105), recs(200, 210)).as_bytes(),
    );
    let (code, summary) = conv(&c2, true);
    assert_eq!(
        (code, summary["records_written"].as_u64()),
        (0, Some(10)),
        "{summary}"
    );
    assert_eq!(count(&lake), serde_json::json!({"n": 8 + 8 + 10, "d": 26}));

    // A resume with nothing new (the last line only got its newline), then new lines.
    let e = dir.path().join("e.log");
    let text = format!("{header}{}", recs(300, 304));
    put(&e, text.trim_end().as_bytes());
    conv(&e, false);
    put(&e, text.as_bytes());
    let (code, summary) = conv(&e, true);
    assert_eq!(
        (code, summary["records_written"].as_u64()),
        (0, Some(0)),
        "{summary}"
    );
    put(&e, format!("{text}{}", recs(304, 306)).as_bytes());
    let (code, summary) = conv(&e, true);
    assert_eq!(
        (code, summary["records_written"].as_u64()),
        (0, Some(2)),
        "{summary}"
    );
    assert_eq!(count(&lake), serde_json::json!({"n": 26 + 6, "d": 32}));
}
