//! `flowlake export ocsf`: a lake's records as OCSF Network Activity in a Security Lake
//! custom source's layout, committed like the lake itself.
//!
//! The output is a Delta table rooted at `OUT/ext/<source>/` (its log in `_delta_log/`),
//! partitioned `region=/accountId=/eventDay=` as Security Lake's Glue tables expect, so
//! Security Lake and Athena read the folders and Delta readers (flowlake, Spark, DuckDB)
//! read committed snapshots. An export rewrites whole `eventDay` partitions: the window is
//! widened to whole UTC days, and each commit removes the partitions' previous files and
//! adds the new ones atomically, so exporting the same days again never duplicates a row.
//!
//! The protocol, one export at a time per output (an OS lock on
//! `_flowlake/export.lock`, released by the kernel when the process dies):
//!
//! 1. finish what a killed export left: a pending record whose commit is in the log has
//!    its replaced files deleted; one whose commit is not has its new files deleted;
//! 2. write each partition's file complete under `_flowlake/staging/<run>/`;
//! 3. write `_flowlake/pending/<run>.json` (the files to add, the files they replace);
//! 4. move the files into their partition folders;
//! 5. one Delta commit: `remove` the replaced files, `add` the new ones;
//! 6. delete the replaced files, the pending record and the staging folder.
//!
//! Between 4 and 6 a folder reader (Athena over the Glue table) can see a partition's old
//! and new files together; Delta readers never do.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde::{Deserialize, Serialize};

use crate::ocsf;

/// What can go wrong in an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Query(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error(transparent)]
    Table(#[from] flowlake_table::TableError),
    #[error(transparent)]
    Store(#[from] flowlake_query::QueryError),
}

type Result<T, E = ExportError> = std::result::Result<T, E>;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The output folder (`ext/<source>/` is created in it).
    pub out: PathBuf,
    /// The custom source's name.
    pub source: String,
    /// OCSF version, one of [`ocsf::VERSIONS`].
    pub version: String,
    /// First and last second (exclusive) of the window; widened to whole UTC days.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// The lake's data files per OCSF partition (see [`source_files`]), when the lake has a
    /// table log: recorded with each exported partition, and a partition whose files are
    /// those it was last exported from is skipped (unless `force`). `None` (a lake without
    /// a table log): every partition in the window is exported.
    pub sources: Option<SourceFiles>,
    /// Export every partition in the window, even unchanged ones.
    pub force: bool,
    /// The lake's identity (its canonical location): an output holds the export of one
    /// lake, since a second one's days would replace the first's.
    pub lake: String,
}

/// The key of an OCSF partition: region, account, day (`YYYYMMDD`).
pub type PartitionKey = [Option<String>; 3];

/// The lake's data files of each OCSF partition, sorted.
pub type SourceFiles = HashMap<PartitionKey, Vec<String>>;

/// The data files of the lake's latest snapshot, by the OCSF partition their rows go to
/// (`None` for a lake without a table log, such as AWS's own Parquet delivery).
pub async fn source_files(
    lake: &flowlake_query::Location,
    s3: &flowlake_query::S3Options,
) -> Result<Option<SourceFiles>> {
    let opened = flowlake_store::Opened::open(lake, s3)
        .await
        .map_err(|e| ExportError::Invalid(format!("{lake}: {e}")))?;
    let Some(log) = flowlake_table::Lake::open(&opened).await? else {
        return Ok(None);
    };
    let mut out: SourceFiles = HashMap::new();
    // Partition values: aws-account-id, aws-service, aws-region, year, month, day[, hour].
    for f in log.files()? {
        let p = &f.partition;
        let day = match (p.get(3), p.get(4), p.get(5)) {
            (Some(Some(y)), Some(Some(m)), Some(Some(d))) => Some(format!("{y}{m}{d}")),
            _ => None,
        };
        let key = [
            p.get(2).cloned().flatten(),
            p.first().cloned().flatten(),
            day,
        ];
        out.entry(key).or_default().push(f.path);
    }
    for files in out.values_mut() {
        files.sort();
    }
    Ok(Some(out))
}

/// What each partition was last exported from (`_flowlake/exported.json`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Exported {
    /// The lake exported (see [`ExportOptions::lake`]).
    #[serde(default)]
    lake: Option<String>,
    /// `region\u{1f}account\u{1f}day` (an absent value is empty) to the OCSF version and
    /// the lake's files.
    partitions: std::collections::BTreeMap<String, (String, Vec<String>)>,
}

