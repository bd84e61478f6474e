//! Conformance: the decoder against the flow-log fixtures of other open-source projects,
//! read from `../shared/corpora` beside the repository (see its README for provenance).
//!
//! Each source's expectations are compared by meaning, not representation: account ids
//! as strings, times as Unix seconds, a missing key is not checked, a `null` is NULL.
//! Where a source departs from AWS on purpose, the test says what flowlake does instead.
//!
//! The corpora are not part of the repository. Without them the suite prints that it was
//! skipped; under CI (`CI` set) their absence is a failure.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use flowlog::{Decoder, FieldType, Format, Reject};
use serde_json::{Map, Value};

fn corpora() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "conformance corpora missing at {} (CI must have ../shared)",
        dir.display()
    );
    // Straight to stderr, past the test harness's capture: a skip must be seen.
    let _ = writeln!(
        std::io::stderr().lock(),
        "conformance suite SKIPPED: {} not found (it lives beside the repository, not in it)",
        dir.display()
    );
    None
}

struct Decoded {
    batches: Vec<RecordBatch>,
    rejects: Vec<Reject>,
}

impl Decoded {
    fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// (batch, row) of record `i`.
    fn locate(&self, mut i: usize) -> (&RecordBatch, usize) {
        for b in &self.batches {
            if i < b.num_rows() {
                return (b, i);
            }
            i -= b.num_rows();
        }
        panic!("record {i} out of range");
    }
}

