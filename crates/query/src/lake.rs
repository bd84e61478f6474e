//! The `vpc_flow_logs` table over a lake in AWS's Hive-compatible layout.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::{QueryError, Result};
use crate::window::TimeWindow;

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
///
/// DataFusion's own settings can be given as `DATAFUSION_*` environment variables; one
/// DataFusion cannot read is an error.
pub fn session() -> Result<SessionContext> {
    // DataFusion's settings from `DATAFUSION_*` variables (for example
    // `DATAFUSION_EXECUTION_TARGET_PARTITIONS=4`), then flowlake's own.
    let config = SessionConfig::from_env()
        .map_err(|e| {
            // DataFusion repeats each cause in the next; the first two say it all.
            let text = e.strip_backtrace();
            let parts: Vec<&str> = text.split("\ncaused by\n").take(2).collect();
            QueryError::Settings(parts.join(": "))
        })?
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
    Ok(ctx)
}

/// What the folder names of a lake say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LakeInfo {
    /// Partitioned by hour as well as by day.
    pub hour: bool,
    /// Accounts and regions that have data, sorted.
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

fn subdirs(dir: &Path, key: &str) -> Vec<(String, std::path::PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let prefix = format!("{key}=");
    let mut out: Vec<(String, std::path::PathBuf)> = entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let value = p.file_name()?.to_str()?.strip_prefix(&prefix)?.to_string();
            Some((value, p))
        })
        .collect();
    out.sort();
    out
}

/// Read the lake's partition folders: accounts, regions, and whether it has `hour=`.
pub fn inspect(root: &Path) -> Result<LakeInfo> {
    let logs = root.join("AWSLogs");
    if !logs.is_dir() {
        return Err(QueryError::NotALake(root.to_path_buf()));
    }
    let mut info = LakeInfo::default();
    for (account, a) in subdirs(&logs, "aws-account-id") {
        info.accounts.push(account);
        for (_, s) in subdirs(&a, "aws-service") {
            for (region, r) in subdirs(&s, "aws-region") {
                if !info.regions.contains(&region) {
                    info.regions.push(region);
                }
                if !info.hour {
                    // One day folder tells: a lake is partitioned one way throughout.
                    let day = subdirs(&r, "year")
                        .into_iter()
                        .flat_map(|(_, y)| subdirs(&y, "month"))
                        .flat_map(|(_, m)| subdirs(&m, "day"))
                        .next();
                    if let Some((_, d)) = day {
                        info.hour = !subdirs(&d, "hour").is_empty();
                    }
                }
            }
        }
    }
    info.regions.sort();
    Ok(info)
}

/// Register `vpc_flow_logs` over the lake at `root` (the folder `flowlake convert --out`
/// wrote, holding `AWSLogs/`), limited to `window`.
///
/// The table is declared with the canonical 54-column schema, so files that hold fewer
/// columns (AWS-delivered Parquet has only its format's fields) read the others as NULL,
/// and the partition columns of AWS's layout, so filters on them skip folders before any
/// file is opened. The window is such a filter, applied to every query.
pub async fn register_lake(
    ctx: &SessionContext,
    root: &Path,
    window: &TimeWindow,
) -> Result<LakeInfo> {
    let info = inspect(root)?;
    let partitions: Vec<(String, DataType)> = PARTITION_COLUMNS
        .iter()
        .filter(|c| info.hour || **c != "hour")
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
    let table: Arc<dyn TableProvider> = Arc::new(ListingTable::try_new(config)?);
    let table = match window.predicate(info.hour) {
        None => table,
        Some(predicate) => {
            let df = ctx.read_table(table)?;
            let filter = df.parse_sql_expr(&predicate)?;
            df.filter(filter)?.into_view()
        }
    };
    ctx.deregister_table(TABLE)?;
    ctx.register_table(TABLE, table)?;
    Ok(info)
}