fn state_key(key: &[Option<String>]) -> String {
    key.iter()
        .map(|v| v.as_deref().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// What an export did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportSummary {
    /// `OUT/ext/<source>`
    pub table: PathBuf,
    pub records: u64,
    pub files: usize,
    /// Partitions (region, account, day) written.
    pub partitions: usize,
    /// Files of earlier exports replaced.
    pub replaced: usize,
    /// Table version committed (`None`: nothing in the window).
    pub version: Option<i64>,
    /// Pending records of killed exports finished.
    pub recovered: usize,
    /// Partitions skipped: the lake's files for them are those they were exported from.
    pub unchanged: usize,
}

/// A pending export commit, as written to `_flowlake/pending/<id>.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    id: String,
    /// New files, relative to the table root.
    add: Vec<String>,
    /// Files they replace, relative to the table root.
    remove: Vec<String>,
}

/// `[A-Za-z0-9_-]{1,64}`: what Security Lake takes as a custom source name.
pub fn check_source(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ExportError::Invalid(format!(
            "--source {name:?}: a Security Lake source name is 1 to 64 letters, digits, '-' or '_'"
        )))
    }
}

/// The day-aligned window: `since` down to its midnight, `until` up to the next one.
pub fn whole_days(since: Option<i64>, until: Option<i64>) -> (Option<i64>, Option<i64>) {
    const DAY: i64 = 86_400;
    (
        since.map(|s| s - s.rem_euclid(DAY)),
        until.map(|u| {
            let r = u.rem_euclid(DAY);
            if r == 0 { u } else { u - r + DAY }
        }),
    )
}

/// The WHERE condition of the widened window: the lake's day partitions in it. Days are
/// chosen by partition, never by `start`: a day is what an export replaces, so all of its
/// records go in, whatever their `start` (NULL, or on another day, as in AWS's own Parquet
/// delivery, partitioned by delivery time).
fn window_filter(since: Option<i64>, until: Option<i64>) -> String {
    let day = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .format("%Y%m%d")
            .to_string()
    };
    let mut parts = vec!["TRUE".to_string()];
    if let Some(s) = since {
        parts.push(format!(
            "concat(\"year\", \"month\", \"day\") >= '{}'",
            day(s)
        ));
    }
    if let Some(u) = until {
        parts.push(format!(
            "concat(\"year\", \"month\", \"day\") <= '{}'",
            day(u - 1)
        ));
    }
    parts.join(" AND ")
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Partitions of at most this many records are sorted in one piece; larger ones an hour
/// at a time (a sort holds its input: about 800 MB for 320,000 OCSF rows).
const SORT_IN_ONE: i64 = 200_000;

/// The first second of a `YYYYMMDD` day, UTC.
fn day_start(day: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(day, "%Y%m%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

/// A partition value as a folder name segment (Hive's default partition for none).
///
/// Characters other than letters, digits, `-`, `_` and `.` are escaped as Hive escapes
/// them (`%3D` for `=`), so Hive readers (Athena, DuckDB, Spark) read the value back.
fn segment(column: &str, value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() && v != "." && v != ".." => {
            let mut escaped = String::with_capacity(v.len());
            for b in v.bytes() {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    escaped.push(b as char);
                } else {
                    let _ = std::fmt::Write::write_fmt(&mut escaped, format_args!("%{b:02X}"));
                }
            }
            format!("{column}={escaped}")
        }
        _ => format!("{column}={}", flowlake_table::HIVE_DEFAULT_PARTITION),
    }
}

