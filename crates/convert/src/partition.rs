//! Routing records to their Hive partition: account, region and the UTC date of `start`.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch, StringArray, UInt32Array};
use arrow_select::take::take;
use chrono::{DateTime, Datelike, Timelike};
use flowlog::RecordKind;

use crate::hints::PathHints;

pub use flowlake_table::{HIVE_DEFAULT_PARTITION, PartitionBy};

/// One output partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartitionKey {
    /// The table: `vpc_flow_logs` at the lake's root, `tgw_flow_logs` under
    /// [`TGW_TABLE_DIR`](flowlake_table::TGW_TABLE_DIR).
    pub kind: RecordKind,
    pub account: Arc<str>,
    pub region: Arc<str>,
    /// Start of the day or hour (Unix seconds), `None` for records with no time at all.
    pub bucket: Option<i64>,
}

impl PartitionKey {
    /// The partition's folder, relative to the output root, in AWS's Hive-compatible layout:
    /// `AWSLogs/aws-account-id=A/aws-service=vpcflowlogs/aws-region=R/year=YYYY/month=MM/day=DD[/hour=HH]`
    /// (under `_tgw_flow_logs/` for transit gateway records).
    pub fn path(&self, by: PartitionBy) -> String {
        let mut p = String::with_capacity(128);
        if self.kind == RecordKind::TransitGateway {
            p.push_str(flowlake_table::TGW_TABLE_DIR);
            p.push('/');
        }
        p.push_str("AWSLogs/aws-account-id=");
        escape_into(&mut p, &self.account);
        p.push_str("/aws-service=vpcflowlogs/aws-region=");
        escape_into(&mut p, &self.region);
        match self.bucket.and_then(|b| DateTime::from_timestamp(b, 0)) {
            Some(t) => {
                let _ = write!(
                    p,
                    "/year={:04}/month={:02}/day={:02}",
                    t.year(),
                    t.month(),
                    t.day()
                );
                if by == PartitionBy::Hour {
                    let _ = write!(p, "/hour={:02}", t.hour());
                }
            }
            None => {
                let levels: &[&str] = match by {
                    PartitionBy::Day => &["year", "month", "day"],
                    PartitionBy::Hour => &["year", "month", "day", "hour"],
                };
                for level in levels {
                    let _ = write!(p, "/{level}={HIVE_DEFAULT_PARTITION}");
                }
            }
        }
        p
    }
}