fn decode(format: Option<&str>, text: &[u8]) -> Decoded {
    let format = format.map(|f| Format::parse(f).unwrap_or_else(|e| panic!("{f}: {e}")));
    let mut d = Decoder::new(format);
    d.decode(text);
    d.finish();
    let mut batches = Vec::new();
    while let Some(b) = d.next_batch() {
        batches.push(b);
    }
    Decoded {
        batches,
        rejects: d.take_rejects(),
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Keys other projects spell differently.
fn column_for(key: &str, kind: flowlog::RecordKind) -> Option<&'static flowlog::FieldDef> {
    let key = match key {
        "pkt_src_service" => "pkt_src_aws_service",
        "pkt_dst_service" => "pkt_dst_aws_service",
        k => k,
    };
    kind.field(key)
}

/// Compare record `i` with `expected` (field -> value); returns how many values were checked.
fn check(decoded: &Decoded, i: usize, expected: &Map<String, Value>, what: &str) -> usize {
    let (batch, row) = decoded.locate(i);
    // VPC or transit gateway columns, as the record's format said.
    let kind = flowlog::RecordKind::of(&batch.schema()).expect("a flow-log batch");
    let mut checked = 0;
    for (key, want) in expected {
        let Some(def) = column_for(key, kind) else {
            continue;
        };
        if want.is_object() || want.is_array() {
            continue;
        }
        let col = batch.column(def.id);
        let got: Value = if col.is_null(row) {
            Value::Null
        } else {
            match def.ty {
                FieldType::Utf8 => Value::from(col.as_string::<i32>().value(row)),
                FieldType::Int32 => Value::from(col.as_primitive::<Int32Type>().value(row)),
                FieldType::Int64 => Value::from(col.as_primitive::<Int64Type>().value(row)),
            }
        };
        let want = normalize(def, want);
        assert_eq!(got, want, "{what}: record {i}, field {key}");
        checked += 1;
    }
    checked
}

/// Bring another project's representation to ours: numbers kept as strings, account ids as
/// numbers, times as ISO 8601.
fn normalize(def: &flowlog::FieldDef, v: &Value) -> Value {
    match (def.ty, v) {
        (_, Value::Null) => Value::Null,
        (FieldType::Utf8, Value::Number(n)) => Value::from(n.to_string()),
        (FieldType::Int32 | FieldType::Int64, Value::String(s)) => {
            if let Ok(n) = s.parse::<i64>() {
                Value::from(n)
            } else {
                let t = chrono::DateTime::parse_from_rfc3339(s)
                    .unwrap_or_else(|e| panic!("{}: {s:?}: {e}", def.name));
                Value::from(t.timestamp())
            }
        }
        (_, v) => v.clone(),
    }
}

/// Decode `X.log` with the format in `X.format.txt`; every non-blank line must load.
fn decode_clean_with_format_file(path: &Path) -> Decoded {
    let format = std::fs::read_to_string(path.with_extension("format.txt")).unwrap();
    let text = read(path);
    let d = decode(Some(format.trim()), &text);
    assert!(d.rejects.is_empty(), "{}: {:?}", path.display(), d.rejects);
    let lines = lines_of(&String::from_utf8_lossy(&text));
    assert_eq!(d.rows(), lines, "{}", path.display());
    d
}

fn lines_of(text: &str) -> usize {
    text.lines().filter(|l| !l.trim().is_empty()).count()
}

#[derive(Default)]
struct Tally(BTreeMap<&'static str, (usize, usize)>);

impl Tally {
    fn add(&mut self, source: &'static str, records: usize, values: usize) {
        let e = self.0.entry(source).or_default();
        e.0 += records;
        e.1 += values;
    }
}

#[test]
fn conformance_against_shared_corpora() {
    let Some(root) = corpora() else { return };
    let mut tally = Tally::default();
    vrl(&root, &mut tally);
    vector_docs(&root, &mut tally);
    beats_processor(&root, &mut tally);
    beats_module(&root, &mut tally);
    elastic_integrations(&root, &mut tally);
    panther(&root, &mut tally);
    flowlogs_reader(&root, &mut tally);
    solarwinds(&root, &mut tally);
    opensearch(&root, &mut tally);
    loki(&root, &mut tally);
    for (source, (records, values)) in &tally.0 {
        eprintln!(
            "conformance {source}: {records} records decoded, {values} expected values matched"
        );
    }
    assert_eq!(tally.0.len(), 10);
}

fn vrl(root: &Path, tally: &mut Tally) {
    let dir = root.join("vrl");
    for case in json(&dir.join("expected_examples_and_test_function.json"))
        .as_array()
        .unwrap()
    {
        let format = case["format"].as_str();
        let d = decode(format, case["line"].as_str().unwrap().as_bytes());
        assert!(d.rejects.is_empty(), "{:?}", d.rejects);
        let n = check(
            &d,
            0,
            case["expected"].as_object().unwrap(),
            case["origin"].as_str().unwrap(),
        );
        tally.add("vrl", 1, n);
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log") {
            let d = decode_clean_with_format_file(&path);
            tally.add("vrl", d.rows(), 0);
        }
    }
}

fn vector_docs(root: &Path, tally: &mut Tally) {
    let doc = json(&root.join("vector-docs/expected.json"));
    for case in doc["cases"].as_array().unwrap() {
        let d = decode(
            case["format"].as_str(),
            case["line"].as_str().unwrap().as_bytes(),
        );
        if case.get("expected_error").is_some() {
            assert_eq!(d.rows(), 0);
            assert_eq!(
                d.rejects[0].to_string(),
                "line 1: expected 14 fields, found 8"
            );
        } else {
            // Older Vector parsed account_id as an integer; flowlake keeps the string, so
            // leading zeros survive. Compared by meaning.
            let n = check(&d, 0, case["expected"].as_object().unwrap(), "vector-docs");
            tally.add("vector-docs", 1, n);
        }
    }
}

fn beats_processor(root: &Path, tally: &mut Tally) {
    let dir = root.join("elastic-beats-processor");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        let d = decode_clean_with_format_file(&path);
        let golden = path.with_extension("original-mode.golden.json");
        let mut values = 0;
        if golden.exists() {
            for (i, event) in json(&golden).as_array().unwrap().iter().enumerate() {
                values += check(
                    &d,
                    i,
                    event["aws"]["vpcflow"].as_object().unwrap(),
                    golden.to_str().unwrap(),
                );
            }
        }
        tally.add("elastic-beats-processor", d.rows(), values);
    }
}

fn beats_module(root: &Path, tally: &mut Tally) {
    let dir = root.join("elastic-beats-filebeat-module");
    // The one header-less file that is not in the default format: a transit-gateway
    // custom format (the module picks it by token count; flowlake takes --log-format).
    let tgw = "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status";
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = read(&path);
        let format = (name == "custom-transit-gateway.log").then_some(tgw);
        let d = decode(format, &text);
        if name == "bad.log" {
            assert_eq!(d.rows(), 0);
            assert_eq!(
                d.rejects[0].to_string(),
                "line 1: expected 14 fields, found 4"
            );
            continue;
        }
        assert!(d.rejects.is_empty(), "{name}: {:?}", d.rejects);
        let text = String::from_utf8_lossy(&text);
        let headers = text
            .lines()
            .filter(|l| l.starts_with("version") || l.starts_with("instance-id"))
            .count();
        assert_eq!(d.rows(), lines_of(&text) - headers, "{name}");
        tally.add("elastic-beats-filebeat-module", d.rows(), 0);
    }
}

