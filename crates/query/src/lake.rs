//! The `vpc_flow_logs` table over a lake in AWS's Hive-compatible layout.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::{SessionConfig, SessionContext};
use flowlake_store::object_store::ObjectStore;
use flowlake_store::object_store::path::Path;
use flowlake_store::{Location, Opened, S3Options, StoreError};
use flowlake_table::Lake;

use crate::error::{QueryError, Result};
use crate::window::TimeWindow;

/// Name of the table every query and hunt reads.
pub const TABLE: &str = "vpc_flow_logs";

/// Name of the transit gateway flow-log table (empty when the lake holds none).
pub const TGW_TABLE: &str = "tgw_flow_logs";

/// Partition columns of the layout, outermost first. `hour` only in per-hour lakes.
pub const PARTITION_COLUMNS: &[&str] = &flowlake_table::PARTITION_COLUMNS;

/// DataFusion's setting for when a first, per-thread aggregation is given up.
const SKIP_PARTIAL: &str = "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold";

/// DataFusion's setting for where `ORDER BY` puts NULLs when the query does not say.
const NULL_ORDERING: &str = "datafusion.sql_parser.default_null_ordering";

/// A DataFusion session with flowlake's functions registered and no table yet.
///
/// DataFusion's own settings can be given as `DATAFUSION_*` environment variables; one
/// DataFusion cannot read is an error.
pub fn session() -> Result<SessionContext> {
    // DataFusion's settings from `DATAFUSION_*` variables (for example
    // `DATAFUSION_EXECUTION_TARGET_PARTITIONS=4`), then flowlake's own.
    let mut config = SessionConfig::from_env()
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
        );
    // Hunts group by address pairs and triples: hundreds of thousands of groups that the
    // first, per-thread aggregation shrinks by less than half. When its first 100,000 rows
    // hold more than 0.3 groups per row, rows go straight to the final aggregation
    // instead of through two hash tables (DataFusion's default gives up only above 0.8;
    // docs/benchmarks.md, "What the numbers led to"). A `DATAFUSION_*` variable wins.
    if std::env::var_os("DATAFUSION_EXECUTION_SKIP_PARTIAL_AGGREGATION_PROBE_RATIO_THRESHOLD")
        .is_none()
    {
        config = config.set_str(SKIP_PARTIAL, "0.3");
    }
    // Athena (Trino) sorts NULLs last in both directions; DataFusion's default (Postgres's)
    // puts them first in `DESC`, so every top-N over bytes would start with the NODATA
    // records' NULL row.
    if std::env::var_os("DATAFUSION_SQL_PARSER_DEFAULT_NULL_ORDERING").is_none() {
        config = config.set_str(NULL_ORDERING, "nulls_last");
    }
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
    /// The first second of the earliest time partition and the end of the latest (Unix
    /// seconds), when the table log lists the files.
    pub span: Option<(i64, i64)>,
}

fn store_error(e: impl std::fmt::Display) -> QueryError {
    QueryError::Store(e.to_string())
}