/// Export the records of `vpc_flow_logs` (registered on `ctx` over the whole lake) in the
/// window of `options`.
pub async fn export(ctx: &SessionContext, options: &ExportOptions) -> Result<ExportSummary> {
    check_source(&options.source)?;
    if !ocsf::VERSIONS.contains(&options.version.as_str()) {
        return Err(ExportError::Invalid(format!(
            "--ocsf-version {}: one of {}",
            options.version,
            ocsf::VERSIONS.join(", ")
        )));
    }
    let root = options.out.join("ext").join(&options.source);
    let meta = root.join("_flowlake");
    std::fs::create_dir_all(&meta).map_err(io(&meta))?;
    let lock_path = meta.join("export.lock");
    let lock = File::create(&lock_path).map_err(io(&lock_path))?;
    if lock.try_lock().is_err() {
        return Err(ExportError::Invalid(format!(
            "{}: another export is writing this output; wait for it to finish",
            root.display()
        )));
    }
    let location = flowlake_query::Location::Local(root.clone());
    let opened = flowlake_store::Opened::open(&location, &flowlake_query::S3Options::default())
        .await
        .map_err(|e| ExportError::Invalid(format!("{}: {e}", root.display())))?;

    let (since, until) = whole_days(options.since, options.until);
    let filter = window_filter(since, until);
    let select = ocsf::select_sql(&options.version, &filter);
    let df = ctx.sql(&format!("{select} LIMIT 0")).await?;
    let selected: Arc<datafusion::arrow::datatypes::Schema> =
        Arc::new(df.schema().as_arrow().clone());
    let schema = ocsf::file_schema(&selected);

    let mut summary = ExportSummary {
        table: root.clone(),
        ..ExportSummary::default()
    };
    let existing = flowlake_table::export::ExportTable::open(&opened).await?;
    summary.recovered = recover(&root, &meta, existing.as_ref()).await?;

    // The partitions in the window.
    let keys_sql = format!(
        "SELECT coalesce(\"aws-region\", region) AS r, \"aws-account-id\" AS a, \
         concat(\"year\", \"month\", \"day\") AS d, count(*) AS n \
         FROM vpc_flow_logs WHERE {filter} GROUP BY 1, 2, 3 ORDER BY d, r, a"
    );
    let keys = ctx.sql(&keys_sql).await?.collect().await?;
    let mut partitions: Vec<[Option<String>; 3]> = Vec::new();
    let mut sizes: HashMap<PartitionKey, i64> = HashMap::new();
    for b in &keys {
        let counts = datafusion::arrow::compute::cast(
            b.column(3),
            &datafusion::arrow::datatypes::DataType::Int64,
        )
        .map_err(datafusion::error::DataFusionError::from)?;
        let counts = counts
            .as_any()
            .downcast_ref::<datafusion::arrow::array::Int64Array>()
            .cloned();
        // Whatever string type the engine gives (plain, view): as plain strings.
        let col = |i: usize| {
            datafusion::arrow::compute::cast(
                b.column(i),
                &datafusion::arrow::datatypes::DataType::Utf8,
            )
            .ok()
            .and_then(|a| a.as_any().downcast_ref::<StringArray>().cloned())
        };
        let (Some(r), Some(a), Some(d)) = (col(0), col(1), col(2)) else {
            continue;
        };
        for i in 0..b.num_rows() {
            let v = |x: &StringArray| x.is_valid(i).then(|| x.value(i).to_string());
            let key = [v(&r), v(&a), v(&d)];
            sizes.insert(key.clone(), counts.as_ref().map_or(0, |c| c.value(i)));
            partitions.push(key);
        }
    }
    let state_path = meta.join("exported.json");
    let mut state: Exported = match std::fs::read(&state_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => Exported::default(),
    };
    if let Some(other) = state.lake.as_ref().filter(|l| **l != options.lake) {
        return Err(ExportError::Invalid(format!(
            "{}: holds the export of the lake {other}, not of {}; its days would be replaced by this lake's: export each lake to an output of its own",
            root.display(),
            options.lake
        )));
    }
    if let (Some(sources), Some(table)) = (
        options.sources.as_ref().filter(|_| !options.force),
        existing.as_ref(),
    ) {
        let exported: std::collections::HashSet<String> = table
            .files()?
            .iter()
            .map(|f| state_key(&f.partition))
            .collect();
        let before = partitions.len();
        partitions.retain(|k| {
            let key = state_key(k);
            !(exported.contains(&key)
                && state.partitions.get(&key).is_some_and(|(v, files)| {
                    *v == options.version && sources.get(k).is_some_and(|s| s == files)
                }))
        });
        summary.unchanged = before - partitions.len();
    }
    if partitions.is_empty() {
        return Ok(summary);
    }
    // The table is created by the first export that has something to write.
    let mut table =
        match existing {
            Some(t) => t,
            None => flowlake_table::export::ExportTable::open_or_create(
                &opened,
                "ocsf_network_activity",
                "Amazon VPC Flow Logs as OCSF Network Activity (class 4001), exported by flowlake",
                &schema,
                &ocsf::PARTITION_COLUMNS,
            )
            .await?,
        };

    let run = uuid::Uuid::new_v4().simple().to_string();
    let staging = meta.join("staging").join(&run);
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(ocsf::ROW_GROUP_ROWS))
        .set_data_page_size_limit(ocsf::PAGE_BYTES)
        .set_statistics_enabled(EnabledStatistics::Page)
        .build();
    let mut added: Vec<flowlake_table::DataFile> = Vec::new();
    for key in &partitions {
        let cond = |expr: &str, v: &Option<String>| match v {
            Some(v) => format!("{expr} = {}", sql_string(v)),
            None => format!("{expr} IS NULL"),
        };
        let where_ = format!(
            "{filter} AND {} AND {} AND {}",
            cond("coalesce(\"aws-region\", region)", &key[0]),
            cond("\"aws-account-id\"", &key[1]),
            cond("concat(\"year\", \"month\", \"day\")", &key[2]),
        );
        // A large day is sorted an hour at a time (then the records without a start), so a
        // sort holds one hour of records, not a day's: the slices are disjoint and in
        // order, so the file is sorted by time all the same.
        // Records of the day partition that start on another day come before or after.
        let big = sizes.get(key).copied().unwrap_or(i64::MAX) > SORT_IN_ONE;
        let slices: Vec<String> = match key[2].as_deref().and_then(day_start).filter(|_| big) {
            Some(day) => std::iter::once(format!("\"start\" < {day}"))
                .chain((0..24).map(|h| {
                    let from = day + h * 3600;
                    format!("\"start\" >= {from} AND \"start\" < {}", from + 3600)
                }))
                .chain([
                    format!("\"start\" >= {}", day + 86_400),
                    "\"start\" IS NULL".to_string(),
                ])
                .collect(),
            None => vec!["TRUE".to_string()],
        };
        let relative = format!(
            "{}/{}/{}/{}.parquet",
            segment("region", key[0].as_deref()),
            segment("accountId", key[1].as_deref()),
            segment("eventDay", key[2].as_deref()),
            uuid::Uuid::new_v4().simple()
        );
        let staged = staging.join(&relative);
        if let Some(dir) = staged.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let file = File::create(&staged).map_err(io(&staged))?;
        let mut writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(props.clone()))?;
        let mut rows = 0u64;
        for slice in &slices {
            let sql = format!(
                "{} ORDER BY time, start_time, end_time",
                ocsf::select_sql(&options.version, &format!("{where_} AND {slice}"))
            );
            let mut stream = ctx.sql(&sql).await?.execute_stream().await?;
            while let Some(batch) = stream.next().await {
                let batch: RecordBatch = batch?;
                rows += batch.num_rows() as u64;
                writer.write(&ocsf::finish(&batch, &schema)?)?;
            }
        }
        let file = writer.into_inner()?;
        file.sync_all().map_err(io(&staged))?;
        let size = file.metadata().map_err(io(&staged))?.len();
        summary.records += rows;
        added.push(flowlake_table::DataFile {
            path: relative,
            size,
            modified: chrono::Utc::now().timestamp_millis(),
            partition: key.to_vec(),
            rows: Some(rows),
            // OCSF rows have no `start`/`end` columns.
            time: None,
        });
    }

    // What the new files replace: every file of their partitions.
    let written: std::collections::HashSet<&[Option<String>]> =
        added.iter().map(|f| f.partition.as_slice()).collect();
    let replaced: Vec<flowlake_table::DataFile> = table
        .files()?
        .into_iter()
        .filter(|f| written.contains(f.partition.as_slice()))
        .collect();
    let pending = Pending {
        id: run.clone(),
        add: added.iter().map(|f| f.path.clone()).collect(),
        remove: replaced.iter().map(|f| f.path.clone()).collect(),
    };
    let pending_dir = meta.join("pending");
    std::fs::create_dir_all(&pending_dir).map_err(io(&pending_dir))?;
    let record = pending_dir.join(format!("{run}.json"));
    write_synced(
        &record,
        &serde_json::to_vec(&pending).expect("a pending record serializes"),
    )?;
    for f in &added {
        let to = root.join(&f.path);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::rename(staging.join(&f.path), &to).map_err(io(&to))?;
    }
    let mut info = HashMap::new();
    info.insert(
        "flowlake".to_string(),
        serde_json::json!({"operation": "export ocsf", "ocsf_version": options.version,
                           "records": summary.records}),
    );
    match table.replace(&run, &added, &replaced, info).await? {
        flowlake_table::Committed::Version(v) => summary.version = Some(v),
        flowlake_table::Committed::Conflict(why) => {
            for f in &added {
                let _ = std::fs::remove_file(root.join(&f.path));
            }
            let _ = std::fs::remove_file(&record);
            return Err(ExportError::Invalid(format!(
                "{}: the export could not be committed ({why}); nothing was changed",
                root.display()
            )));
        }
    }
    for f in &replaced {
        let p = root.join(&f.path);
        if let Err(e) = std::fs::remove_file(&p)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(io(&p)(e));
        }
    }
    std::fs::remove_file(&record).map_err(io(&record))?;
    let _ = std::fs::remove_dir_all(&staging);
    // What the partitions were exported from. Written after the commit: a run killed
    // before this exports them again next time, which replaces them with the same rows.
    state.lake = Some(options.lake.clone());
    for key in &partitions {
        let files = options
            .sources
            .as_ref()
            .and_then(|s| s.get(key).cloned())
            .unwrap_or_default();
        state
            .partitions
            .insert(state_key(key), (options.version.clone(), files));
    }
    write_synced(
        &state_path,
        &serde_json::to_vec(&state).expect("the export state serializes"),
    )?;
    summary.files = added.len();
    summary.partitions = partitions.len();
    summary.replaced = replaced.len();
    drop(lock);
    Ok(summary)
}

