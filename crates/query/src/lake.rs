//! The `vpc_flow_logs` table over a lake in AWS's Hive-compatible layout.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::{QueryError, Result};

/// Name of the table every query and hunt reads.
pub const TABLE: &str = "vpc_flow_logs";

/// Partition columns of the layout, outermost first. `hour` only in per-hour lakes.
pub const PARTITION_COLUMNS: &[&str] = &[
    "aws-account-id",
    "aws-service",
    "aws-region",
    "year",
    "month",
    "day",
    "hour",
];

/// A DataFusion session with flowlake's functions registered and no table yet.
pub fn session() -> SessionContext {
    let config = SessionConfig::new()
        .with_information_schema(true)
        // Hive layouts nest folders by partition; files are found below them.
        .set_bool(
            "datafusion.execution.listing_table_ignore_subdirectory",
            false,
        )
        // Keep string columns as `Utf8`, the type the table declares, for every reader.
        .set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            false,
        );
    let ctx = SessionContext::new_with_config(config);
    crate::udf::register(&ctx);
    ctx
}

/// Does the lake partition by hour? Found from the first data folder in it.
fn has_hour_partition(root: &Path) -> bool {
    let mut dir = root.join("AWSLogs");
    for _ in 0..PARTITION_COLUMNS.len() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return false;
        };
        let next = entries
            .filter_map(std::result::Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with(['_', '.']) && n.contains('='))
            });
        let Some(next) = next else { return false };
        if next
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("hour="))
        {
            return true;
        }
        dir = next;
    }
    false
}

/// Register `vpc_flow_logs` over the lake at `root` (the folder `flowlake convert --out`
/// wrote, holding `AWSLogs/`).
///
/// The table is declared with the canonical 54-column schema, so files that hold fewer
/// columns (AWS-delivered Parquet has only its format's fields) read the others as NULL,
/// and the partition columns of AWS's layout, so filters on them skip folders before any
/// file is opened.
pub async fn register_lake(ctx: &SessionContext, root: &Path) -> Result<()> {
    if !root.join("AWSLogs").is_dir() {
        return Err(QueryError::NotALake(root.to_path_buf()));
    }
    let hour = has_hour_partition(root);
    let partitions: Vec<(String, DataType)> = PARTITION_COLUMNS
        .iter()
        .filter(|c| hour || **c != "hour")
        .map(|c| ((*c).to_string(), DataType::Utf8))
        .collect();
    let root = std::fs::canonicalize(root).map_err(|source| QueryError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let url = ListingTableUrl::parse(format!("{}/AWSLogs/", root.display()))?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(partitions);
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(flowlog::schema());
    let table = ListingTable::try_new(config)?;
    ctx.register_table(TABLE, Arc::new(table))?;
    Ok(())
}
