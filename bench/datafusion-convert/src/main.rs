//! Convert a tree of v2 flow logs (`*.log.gz`, header line, space separated) to Parquet
//! partitioned by account and day with DataFusion's own CSV reader and `COPY ...
//! PARTITIONED BY`: the route a DataFusion user would take without flowlake.
//!
//! Columns are read as text and cast, since the CSV reader rejects `-` in numeric
//! columns. Usage: `datafusion-convert <logs-dir> <out-dir> <threads>`.


use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::prelude::*;

const FIELDS: [&str; 14] = [
    "version", "account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log_status",
];
const INT32: [&str; 4] = ["version", "srcport", "dstport", "protocol"];
const INT64: [&str; 4] = ["packets", "bytes", "start", "end"];

#[tokio::main]
async fn main() -> datafusion::error::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (logs, out, threads) = (&args[1], &args[2], args[3].parse::<usize>().unwrap());
    // Subfolders are skipped by default (as Hive does); AWS's layout nests files by date.
    let config = SessionConfig::new()
        .with_target_partitions(threads)
        .set_bool("datafusion.execution.listing_table_ignore_subdirectory", false);
    let ctx = SessionContext::new_with_config(config);
    let schema = Schema::new(
        FIELDS.iter().map(|f| Field::new(*f, DataType::Utf8, true)).collect::<Vec<_>>(),
    );
    let options = CsvReadOptions::new()
        .has_header(true)
        .delimiter(b' ')
        .file_extension(".log.gz")
        .file_compression_type(FileCompressionType::GZIP)
        .schema(&schema);
    // A trailing slash makes the path a folder to list recursively.
    let logs = format!("{}/", logs.trim_end_matches('/'));
    ctx.register_csv("raw", &logs, options).await?;
    let cols: Vec<String> = FIELDS
        .iter()
        .map(|f| {
            let v = format!("NULLIF(\"{f}\", '-')");
            if INT32.contains(f) {
                format!("CAST({v} AS INT) AS \"{f}\"")
            } else if INT64.contains(f) {
                format!("CAST({v} AS BIGINT) AS \"{f}\"")
            } else {
                format!("{v} AS \"{f}\"")
            }
        })
        .collect();
    let ts = "to_timestamp_seconds(CAST(NULLIF(\"start\", '-') AS BIGINT))";
    let sql = format!(
        "COPY (SELECT {}, NULLIF(account_id, '-') AS aws_account_id, \
           to_char({ts}, '%Y') AS year, to_char({ts}, '%m') AS month, to_char({ts}, '%d') AS day \
         FROM raw) TO '{out}' STORED AS PARQUET \
         PARTITIONED BY (aws_account_id, year, month, day) \
         OPTIONS (compression 'zstd(3)')",
        cols.join(", ")
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    datafusion::arrow::util::pretty::print_batches(&batches)?;
    Ok(())
}
