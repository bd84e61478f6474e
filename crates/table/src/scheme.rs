//! The table's shape: the 54 canonical columns, then AWS's partition columns.

use deltalake_core::kernel::{DataType, StructField};
use flowlog::{FieldType, RecordKind};

/// Partition columns of AWS's Hive-compatible layout, outermost first. `hour` only in
/// per-hour lakes. (AWS: "Partitioning of flow log files" in the VPC user guide; spec §3.)
pub const PARTITION_COLUMNS: [&str; 7] = [
    "aws-account-id",
    "aws-service",
    "aws-region",
    "year",
    "month",
    "day",
    "hour",
];

/// How finely the time is partitioned. Stored in the table (its partition columns), so
/// every writer of a lake uses the same scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartitionBy {
    /// `year=/month=/day=`
    #[default]
    Day,
    /// `year=/month=/day=/hour=`, as AWS's own Parquet delivery with per-hour partitions.
    Hour,
}

impl PartitionBy {
    /// The partition columns of this scheme, outermost first.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            PartitionBy::Day => &PARTITION_COLUMNS[..6],
            PartitionBy::Hour => &PARTITION_COLUMNS[..],
        }
    }

    /// Length of one time partition, in seconds.
    pub fn bucket_seconds(self) -> i64 {
        match self {
            PartitionBy::Day => 86_400,
            PartitionBy::Hour => 3_600,
        }
    }

    /// `day` or `hour`, as `--partition` spells it.
    pub fn name(self) -> &'static str {
        match self {
            PartitionBy::Day => "day",
            PartitionBy::Hour => "hour",
        }
    }
}

/// The folder, inside a lake, of its `tgw_flow_logs` table (its own table log and data
/// files in the same Hive layout). Named with a leading `_` so that tools treating the
/// lake's root as one table (a Delta `VACUUM` of `vpc_flow_logs`, Hive readers of the
/// root) leave it alone, as they leave `_delta_log/` and `_flowlake/`.
pub const TGW_TABLE_DIR: &str = "_tgw_flow_logs";

/// The folder of a kind's table inside the lake: the root for VPC records.
pub fn table_dir(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Vpc => None,
        RecordKind::TransitGateway => Some(TGW_TABLE_DIR),
    }
}

/// The Delta schema of a table: the canonical columns of its kind (in the Parquet files)
/// and the partition columns (in the log's `partitionValues` and the folder names), all
/// strings.
pub(crate) fn table_columns(kind: RecordKind, by: PartitionBy) -> Vec<StructField> {
    let data = kind.fields().iter().map(|f| {
        let ty = match f.ty {
            FieldType::Int32 => DataType::INTEGER,
            FieldType::Int64 => DataType::LONG,
            FieldType::Utf8 => DataType::STRING,
        };
        StructField::new(f.column, ty, true)
    });
    let partitions = by
        .columns()
        .iter()
        .map(|c| StructField::new(*c, DataType::STRING, true));
    data.chain(partitions).collect()
}

/// The value Hive, Athena, Spark and DuckDB use for a partition column with no value.
pub const HIVE_DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The partition values a data file's path names, in the order of `by`'s columns, Hive's
/// `%XX` escapes undone and its default partition as `None`. `None` when the path is not
/// in the layout (`AWSLogs/aws-account-id=.../day=DD[/hour=HH]/FILE`).
pub fn partition_of(path: &str, by: PartitionBy) -> Option<Vec<Option<String>>> {
    let mut segments = path.split('/');
    if segments.next() != Some("AWSLogs") {
        return None;
    }
    let columns = by.columns();
    let mut values = Vec::with_capacity(columns.len());
    for column in columns {
        let value = segments.next()?.strip_prefix(column)?.strip_prefix('=')?;
        values.push((value != HIVE_DEFAULT_PARTITION).then(|| unescape(value)));
    }
    // Exactly one segment left: the file.
    (segments.next().is_some() && segments.next().is_none()).then_some(values)
}

fn unescape(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_partition_values_from_paths() {
        let p = "AWSLogs/aws-account-id=123/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=01/day=02/f.parquet";
        assert_eq!(
            partition_of(p, PartitionBy::Day).unwrap(),
            ["123", "vpcflowlogs", "eu-west-1", "2026", "01", "02"].map(|s| Some(s.to_string()))
        );
        assert_eq!(partition_of(p, PartitionBy::Hour), None);
        let odd = "AWSLogs/aws-account-id=a%3Ab/aws-service=vpcflowlogs/aws-region=r/year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__/f.parquet";
        let values = partition_of(odd, PartitionBy::Day).unwrap();
        assert_eq!(values[0].as_deref(), Some("a:b"));
        assert_eq!(values[3], None);
        assert_eq!(partition_of("AWSLogs/x/f.parquet", PartitionBy::Day), None);
    }
}