/// Hive's partition-value escaping: characters that would break a path or a `k=v` segment
/// become `%XX`.
fn escape_into(out: &mut String, value: &str) {
    if value.is_empty() {
        out.push_str(HIVE_DEFAULT_PARTITION);
        return;
    }
    for c in value.chars() {
        if c.is_control()
            || matches!(
                c,
                '"' | '#' | '%' | '\'' | '*' | '/' | ':' | '=' | '?' | '\\' | '{' | '[' | ']' | '^'
            )
        {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
}

/// Where the account, region and time of a record come from when the record lacks them.
#[derive(Debug, Clone)]
pub struct RouteDefaults {
    pub by: PartitionBy,
    /// `--default-account` / `--default-region`: used when neither the path nor the record has one.
    pub account: Option<Arc<str>>,
    pub region: Option<Arc<str>>,
}

/// Splits batches by partition for one input.
#[derive(Debug)]
pub struct Router {
    by: PartitionBy,
    path_account: Option<Arc<str>>,
    path_region: Option<Arc<str>>,
    fallback_account: Arc<str>,
    fallback_region: Arc<str>,
    path_time: Option<i64>,
}

impl Router {
    /// The partition account is the flow log owner's: the source path's AWS layout (or
    /// the owner CloudWatch Logs named), else `--default-account`; only when neither says,
    /// the record's own `account_id` (which is the ENI owner's, and may be `unknown` for
    /// ENIs AWS services own: that value never makes a partition when anything else is
    /// known). Region: the path, then the record's `region`, then `--default-region`.
    /// Time: `start`, else `end`, else the time in the AWS object name or folder.
    pub fn new(hints: &PathHints, defaults: &RouteDefaults) -> Self {
        let unknown: Arc<str> = Arc::from("unknown");
        Self {
            by: defaults.by,
            path_account: hints
                .account
                .as_deref()
                .map(Arc::from)
                .or_else(|| defaults.account.clone()),
            path_region: hints.region.as_deref().map(Arc::from),
            fallback_account: Arc::clone(&unknown),
            fallback_region: defaults.region.clone().unwrap_or(unknown),
            path_time: hints.time,
        }
    }

    /// Split a decoded batch into one batch per partition.
    pub fn route(&self, batch: &RecordBatch) -> Vec<(PartitionKey, RecordBatch)> {
        let rows = batch.num_rows();
        let kind = RecordKind::of(&batch.schema()).expect("a flow-log batch");
        let column = |name| batch.column_by_name(name).expect("every kind has it");
        let start = column("start").as_primitive::<Int64Type>();
        let end = column("end").as_primitive::<Int64Type>();
        let accounts = column("account_id").as_string::<i32>();
        let regions = column("region").as_string::<i32>();
        let bucket_len = self.by.bucket_seconds();

        let mut keys: Vec<PartitionKey> = Vec::new();
        let mut row_key: Vec<u32> = Vec::with_capacity(rows);
        let mut last: Option<u32> = None;
        for row in 0..rows {
            let time = value(start, row)
                .or_else(|| value(end, row))
                .or(self.path_time);
            let bucket = time.map(|t| t.div_euclid(bucket_len) * bucket_len);
            let account = Self::pick(
                self.path_account.as_ref(),
                accounts,
                row,
                &self.fallback_account,
            );
            let region = Self::pick(
                self.path_region.as_ref(),
                regions,
                row,
                &self.fallback_region,
            );
            let same = |k: &PartitionKey| {
                k.bucket == bucket
                    && *k.account == *account.as_ref()
                    && *k.region == *region.as_ref()
            };
            let idx = match last {
                Some(i) if same(&keys[i as usize]) => i,
                _ => match keys.iter().position(same) {
                    Some(i) => i as u32,
                    None => {
                        keys.push(PartitionKey {
                            kind,
                            account: account.into_arc(),
                            region: region.into_arc(),
                            bucket,
                        });
                        (keys.len() - 1) as u32
                    }
                },
            };
            last = Some(idx);
            row_key.push(idx);
        }

        if keys.len() == 1 {
            return vec![(keys.pop().expect("one key"), batch.clone())];
        }
        let mut groups: Vec<Vec<u32>> = vec![Vec::new(); keys.len()];
        for (row, k) in row_key.iter().enumerate() {
            groups[*k as usize].push(row as u32);
        }
        keys.into_iter()
            .zip(groups)
            .map(|(key, rows)| {
                let indices = UInt32Array::from(rows);
                let part = take_rows(batch, &indices);
                (key, part)
            })
            .collect()
    }

    fn pick<'a>(
        from_path: Option<&'a Arc<str>>,
        column: &'a StringArray,
        row: usize,
        fallback: &'a Arc<str>,
    ) -> Picked<'a> {
        if let Some(p) = from_path {
            return Picked::Arc(p);
        }
        if column.is_valid(row) {
            let v = column.value(row);
            if !v.is_empty() && v != "unknown" {
                return Picked::Str(v);
            }
        }
        Picked::Arc(fallback)
    }
}

enum Picked<'a> {
    Arc(&'a Arc<str>),
    Str(&'a str),
}

impl Picked<'_> {
    fn into_arc(self) -> Arc<str> {
        match self {
            Picked::Arc(a) => Arc::clone(a),
            Picked::Str(s) => Arc::from(s),
        }
    }
}

impl AsRef<str> for Picked<'_> {
    fn as_ref(&self) -> &str {
        match self {
            Picked::Arc(a) => a,
            Picked::Str(s) => s,
        }
    }
}

/// `take` for a canonical batch; all-NULL columns become shared NULL slices instead of
/// fresh allocations.
fn take_rows(batch: &RecordBatch, indices: &UInt32Array) -> RecordBatch {
    let columns = batch
        .columns()
        .iter()
        .zip(
            RecordKind::of(&batch.schema())
                .expect("a flow-log batch")
                .fields(),
        )
        .map(|(c, def)| {
            if c.null_count() == c.len() {
                flowlog::null_array(def.ty, indices.len())
            } else {
                take(c.as_ref(), indices, None).expect("indices are in bounds")
            }
        })
        .collect();
    RecordBatch::try_new(batch.schema(), columns).expect("same schema")
}

fn value(a: &arrow_array::Int64Array, row: usize) -> Option<i64> {
    a.is_valid(row).then(|| a.value(row))
}

#[cfg(test)]
mod tests {
    use flowlog::{Decoder, Format, col};

    use super::*;