/// Elastic's ingest pipeline: drop header lines, unwrap `{"message": ...}`, and pick the
/// format by token count. flowlake reads formats from headers instead; the harness plays
/// the pipeline's part to feed each line its format.
fn elastic_line(formats: &Map<String, Value>, line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with("version") || line.starts_with("instance-id") {
        return None;
    }
    let line = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(o)) => o["message"].as_str().unwrap().to_string(),
        _ => line.to_string(),
    };
    let n = line.split_whitespace().count();
    let format = formats[&n.to_string()].as_str().unwrap().to_string();
    Some((format, line))
}

fn elastic_integrations(root: &Path, tally: &mut Tally) {
    let dir = root.join("elastic-integrations");
    let formats = json(&dir.join("FORMATS_elastic_pipeline.json"))["token_count_to_field_order"]
        .as_object()
        .unwrap()
        .clone();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let Some((format, line)) = elastic_line(&formats, line) else {
                continue;
            };
            let d = decode(Some(&format), line.as_bytes());
            assert!(
                d.rejects.is_empty(),
                "{}: {line}: {:?}",
                path.display(),
                d.rejects
            );
            assert_eq!(d.rows(), 1);
            tally.add("elastic-integrations", 1, 0);
        }
    }
    let expected = json(&dir.join("expected_condensed.json"));
    for (file, events) in expected["files"].as_object().unwrap() {
        for event in events.as_array().unwrap() {
            let (format, line) = elastic_line(&formats, event["line"].as_str().unwrap()).unwrap();
            let d = decode(Some(&format), line.as_bytes());
            let n = check(&d, 0, event["aws.vpcflow"].as_object().unwrap(), file);
            tally.add("elastic-integrations", 0, n);
        }
    }
}

fn panther(root: &Path, tally: &mut Tally) {
    let path = root.join("panther-analysis/test_scenarios_compromised-root-creds_attacker_vpc.log");
    let d = decode(None, &read(&path));
    assert!(d.rejects.is_empty());
    assert_eq!(d.rows(), 6);
    for i in 0..6 {
        let (b, row) = d.locate(i);
        assert_eq!(
            b.column(flowlog::col::PACKETS)
                .as_primitive::<Int64Type>()
                .value(row),
            19
        );
    }
    tally.add("panther-analysis", 6, 6);
}

fn flowlogs_reader(root: &Path, tally: &mut Tally) {
    let dir = root.join("flowlogs-reader");
    let expected = json(&dir.join("expected.json"));
    for (name, case) in expected.as_object().unwrap() {
        if name == "note" {
            continue;
        }
        if let Some(line) = case["line"].as_str() {
            let d = decode(None, line.as_bytes());
            assert!(d.rejects.is_empty(), "{name}");
            let want = case
                .get("expected")
                .or_else(|| case.get("expected_partial"))
                .unwrap();
            let n = check(&d, 0, want.as_object().unwrap(), name);
            tally.add("flowlogs-reader", 1, n);
        } else {
            // V3_FILE / V4_FILE: the S3 objects themselves, alphabetical header included.
            let file = if name.starts_with("V3") {
                "V3_FILE.log"
            } else {
                "V4_FILE.log"
            };
            let d = decode(None, &read(&dir.join(file)));
            assert!(d.rejects.is_empty(), "{file}: {:?}", d.rejects);
            let mut n = 0;
            for (i, want) in case["expected"].as_array().unwrap().iter().enumerate() {
                n += check(&d, i, want.as_object().unwrap(), name);
            }
            tally.add("flowlogs-reader", d.rows(), n);
        }
    }
    let d = decode(None, &read(&dir.join("V2_RECORDS.log")));
    assert!(d.rejects.is_empty());
    assert_eq!(d.rows(), 5);
    tally.add("flowlogs-reader", 5, 0);
}