/// The sub-folders `key=value` of `dir`: values and paths, sorted.
async fn subdirs(
    (store, base): (&dyn ObjectStore, &str),
    dir: &Path,
    key: &str,
) -> Result<Vec<(String, Path)>> {
    let listing = match store.list_with_delimiter(Some(dir)).await {
        Ok(l) => l,
        Err(e) if flowlake_store::is_not_found(&e) => return Ok(Vec::new()),
        Err(e) => {
            return Err(store_error(flowlake_store::explain(
                &e,
                &format!("{base}{dir}"),
            )));
        }
    };
    let prefix = format!("{key}=");
    let mut out: Vec<(String, Path)> = listing
        .common_prefixes
        .into_iter()
        .filter_map(|p| {
            let value = p.filename()?.strip_prefix(&prefix)?.to_string();
            Some((value, p))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Read the lake's partition folders: accounts, regions, and whether it has `hour=`.
pub async fn inspect(lake: &Location, s3: &S3Options) -> Result<LakeInfo> {
    let opened = open(lake, s3).await?;
    inspect_opened(&opened).await
}

/// [`inspect`] of the table of `kind`: the lake itself, or its transit gateway table.
pub async fn inspect_table(
    lake: &Location,
    s3: &S3Options,
    kind: flowlog::RecordKind,
) -> Result<LakeInfo> {
    let opened = open(lake, s3).await?;
    match flowlake_table::table_dir(kind) {
        None => inspect_opened(&opened).await,
        Some(dir) => inspect_opened(&opened.child(dir)).await,
    }
}

async fn open(lake: &Location, s3: &S3Options) -> Result<Opened> {
    if let Location::Local(path) = lake
        && !path.exists()
    {
        return Err(QueryError::NoSuchLake(lake.to_string()));
    }
    match Opened::open(lake, s3).await {
        Ok(o) => Ok(o),
        Err(StoreError::Request { .. }) if !lake.is_s3() => {
            Err(QueryError::NotALake(lake.to_string()))
        }
        Err(e) => Err(store_error(e)),
    }
}

async fn inspect_opened(opened: &Opened) -> Result<LakeInfo> {
    if let Some(lake) = Lake::open(opened).await.map_err(store_error)? {
        return info_of(&lake);
    }
    inspect_folders(opened).await
}

/// What a table log's snapshot says about the lake.
fn info_of(lake: &Lake) -> Result<LakeInfo> {
    let mut info = LakeInfo {
        hour: lake.partition_by() == flowlake_table::PartitionBy::Hour,
        ..LakeInfo::default()
    };
    let bucket = lake.partition_by().bucket_seconds();
    for file in lake.files().map_err(store_error)? {
        if let Some(t) = crate::prune::partition_start(&file.partition) {
            let (first, last) = info.span.get_or_insert((t, t + bucket));
            *first = (*first).min(t);
            *last = (*last).max(t + bucket);
        }
        // Partition values in the order of the columns: account, service, region, ...
        if let Some(Some(account)) = file.partition.first()
            && !info.accounts.contains(account)
        {
            info.accounts.push(account.clone());
        }
        if let Some(Some(region)) = file.partition.get(2)
            && !info.regions.contains(region)
        {
            info.regions.push(region.clone());
        }
    }
    info.accounts.sort();
    info.regions.sort();
    Ok(info)
}

/// A folder without a table log must hold Parquet files under `AWSLogs/` to be queried:
/// raw text logs (a delivery folder given as the lake) or nothing at all would query as
/// zero rows, a false all-clear. Stops at the first Parquet file found.
async fn check_data_files(opened: &Opened) -> Result<()> {
    use futures::StreamExt;
    let logs = opened.prefix.clone().join("AWSLogs");
    let mut listing = opened.store.list(Some(&logs));
    let mut other = false;
    while let Some(meta) = listing.next().await {
        let meta = meta
            .map_err(|e| store_error(flowlake_store::explain(&e, &opened.location.to_string())))?;
        let hidden = meta
            .location
            .prefix_match(&logs)
            .is_some_and(|mut parts| parts.any(|p| p.as_ref().starts_with(['.', '_'])));
        if hidden {
            continue;
        }
        if meta.location.as_ref().ends_with(".parquet") {
            return Ok(());
        }
        other = true;
    }
    Err(if other {
        QueryError::RawLogs(opened.location.to_string())
    } else {
        QueryError::EmptyLake(opened.location.to_string())
    })
}

/// A lake without a table log (AWS's own Parquet delivery): what its folders say.
async fn inspect_folders(opened: &Opened) -> Result<LakeInfo> {
    // Where store paths are, for messages: the bucket, or the file system's root.
    let base = match &opened.location {
        Location::S3 { bucket, .. } => format!("s3://{bucket}/"),
        Location::Local(_) => "/".to_string(),
    };
    let store = (opened.store.as_ref(), base.as_str());
    let logs = opened.prefix.clone().join("AWSLogs");
    let accounts = subdirs(store, &logs, "aws-account-id").await?;
    if accounts.is_empty() {
        // Raw logs in AWS's plain layout (`AWSLogs/<account>/vpcflowlogs/...`) say so.
        if let Err(e @ QueryError::RawLogs(_)) = check_data_files(opened).await {
            return Err(e);
        }
        return Err(QueryError::NotALake(opened.location.to_string()));
    }
    let mut info = LakeInfo::default();
    for (account, a) in accounts {
        info.accounts.push(account);
        for (_, s) in subdirs(store, &a, "aws-service").await? {
            for (region, r) in subdirs(store, &s, "aws-region").await? {
                if !info.regions.contains(&region) {
                    info.regions.push(region);
                }
                if !info.hour {
                    // One day folder tells: a lake is partitioned one way throughout.
                    let mut dir = r;
                    for level in ["year", "month", "day"] {
                        match subdirs(store, &dir, level).await?.into_iter().next() {
                            Some((_, d)) => dir = d,
                            None => break,
                        }
                    }
                    if dir.filename().is_some_and(|n| n.starts_with("day=")) {
                        let d = dir;
                        info.hour = !subdirs(store, &d, "hour").await?.is_empty();
                    }
                }
            }
        }
    }
    info.regions.sort();
    Ok(info)
}

/// Register `vpc_flow_logs` over the lake at `lake` (the folder or S3 prefix
/// `flowlake convert --out` wrote, holding `AWSLogs/`), limited to `window`, with S3
/// settings from the environment.
pub async fn register_lake(
    ctx: &SessionContext,
    lake: impl Into<Location>,
    window: &TimeWindow,
) -> Result<LakeInfo> {
    register_lake_with(ctx, &lake.into(), &S3Options::default(), window).await
}

/// [`register_lake`] with S3 settings.
///
/// The table is declared with the canonical 54-column schema, so files that hold fewer
/// columns (AWS-delivered Parquet has only its format's fields) read the others as NULL,
/// and the partition columns of AWS's layout, so filters on them skip files before any
/// is opened. The window is such a filter, applied to every query.
///
/// A lake with a table log is read one committed snapshot per statement (see
/// `snapshot.rs`); a folder without one (AWS's own Parquet delivery) is listed.
pub async fn register_lake_with(
    ctx: &SessionContext,
    lake: &Location,
    s3: &S3Options,
    window: &TimeWindow,
) -> Result<LakeInfo> {
    let opened = open(lake, s3).await?;
    // A lake with its own table log is a converted lake, unless it is an OCSF source
    // itself (`.../ext/<source>`); without one it may be an OCSF output.
    let in_ext = opened
        .location
        .to_string()
        .trim_end_matches('/')
        .rsplit('/')
        .nth(1)
        == Some(crate::ocsf::EXT_DIR);
    if (in_ext || !Lake::exists(&opened).await.map_err(store_error)?)
        && let Some(source) = crate::ocsf::find_source(&opened).await?
    {
        // An OCSF lake (`flowlake export ocsf`): `vpc_flow_logs` is a view over it.
        let info = crate::ocsf::register(ctx, &source, window).await?;
        register_empty_tgw(ctx, false)?;
        return Ok(info);
    }
    let (store_url, table_url) = match &opened.location {
        Location::S3 { bucket, .. } => (
            format!("s3://{bucket}"),
            format!("s3://{bucket}/{}/", opened.prefix.clone().join("AWSLogs")),
        ),
        Location::Local(_) => (
            "file://".to_string(),
            format!("/{}/", opened.prefix.clone().join("AWSLogs")),
        ),
    };
    let store_url = ObjectStoreUrl::parse(store_url)?;
    ctx.runtime_env()
        .register_object_store(store_url.as_ref(), Arc::clone(&opened.store));
    let (info, table): (LakeInfo, Arc<dyn TableProvider>) =
        match Lake::open(&opened).await.map_err(store_error)? {
            Some(log) => {
                let info = info_of(&log)?;
                let table = crate::snapshot::SnapshotTable::new(
                    log,
                    flowlog::RecordKind::Vpc,
                    store_url.clone(),
                    opened.prefix.clone(),
                );
                (info, Arc::new(table))
            }
            None => {
                let info = inspect_folders(&opened).await?;
                check_data_files(&opened).await?;
                let partitions: Vec<(String, DataType)> = PARTITION_COLUMNS
                    .iter()
                    .filter(|c| info.hour || **c != "hour")
                    .map(|c| ((*c).to_string(), DataType::Utf8))
                    .collect();
                let url = ListingTableUrl::parse(table_url)?;
                let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                    .with_file_extension(".parquet")
                    .with_table_partition_cols(partitions);
                let config = ListingTableConfig::new(url.clone())
                    .with_listing_options(options)
                    .with_schema(flowlog::schema());
                (info, Arc::new(ListingTable::try_new(config)?))
            }
        };
    let windowed = |table: Arc<dyn TableProvider>| -> Result<Arc<dyn TableProvider>> {
        Ok(match window.predicate(info.hour) {
            None => table,
            Some(predicate) => {
                let df = ctx.read_table(table)?;
                let filter = df.parse_sql_expr(&predicate)?;
                df.filter(filter)?.into_view()
            }
        })
    };
    ctx.deregister_table(TABLE)?;
    ctx.register_table(TABLE, windowed(table)?)?;

    // `tgw_flow_logs`: the lake's transit gateway table, else an empty one (so queries
    // and hunts over it run, and find nothing).
    let tgw_root = opened.child(flowlake_table::TGW_TABLE_DIR);
    let tgw: Arc<dyn TableProvider> = match Lake::open(&tgw_root).await.map_err(store_error)? {
        Some(log) => Arc::new(crate::snapshot::SnapshotTable::new(
            log,
            flowlog::RecordKind::TransitGateway,
            store_url,
            tgw_root.prefix.clone(),
        )),
        None => empty_tgw(info.hour)?,
    };
    ctx.deregister_table(TGW_TABLE)?;
    ctx.register_table(TGW_TABLE, windowed(tgw)?)?;
    Ok(info)
}

/// An empty `tgw_flow_logs` (a lake without transit gateway records), so queries and hunts
/// over it run and find nothing.
fn empty_tgw(hour: bool) -> Result<Arc<dyn TableProvider>> {
    let fields: Vec<datafusion::arrow::datatypes::FieldRef> = flowlog::RecordKind::TransitGateway
        .schema()
        .fields()
        .iter()
        .cloned()
        .chain(
            PARTITION_COLUMNS
                .iter()
                .filter(|c| hour || **c != "hour")
                .map(|c| {
                    Arc::new(datafusion::arrow::datatypes::Field::new(
                        *c,
                        DataType::Utf8,
                        true,
                    ))
                }),
        )
        .collect();
    let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(fields));
    Ok(Arc::new(datafusion::datasource::MemTable::try_new(
        schema,
        vec![vec![]],
    )?))
}

fn register_empty_tgw(ctx: &SessionContext, hour: bool) -> Result<()> {
    ctx.deregister_table(TGW_TABLE)?;
    ctx.register_table(TGW_TABLE, empty_tgw(hour)?)?;
    Ok(())
}