    fn batch(format: &str, lines: &str) -> RecordBatch {
        let mut d = Decoder::new(Some(Format::parse(format).unwrap()));
        d.decode(lines.as_bytes());
        d.finish();
        assert!(d.take_rejects().is_empty());
        d.next_batch().unwrap()
    }

    fn defaults(by: PartitionBy) -> RouteDefaults {
        RouteDefaults {
            by,
            account: None,
            region: None,
        }
    }

    #[test]
    fn hive_paths() {
        let key = PartitionKey {
            kind: RecordKind::Vpc,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            bucket: Some(1_772_326_800), // 2026-03-01T01:00:00Z
        };
        assert_eq!(
            key.path(PartitionBy::Day),
            "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=03/day=01"
        );
        assert_eq!(
            key.path(PartitionBy::Hour),
            "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=03/day=01/hour=01"
        );
        let odd = PartitionKey {
            kind: RecordKind::Vpc,
            account: "a/b=c".into(),
            region: "".into(),
            bucket: None,
        };
        assert_eq!(
            odd.path(PartitionBy::Day),
            "AWSLogs/aws-account-id=a%2Fb%3Dc/aws-service=vpcflowlogs/aws-region=__HIVE_DEFAULT_PARTITION__/year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__"
        );
    }

    #[test]
    fn routes_by_record_account_region_and_day() {
        let b = batch(
            "account-id region start end",
            "111 us-east-1 1772323200 1772323260\n\
             111 us-east-1 1772409599 1772409600\n\
             111 us-east-1 1772409600 1772409660\n\
             222 eu-west-1 - 1772323260\n\
             - - - -\n",
        );
        let router = Router::new(&PathHints::default(), &defaults(PartitionBy::Day));
        let parts = router.route(&b);
        let summary: Vec<(String, usize)> = parts
            .iter()
            .map(|(k, b)| (k.path(PartitionBy::Day), b.num_rows()))
            .collect();
        let p = |a: &str, r: &str, d: &str| {
            format!("AWSLogs/aws-account-id={a}/aws-service=vpcflowlogs/aws-region={r}/{d}")
        };
        assert_eq!(
            summary,
            [
                (p("111", "us-east-1", "year=2026/month=03/day=01"), 2),
                (p("111", "us-east-1", "year=2026/month=03/day=02"), 1),
                (p("222", "eu-west-1", "year=2026/month=03/day=01"), 1),
                (
                    p(
                        "unknown",
                        "unknown",
                        "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__"
                    ),
                    1
                ),
            ]
        );
    }

    #[test]
    fn the_owner_from_path_or_flag_beats_the_record_account() {
        let b = batch(
            "account-id start",
            "999 1772323200\n- 1772323200\nunknown 1772323200\n",
        );
        // Neither path nor flag: the record's account, never `unknown` from the record.
        let none = RouteDefaults {
            by: PartitionBy::Hour,
            account: None,
            region: Some("flag-region".into()),
        };
        let parts = Router::new(&PathHints::default(), &none).route(&b);
        let rows: Vec<(&str, usize)> = parts
            .iter()
            .map(|(k, b)| (&*k.account, b.num_rows()))
            .collect();
        assert_eq!(rows, [("999", 1), ("unknown", 2)]);
        assert!(parts.iter().all(|(k, _)| &*k.region == "flag-region"));

        // --default-account is the owner: every record, whatever its account_id, and the
        // account_id column keeps its value.
        let flags = RouteDefaults {
            account: Some("111122223333".into()),
            ..none
        };
        let parts = Router::new(&PathHints::default(), &flags).route(&b);
        assert_eq!(parts.len(), 1);
        assert_eq!(&*parts[0].0.account, "111122223333");
        let column = parts[0].1.column(col::ACCOUNT_ID).as_string::<i32>();
        assert_eq!(column.value(2), "unknown");

        // The path beats the flag.
        let hints = PathHints {
            account: Some("path".into()),
            region: Some("r".into()),
            time: None,
        };
        let parts = Router::new(&hints, &flags).route(&b);
        assert_eq!(parts.len(), 1);
        assert_eq!(&*parts[0].0.account, "path");
    }

    #[test]
    fn object_name_time_when_the_record_has_none() {
        let b = batch("srcaddr", "10.0.0.1\n");
        let hints = PathHints {
            account: None,
            region: None,
            time: Some(1_772_326_800),
        };
        let parts = Router::new(&hints, &defaults(PartitionBy::Hour)).route(&b);
        assert_eq!(parts[0].0.bucket, Some(1_772_326_800));
    }
}