/// `SolarWinds`' file is sectioned by `#` comments; its "INVALID" sections reflect that
/// parser's rules. flowlake rejects what does not fit the record's types (wrong field
/// count, non-integers) and keeps what does: versions 1 and 3, odd account ids, unknown
/// action or status words are kept as written, since AWS may add values and dropping a
/// record loses data.
fn solarwinds(root: &Path, tally: &mut Tally) {
    let dir = root.join("solarwinds-cloud-observability-integration");
    let text = std::fs::read_to_string(dir.join("vpc_flow_log_event1.txt")).unwrap();
    let mut section = String::new();
    let (mut kept, mut rejected) = (0, 0);
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("# ") {
            if !title.starts_with("Format:")
                && !title.starts_with("Empty line")
                && !title.starts_with("Line with")
            {
                section = title.to_string();
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let d = decode(None, line.as_bytes());
        let must_reject = section.starts_with("Field count errors")
            || section.starts_with("Invalid integer fields")
            || section.starts_with("Empty and malformed")
            || (section == "Wrong version" && line.starts_with("version "));
        if must_reject {
            assert_eq!((d.rows(), d.rejects.len()), (0, 1), "[{section}] {line}");
            rejected += 1;
        } else {
            assert_eq!(
                (d.rows(), d.rejects.len()),
                (1, 0),
                "[{section}] {line}: {:?}",
                d.rejects
            );
            kept += 1;
        }
    }
    assert_eq!((kept, rejected), (42, 17));
    // Extremes survive: 2^63-1 packets and bytes, port 65535.
    let d = decode(
        None,
        b"2 123456789012 eni-1 127.0.0.1 127.0.0.1 65535 0 17 9223372036854775807 9223372036854775807 1418530060 1418530120 REJECT SKIPDATA",
    );
    let (b, _) = d.locate(0);
    assert_eq!(
        b.column(flowlog::col::BYTES)
            .as_primitive::<Int64Type>()
            .value(0),
        i64::MAX
    );
    tally.add("solarwinds", kept, 1);

    let cases = json(&dir.join("custom_format_cases.json"));
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let d = decode(
            case["format"].as_str(),
            case["line"].as_str().unwrap().as_bytes(),
        );
        // That parser requires all 14 v2 fields; AWS allows any subset, and so does
        // flowlake: its "must fail" cases load here.
        assert_eq!(
            (d.rows(), d.rejects.len()),
            (1, 0),
            "{name}: {:?}",
            d.rejects
        );
        let mut want = Map::new();
        for a in case
            .get("asserts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(actual), Some(value)) = (a["actual"].as_str(), a["expected"].as_str()) else {
                continue;
            };
            let Some(field) = actual.strip_prefix("record.") else {
                continue;
            };
            let column = match field {
                "Version" => "version",
                "AccountID" => "account_id",
                "InterfaceID" => "interface_id",
                "SrcAddr" => "srcaddr",
                "VpcID" => "vpc_id",
                "SubnetID" => "subnet_id",
                "Bytes" => "bytes",
                "ECSClusterName" => "ecs_cluster_name",
                "ECSServiceName" => "ecs_service_name",
                other => panic!("{name}: unmapped assert on {other}"),
            };
            let value = value
                .trim_matches('"')
                .trim_start_matches("int64(")
                .trim_end_matches(')');
            want.insert(column.to_string(), Value::from(value));
        }
        let n = check(&d, 0, &want, name);
        tally.add("solarwinds", 1, n);
    }
}

fn opensearch(root: &Path, tally: &mut Tally) {
    for file in [
        "docs_schema_sample_aws_vpc-logs.bodies.log",
        "integration_data_sample.bodies.log",
    ] {
        let text = read(&root.join("opensearch-catalog").join(file));
        let d = decode(None, &text);
        assert!(d.rejects.is_empty(), "{file}");
        assert_eq!(d.rows(), lines_of(&String::from_utf8_lossy(&text)));
        tally.add("opensearch-catalog", d.rows(), 0);
    }
}

fn loki(root: &Path, tally: &mut Tally) {
    let dir = root.join("grafana-loki-lambda-promtail");
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(dir.join("vpcflowlog.log.gz")).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    let gz = decode(None, &text);
    let plain = decode(None, &read(&dir.join("vpcflowlog.log")));
    assert!(gz.rejects.is_empty() && plain.rejects.is_empty());
    assert_eq!(gz.rows(), 3);
    assert_eq!(gz.batches, plain.batches);
    tally.add("grafana-loki-lambda-promtail", 3, 0);
}