/// Finish the pending records of killed exports (see the module's protocol). Returns how
/// many there were.
async fn recover(
    root: &Path,
    meta: &Path,
    table: Option<&flowlake_table::export::ExportTable>,
) -> Result<usize> {
    let dir = meta.join("pending");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.map_err(io(&dir))?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("tmp") {
            // A record killed before it was renamed into place: its run never published.
            let _ = std::fs::remove_file(&path);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read(&path).map_err(io(&path))?;
        let Ok(pending) = serde_json::from_slice::<Pending>(&text) else {
            return Err(ExportError::Invalid(format!(
                "{}: a pending export record that cannot be read; remove it to go on",
                path.display()
            )));
        };
        let committed = match table {
            Some(t) => t.is_committed(&pending.id).await?,
            None => false,
        };
        let doomed = if committed {
            &pending.remove
        } else {
            &pending.add
        };
        for f in doomed {
            let p = root.join(f);
            if let Err(e) = std::fs::remove_file(&p)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(io(&p)(e));
            }
        }
        std::fs::remove_file(&path).map_err(io(&path))?;
        let _ = std::fs::remove_dir_all(meta.join("staging").join(&pending.id));
        n += 1;
    }
    // Staging folders of killed exports that never wrote a pending record.
    if let Ok(entries) = std::fs::read_dir(meta.join("staging")) {
        for e in entries.flatten() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    Ok(n)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    std::io::Write::write_all(&mut f, bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_widen_to_whole_days() {
        let day = 1_772_323_200; // 2026-03-01T00:00:00Z
        assert_eq!(
            whole_days(Some(day + 3600), Some(day + 7200)),
            (Some(day), Some(day + 86_400))
        );
        assert_eq!(
            whole_days(Some(day), Some(day + 86_400)),
            (Some(day), Some(day + 86_400))
        );
        assert_eq!(whole_days(None, None), (None, None));
        assert_eq!(day_start("20260301"), Some(day));
        assert_eq!(day_start("2026-03-01"), None);
    }

    #[test]
    fn partition_values_are_escaped_as_hive_escapes_them() {
        assert_eq!(segment("region", Some("us-east-1")), "region=us-east-1");
        assert_eq!(
            segment("region", Some("weird=reg%ion")),
            "region=weird%3Dreg%25ion"
        );
        assert_eq!(segment("accountId", Some("a/b")), "accountId=a%2Fb");
        assert_eq!(
            segment("eventDay", None),
            "eventDay=__HIVE_DEFAULT_PARTITION__"
        );
    }

    #[test]
    fn source_names_are_security_lakes() {
        assert!(check_source("flowlake_vpc_flow").is_ok());
        assert!(check_source("a-b_1").is_ok());
        for bad in ["", "a/b", "x y", &"a".repeat(65)] {
            assert!(check_source(bad).is_err(), "{bad:?}");
        }
    }
}
