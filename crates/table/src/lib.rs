//! The table log of a lake: a Delta Lake table (delta-rs) whose data files stay in AWS's
//! Hive-compatible layout under `AWSLogs/`.
//!
//! The log (`_delta_log/` at the lake's root) is what says which files a lake holds. Delta
//! readers (Athena's Delta tables, Spark, Trino, DuckDB, Polars, DataFusion, flowlake)
//! read one committed snapshot; plain Hive readers read the folders. Each commit is one
//! atomic conditional write (create-if-absent on disk and on S3), so any number of
//! writers can commit to one lake, and Delta's conflict checks decide what a writer that
//! lost a race may still commit:
//!
//! - converted inputs are recorded as application transactions (`txn`: application id =
//!   the input, version = its size as converted) in the same commit as their rows; two
//!   commits naming the same input conflict, so an input lands once;
//! - each commit also carries a `txn` of its own id, so rolling forward an interrupted
//!   commit twice is detected as done;
//! - a compaction removes the files it replaced in the commit that adds their rewrite;
//!   two compactions removing the same file conflict.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use flowlake_store::{Location, Opened, S3Options};
//! let opened = Opened::open(&Location::parse("lake")?, &S3Options::default()).await?;
//! if let Some(lake) = flowlake_table::Lake::open(&opened).await? {
//!     println!("version {}: {} files", lake.version(), lake.files()?.len());
//! }
//! # Ok(()) }
//! ```

mod apps;
pub mod export;
mod scheme;

use std::collections::HashMap;
use std::sync::Arc;

use deltalake_core::kernel::transaction::{
    CommitBuilder, CommitConflictError, CommitProperties, TransactionError,
};
use deltalake_core::kernel::{Action, Add, Remove, Transaction};
use deltalake_core::logstore::{LogStoreRef, StorageConfig, default_logstore};
use deltalake_core::operations::create::CreateBuilder;
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use deltalake_core::{DeltaTable, DeltaTableError};
use flowlake_store::{Location, Opened};
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::prefix::PrefixStore;

pub use flowlog::RecordKind;
pub use scheme::{
    HIVE_DEFAULT_PARTITION, PARTITION_COLUMNS, PartitionBy, TGW_TABLE_DIR, partition_of, table_dir,
};

/// The folder of the table log, at the lake's root.
pub const LOG_DIR: &str = "_delta_log";
/// Prefix of the application ids that record converted inputs; the rest is the input's
/// location.
pub const INPUT_APP_PREFIX: &str = "flowlake-input:";
/// Prefix of the application id each commit records about itself.
pub const COMMIT_APP_PREFIX: &str = "flowlake-commit:";
/// Application id prefix of an input's content fingerprint (version = its size).
pub const CONTENT_APP_PREFIX: &str = "flowlake-content:";
/// Application id prefix of the bytes of an input's text converted (version = bytes).
pub const TEXT_APP_PREFIX: &str = "flowlake-text:";
/// Application id prefix of the hash of an input's last line converted.
pub const LAST_LINE_APP_PREFIX: &str = "flowlake-last-line:";
/// Application id prefix of an input's modification time (Unix milliseconds).
pub const MODIFIED_APP_PREFIX: &str = "flowlake-modified:";
/// Application id prefixes of the text offset and the last line's hash of an input as it
/// was when its content had this fingerprint (`flowlake-content-text:<fingerprint>`,
/// `flowlake-content-line:<fingerprint>`): a copy or a new name of that content resumes
/// from there.
pub const CONTENT_TEXT_APP_PREFIX: &str = "flowlake-content-text:";
pub const CONTENT_LINE_APP_PREFIX: &str = "flowlake-content-line:";
/// Prefix of the application ids a compaction records for each partition folder it
/// rewrites (version: the commit's time in milliseconds). Two compactions of one partition
/// then conflict in the log even where delta-rs would let them both remove the same files
/// (it ignores removes with `dataChange: false` in its delete-delete check since
/// delta-rs#3982), which would count their rows twice.
pub const COMPACTION_APP_PREFIX: &str = "flowlake-compaction:";

/// A failure reading or writing the table log. Each names the lake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    #[error("{location}: table log: {message}")]
    Log { location: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = TableError> = std::result::Result<T, E>;

/// One data file of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Relative to the lake's root, as a store path (`AWSLogs/aws-account-id=.../x.parquet`).
    pub path: String,
    pub size: u64,
    /// Milliseconds since the Unix epoch.
    pub modified: i64,
    /// The partition values, in the order of [`PartitionBy::columns`]; `None` is Hive's
    /// default partition (no value).
    pub partition: Vec<Option<String>>,
    /// Rows, when the log records them (flowlake always does).
    pub rows: Option<u64>,
    /// The least and greatest `start` and `end` of its records, when the log records them
    /// (files flowlake writes since the log carried them; not adopted or older ones).
    pub time: Option<TimeStats>,
}

/// The least and greatest values of `start` and `end` in a data file (Unix seconds;
/// `None` when every value is NULL), written to the log as the `minValues` and
/// `maxValues` of Delta's file statistics, so flowlake and other Delta readers skip files
/// whose times cannot match a query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeStats {
    pub start: Option<(i64, i64)>,
    pub end: Option<(i64, i64)>,
    /// Rows whose `start`, resp. `end`, is NULL: Delta's `nullCount`. Readers that are
    /// given a column's least and greatest values without it take the column for never
    /// NULL (PyArrow through the `deltalake` package does, and returns NULL rows a filter
    /// excludes).
    #[serde(default)]
    pub nulls: (u64, u64),
}

impl TimeStats {
    /// The statistics of Delta's `add` action: `numRecords`, then `minValues` and
    /// `maxValues` of the columns that have values.
    fn delta_stats(this: Option<&Self>, rows: u64) -> serde_json::Value {
        let mut stats = serde_json::json!({ "numRecords": rows });
        if let Some(t) = this {
            let mut min = serde_json::Map::new();
            let mut max = serde_json::Map::new();
            for (name, range) in [("start", t.start), ("end", t.end)] {
                if let Some((lo, hi)) = range {
                    min.insert(name.into(), lo.into());
                    max.insert(name.into(), hi.into());
                }
            }
            if !min.is_empty() {
                stats["minValues"] = min.into();
                stats["maxValues"] = max.into();
            }
            stats["nullCount"] = serde_json::json!({ "start": t.nulls.0, "end": t.nulls.1 });
        }
        stats
    }

    /// Read back from a file's statistics in the log: `None` unless both columns are known,
    /// by their least and greatest values or as wholly NULL (`nullCount` = `numRecords`).
    fn from_delta_stats(stats: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(stats).ok()?;
        let rows = v.get("numRecords")?.as_u64()?;
        let nulls = |name: &str| v.get("nullCount")?.get(name)?.as_u64();
        let range = |name: &str| {
            Some((
                v.get("minValues")?.get(name)?.as_i64()?,
                v.get("maxValues")?.get(name)?.as_i64()?,
            ))
        };
        let column = |name: &str| -> Option<Option<(i64, i64)>> {
            match range(name) {
                Some(r) => Some(Some(r)),
                None if nulls(name) == Some(rows) => Some(None),
                None => None,
            }
        };
        Some(Self {
            start: column("start")?,
            end: column("end")?,
            nulls: (nulls("start")?, nulls("end")?),
        })
    }
}

/// The outcome of a commit attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// Committed as this table version.
    Version(i64),
    /// Refused: a concurrent commit took an input or removed a file this one names.
    Conflict(String),
}

/// One input a commit converts, as recorded in the table log (each a `txn` action, so
/// Delta's conflict check refuses a second commit of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputTxn {
    /// Where it is (a path, a URL): `flowlake-input:<location>`, version = `size`.
    pub location: String,
    /// Its size as converted, bytes as stored.
    pub size: i64,
    /// The size recorded for it before, when this commit converts what was appended to
    /// an input converted earlier: the commit conflicts unless the table still says so.
    pub previous: Option<i64>,
    /// Its content fingerprint (`flowlake-content:<fingerprint>`, version = `size`), by
    /// which a renamed or copied input is recognised.
    pub content: Option<String>,
    /// Bytes of its text converted, through the last complete line
    /// (`flowlake-text:<location>`): where converting what was appended resumes.
    pub text: Option<i64>,
    /// A hash of the last line converted (`flowlake-last-line:<location>`): a resumed
    /// conversion checks the text before its offset still ends with it.
    pub last_line: Option<i64>,
    /// Its modification time, Unix milliseconds (`flowlake-modified:<location>`): a
    /// same-size input whose time changed has its content fingerprint checked.
    pub modified: Option<i64>,
}

/// What the table log says of one converted input (see [`InputTxn`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputState {
    pub size: i64,
    pub text: Option<i64>,
    pub last_line: Option<i64>,
    pub modified: Option<i64>,
}

/// What a commit adds or removes, in flowlake's terms.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// The commit's own id (a UUID), recorded so a roll-forward can tell it is done.
    pub id: String,
    /// Files added.
    pub add: Vec<DataFile>,
    /// Files removed (a compaction), relative to the lake's root.
    pub remove: Vec<DataFile>,
    /// Inputs converted.
    pub inputs: Vec<InputTxn>,
    /// Kept in the commit's `commitInfo` (what ran, the input records).
    pub info: HashMap<String, serde_json::Value>,
}

/// A lake's table log, at one snapshot.
pub struct Lake {
    table: DeltaTable,
    location: Location,
    by: PartitionBy,
    /// The application transactions as of a version, kept up to date by reading only
    /// the commits after it.
    apps: Option<(i64, HashMap<String, i64>)>,
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lake")
            .field("location", &self.location)
            .field("version", &self.table.version())
            .field("by", &self.by)
            .finish_non_exhaustive()
    }
}

/// The table's URL (what Delta records and the kernel resolves against the root store).
fn table_url(location: &Location) -> Result<url::Url> {
    let url = match location {
        Location::Local(path) => url::Url::from_directory_path(path).ok(),
        Location::S3 { bucket, prefix } => {
            let p = prefix.as_ref();
            let p = if p.is_empty() {
                String::new()
            } else {
                format!("{p}/")
            };
            url::Url::parse(&format!("s3://{bucket}/{p}")).ok()
        }
    };
    url.ok_or_else(|| TableError::Invalid(format!("{location}: not a usable table location")))
}

fn log_store(opened: &Opened) -> Result<LogStoreRef> {
    let url = table_url(&opened.location)?;
    let root = Arc::clone(&opened.store);
    let prefixed: Arc<dyn ObjectStore> = if opened.prefix.as_ref().is_empty() {
        Arc::clone(&root)
    } else {
        Arc::new(PrefixStore::new(Arc::clone(&root), opened.prefix.clone()))
    };
    Ok(default_logstore(
        prefixed,
        root,
        &url,
        &StorageConfig::default(),
    ))
}

impl Lake {
    fn err(&self, e: impl std::fmt::Display) -> TableError {
        log_error(&self.location, e)
    }

    /// Whether the lake at `opened` has a table log.
    pub async fn exists(opened: &Opened) -> Result<bool> {
        let log = opened.prefix.clone().join(LOG_DIR);
        let listing = opened
            .store
            .list_with_delimiter(Some(&log))
            .await
            .map_err(|e| {
                log_error(
                    &opened.location,
                    flowlake_store::explain(&e, &opened.location.join(LOG_DIR)),
                )
            })?;
        Ok(!listing.objects.is_empty())
    }

    /// The latest snapshot of the lake at `opened`, or `None` when it has no table log
    /// (AWS's own Parquet delivery, or a lake of an earlier flowlake).
    pub async fn open(opened: &Opened) -> Result<Option<Self>> {
        if !Self::exists(opened).await? {
            return Ok(None);
        }
        let mut table = DeltaTable::new(log_store(opened)?);
        table
            .load()
            .await
            .map_err(|e| delta_error(&opened.location, e))?;
        let by = scheme_of(&table, &opened.location)?;
        Ok(Some(Self {
            table,
            location: opened.location.clone(),
            by,
            apps: None,
        }))
    }

    /// Open the lake's table, creating it (partitioned `by`, with `actions` in its first
    /// commit) when there is none. Two writers creating one table at once both end with
    /// the one that was committed; the caller checks its scheme.
    pub async fn open_or_create(
        opened: &Opened,
        by: PartitionBy,
        actions: Vec<Action>,
    ) -> Result<Self> {
        Self::open_or_create_kind(opened, RecordKind::Vpc, by, actions).await
    }

    /// [`open_or_create`](Self::open_or_create) for the table of `kind`, whose root is
    /// `opened` (the lake's root for VPC records, its [`TGW_TABLE_DIR`] for transit
    /// gateway records).
    pub async fn open_or_create_kind(
        opened: &Opened,
        kind: RecordKind,
        by: PartitionBy,
        actions: Vec<Action>,
    ) -> Result<Self> {
        if let Some(lake) = Self::open(opened).await? {
            return Ok(lake);
        }
        let comment = match kind {
            RecordKind::Vpc => "Amazon VPC Flow Logs, converted by flowlake",
            RecordKind::TransitGateway => "AWS Transit Gateway Flow Logs, converted by flowlake",
        };
        let created = CreateBuilder::new()
            .with_log_store(log_store(opened)?)
            .with_table_name(kind.table_name())
            .with_comment(comment)
            .with_columns(scheme::table_columns(kind, by))
            .with_partition_columns(by.columns().iter().copied())
            .with_save_mode(SaveMode::ErrorIfExists)
            .with_actions(actions)
            // No retry: delta-rs would retry a create that lost the race for version 0 as
            // version 1, a second CREATE TABLE (possibly of the other partition scheme).
            .with_commit_properties(CommitProperties::default().with_max_retries(0))
            .await;
        match created {
            Ok(table) => Ok(Self {
                table,
                location: opened.location.clone(),
                by,
                apps: None,
            }),
            // Created by another writer meanwhile?
            Err(e) => match Self::open(opened).await? {
                Some(lake) => Ok(lake),
                None => Err(delta_error(&opened.location, e)),
            },
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The partition scheme recorded in the table.
    pub fn partition_by(&self) -> PartitionBy {
        self.by
    }

    /// The snapshot's version.
    pub fn version(&self) -> i64 {
        self.table.version().map_or(-1, |v| v as i64)
    }

    /// Move to the latest committed version.
    pub async fn refresh(&mut self) -> Result<()> {
        self.table
            .update_state()
            .await
            .map_err(|e| delta_error(&self.location, e))
    }

    /// The data files of the snapshot.
    pub fn files(&self) -> Result<Vec<DataFile>> {
        snapshot_files(&self.table, &self.location, self.by.columns())
    }

    /// Files removed from the table (by compactions), with when (milliseconds since the
    /// Unix epoch), as long as the log keeps them (`delta.deletedFileRetentionDuration`).
    pub async fn removed_files(&self) -> Result<Vec<(String, Option<i64>)>> {
        let snapshot = self.table.snapshot().map_err(|e| self.err(e))?;
        let log_store = self.table.log_store();
        snapshot
            .all_tombstones(log_store.as_ref())
            .map_ok(|t| (t.path().into_owned(), t.deletion_timestamp()))
            .try_collect()
            .await
            .map_err(|e| delta_error(&self.location, e))
    }

    /// Every application transaction: id and version. Read from the latest checkpoint and
    /// the commits after it (see the `apps` module), so its cost does not grow with the
    /// log's length.
    ///
    /// Kept between calls: a later call reads only the commits made since.
    pub async fn applications(&mut self) -> Result<&HashMap<String, i64>> {
        let store = self.table.log_store().object_store(None);
        let version = self.version();
        let explain = |e: object_store::Error| {
            log_error(
                &self.location,
                flowlake_store::explain(&e, &self.location.join(LOG_DIR)),
            )
        };
        match &mut self.apps {
            Some((at, apps)) if *at <= version => {
                apps::read_commits(&store, *at + 1, version, apps)
                    .await
                    .map_err(explain)?;
                *at = version;
            }
            _ => {
                let apps = apps::applications(&store, version).await.map_err(explain)?;
                self.apps = Some((version, apps));
            }
        }
        Ok(&self.apps.as_ref().expect("read above").1)
    }

    /// The converted inputs: location and size as converted.
    pub async fn inputs(&mut self) -> Result<HashMap<String, i64>> {
        self.apps_with(INPUT_APP_PREFIX).await
    }

    /// The text offset and last line's hash recorded with each content fingerprint.
    pub async fn content_states(&mut self) -> Result<HashMap<String, InputState>> {
        let apps = self.applications().await?;
        let mut out: HashMap<String, InputState> = HashMap::new();
        for (app, v) in apps {
            if let Some(fp) = app.strip_prefix(CONTENT_APP_PREFIX) {
                out.entry(fp.to_string()).or_default().size = *v;
            } else if let Some(fp) = app.strip_prefix(CONTENT_TEXT_APP_PREFIX) {
                out.entry(fp.to_string()).or_default().text = Some(*v);
            } else if let Some(fp) = app.strip_prefix(CONTENT_LINE_APP_PREFIX) {
                out.entry(fp.to_string()).or_default().last_line = Some(*v);
            }
        }
        Ok(out)
    }

    /// Everything recorded of each converted input, by location.
    pub async fn input_states(&mut self) -> Result<HashMap<String, InputState>> {
        let apps = self.applications().await?;
        let mut out: HashMap<String, InputState> = HashMap::new();
        for (app, v) in apps {
            if let Some(loc) = app.strip_prefix(INPUT_APP_PREFIX) {
                out.entry(loc.to_string()).or_default().size = *v;
            }
        }
        for (app, v) in apps {
            let (field, loc): (fn(&mut InputState) -> &mut Option<i64>, &str) =
                if let Some(loc) = app.strip_prefix(TEXT_APP_PREFIX) {
                    (|s| &mut s.text, loc)
                } else if let Some(loc) = app.strip_prefix(LAST_LINE_APP_PREFIX) {
                    (|s| &mut s.last_line, loc)
                } else if let Some(loc) = app.strip_prefix(MODIFIED_APP_PREFIX) {
                    (|s| &mut s.modified, loc)
                } else {
                    continue;
                };
            if let Some(state) = out.get_mut(loc) {
                *field(state) = Some(*v);
            }
        }
        Ok(out)
    }

    async fn apps_with(&mut self, prefix: &str) -> Result<HashMap<String, i64>> {
        Ok(self
            .applications()
            .await?
            .iter()
            .filter_map(|(app, v)| Some((app.strip_prefix(prefix)?.to_string(), *v)))
            .collect())
    }

    /// Why `change` cannot be committed on this snapshot, if it cannot: one of its inputs
    /// is already converted, or one of the files it removes is no longer in the table.
    /// Delta's conflict checks cover the commits made after the snapshot a commit is
    /// based on; this covers the snapshot itself, which may be newer than the one the
    /// change was planned on.
    pub async fn conflict(&mut self, change: &Change) -> Result<Option<String>> {
        if !change.remove.is_empty() {
            let current: std::collections::HashSet<String> =
                self.files()?.into_iter().map(|f| f.path).collect();
            if let Some(gone) = change.remove.iter().find(|f| !current.contains(&f.path)) {
                return Ok(Some(format!(
                    "another compaction replaced {} first",
                    gone.path
                )));
            }
        }
        let apps = self.applications().await?;
        for input in &change.inputs {
            let done = apps.get(&format!("{INPUT_APP_PREFIX}{}", input.location));
            if done.copied() != input.previous {
                return Ok(Some(format!(
                    "another commit converted {} first",
                    input.location
                )));
            }
            if let Some(content) = &input.content
                && input.previous.is_none()
                && apps.contains_key(&format!("{CONTENT_APP_PREFIX}{content}"))
            {
                return Ok(Some(format!(
                    "another commit converted the content of {} first (under another name)",
                    input.location
                )));
            }
        }
        Ok(None)
    }

    /// Whether the commit `id` is in the table (as of the latest version).
    pub async fn is_committed(&self, id: &str) -> Result<bool> {
        is_committed(&self.table, &self.location, id).await
    }

    /// Commit `change` on top of this snapshot. Concurrent commits that do not conflict
    /// are retried past; a conflict (an input or a removed file taken by another commit)
    /// is returned as [`Committed::Conflict`], with nothing written.
    pub async fn commit(&mut self, change: Change) -> Result<Committed> {
        if let Some(why) = self.conflict(&change).await? {
            return Ok(Committed::Conflict(why));
        }
        let now = chrono::Utc::now().timestamp_millis();
        let id = change.id.clone();
        let data_change = change.remove.is_empty();
        let mut actions: Vec<Action> = Vec::new();
        for file in &change.add {
            actions.push(Action::Add(self.add_action(file, data_change)));
        }
        for file in &change.remove {
            actions.push(Action::Remove(self.remove_action(file, now)));
        }
        actions.push(Action::Txn(Transaction::new_with_last_update(
            format!("{COMMIT_APP_PREFIX}{}", change.id),
            1,
            Some(now),
        )));
        let partitions: std::collections::BTreeSet<&str> = change
            .remove
            .iter()
            .filter_map(|f| f.path.rsplit_once('/').map(|(dir, _)| dir))
            .collect();
        for dir in partitions {
            actions.push(Action::Txn(Transaction::new_with_last_update(
                format!("{COMPACTION_APP_PREFIX}{dir}"),
                now,
                Some(now),
            )));
        }
        for input in &change.inputs {
            let mut txn = |app: String, version: i64| {
                actions.push(Action::Txn(Transaction::new_with_last_update(
                    app,
                    version,
                    Some(now),
                )));
            };
            txn(format!("{INPUT_APP_PREFIX}{}", input.location), input.size);
            if let Some(content) = &input.content {
                txn(format!("{CONTENT_APP_PREFIX}{content}"), input.size);
                if let Some(text) = input.text {
                    txn(format!("{CONTENT_TEXT_APP_PREFIX}{content}"), text);
                }
                if let Some(hash) = input.last_line {
                    txn(format!("{CONTENT_LINE_APP_PREFIX}{content}"), hash);
                }
            }
            if let Some(text) = input.text {
                txn(format!("{TEXT_APP_PREFIX}{}", input.location), text);
            }
            if let Some(hash) = input.last_line {
                txn(format!("{LAST_LINE_APP_PREFIX}{}", input.location), hash);
            }
            if let Some(modified) = input.modified {
                txn(format!("{MODIFIED_APP_PREFIX}{}", input.location), modified);
            }
        }
        let operation = if data_change {
            DeltaOperation::Write {
                mode: SaveMode::Append,
                partition_by: Some(self.by.columns().iter().map(|c| (*c).to_string()).collect()),
                predicate: None,
            }
        } else {
            DeltaOperation::Optimize {
                predicate: None,
                target_size: 0,
            }
        };
        // From `CommitProperties`, not `CommitBuilder::default()`: only the former turns on
        // the post-commit checkpoint (every `delta.checkpointInterval` = 100 versions),
        // which keeps reading the log, and the converted inputs, bounded.
        let properties = CommitProperties::default()
            // Appends by other writers are retried past; only conflicts stop a commit.
            .with_max_retries(1000)
            .with_metadata(change.info);
        commit_actions(
            &mut self.table,
            &self.location,
            actions,
            operation,
            properties,
            &id,
        )
        .await
    }

    fn add_action(&self, file: &DataFile, data_change: bool) -> Add {
        add_action(
            file,
            partition_map(self.by.columns(), &file.partition),
            data_change,
        )
    }

    fn remove_action(&self, file: &DataFile, now: i64) -> Remove {
        remove_action(
            file,
            partition_map(self.by.columns(), &file.partition),
            now,
            false,
        )
    }
}

/// The data files of `table`'s snapshot, partition values in the order of `columns`.
fn snapshot_files<S: AsRef<str>>(
    table: &DeltaTable,
    location: &Location,
    columns: &[S],
) -> Result<Vec<DataFile>> {
    let snapshot = table.snapshot().map_err(|e| log_error(location, e))?;
    Ok(snapshot
        .log_data()
        .iter()
        .map(|f| {
            let values = f.partition_values_map();
            DataFile {
                path: f.path().into_owned(),
                size: f.size().max(0) as u64,
                modified: f.modification_time(),
                partition: columns
                    .iter()
                    .map(|c| values.get(c.as_ref()).cloned().flatten())
                    .collect(),
                rows: f.num_records().map(|n| n as u64),
                time: f.stats().and_then(|s| TimeStats::from_delta_stats(&s)),
            }
        })
        .collect())
}

/// Partition values by column, for a log action.
fn partition_map<S: AsRef<str>>(
    columns: &[S],
    values: &[Option<String>],
) -> HashMap<String, Option<String>> {
    columns
        .iter()
        .zip(values)
        .map(|(c, v)| (c.as_ref().to_string(), v.clone()))
        .collect()
}

/// The `add` of a data file.
fn add_action(
    file: &DataFile,
    partition_values: HashMap<String, Option<String>>,
    data_change: bool,
) -> Add {
    Add {
        // delta-rs writes the path URI-encoded, and decodes it when reading.
        path: file.path.clone(),
        partition_values,
        size: file.size as i64,
        modification_time: file.modified,
        data_change,
        stats: file
            .rows
            .map(|n| TimeStats::delta_stats(file.time.as_ref(), n).to_string()),
        ..Default::default()
    }
}

/// The `remove` of a data file, at `now` (Unix milliseconds).
fn remove_action(
    file: &DataFile,
    partition_values: HashMap<String, Option<String>>,
    now: i64,
    data_change: bool,
) -> Remove {
    Remove {
        path: file.path.clone(),
        data_change,
        deletion_timestamp: Some(now),
        extended_file_metadata: Some(true),
        partition_values: Some(partition_values),
        size: Some(file.size as i64),
        tags: None,
        deletion_vector: None,
        base_row_id: None,
        default_row_commit_version: None,
    }
}

/// Whether the commit `id` (its `txn`) is in `table`'s snapshot.
async fn is_committed(table: &DeltaTable, location: &Location, id: &str) -> Result<bool> {
    let snapshot = table.snapshot().map_err(|e| log_error(location, e))?;
    snapshot
        .transaction_version(
            table.log_store().as_ref(),
            format!("{COMMIT_APP_PREFIX}{id}"),
        )
        .await
        .map(|v| v.is_some())
        .map_err(|e| delta_error(location, e))
}

/// Commit `actions` (which carry the `txn` of the commit `id`) on top of `table`'s
/// snapshot, then move `table` to the latest version. A conflict is returned as
/// [`Committed::Conflict`], with nothing written; a failure after the commit landed (its
/// post-commit checkpoint) is still a commit.
async fn commit_actions(
    table: &mut DeltaTable,
    location: &Location,
    actions: Vec<Action>,
    operation: DeltaOperation,
    properties: CommitProperties,
    id: &str,
) -> Result<Committed> {
    let snapshot = table.snapshot().map_err(|e| log_error(location, e))?;
    let result = CommitBuilder::from(properties)
        .with_actions(actions)
        .build(Some(snapshot), table.log_store(), operation)
        .await;
    match result {
        Ok(done) => {
            let version = done.version() as i64;
            table
                .update_state()
                .await
                .map_err(|e| delta_error(location, e))?;
            Ok(Committed::Version(version))
        }
        Err(DeltaTableError::Transaction {
            source: TransactionError::CommitConflict(conflict),
        }) => {
            table
                .update_state()
                .await
                .map_err(|e| delta_error(location, e))?;
            Ok(Committed::Conflict(conflict_text(&conflict)))
        }
        Err(e) => {
            table
                .update_state()
                .await
                .map_err(|e| delta_error(location, e))?;
            if is_committed(table, location, id).await? {
                return Ok(Committed::Version(table.version().map_or(-1, |v| v as i64)));
            }
            Err(delta_error(location, e))
        }
    }
}

/// The scheme a table was created with: partitioned by hour when `hour` is one of its
/// partition columns.
fn scheme_of(table: &DeltaTable, location: &Location) -> Result<PartitionBy> {
    let snapshot = table.snapshot().map_err(|e| log_error(location, e))?;
    let columns = &snapshot.metadata().partition_columns();
    for by in [PartitionBy::Day, PartitionBy::Hour] {
        if columns
            .iter()
            .map(String::as_str)
            .eq(by.columns().iter().copied())
        {
            return Ok(by);
        }
    }
    Err(TableError::Invalid(format!(
        "{location}: the table is partitioned by {columns:?}, not by AWS's layout; it was not written by flowlake"
    )))
}

fn conflict_text(conflict: &CommitConflictError) -> String {
    match conflict {
        CommitConflictError::ConcurrentTransaction => {
            "another commit converted the same input, or compacted the same partition".to_string()
        }
        CommitConflictError::ConcurrentDeleteDelete => {
            "another compaction replaced the same file".to_string()
        }
        other => other.to_string(),
    }
}

fn log_error(location: &Location, e: impl std::fmt::Display) -> TableError {
    TableError::Log {
        location: location.to_string(),
        message: e.to_string(),
    }
}

/// A delta-rs error; a storage error anywhere in its chain (the kernel wraps them) is
/// explained as flowlake explains every storage error (unreachable, denied, no bucket).
fn delta_error(location: &Location, e: DeltaTableError) -> TableError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = cause {
        if let Some(store) = err.downcast_ref::<object_store::Error>() {
            return log_error(
                location,
                flowlake_store::explain(store, &location.join(LOG_DIR)),
            );
        }
        cause = err.source();
    }
    // The kernel keeps some storage errors as text only: explained from the text.
    let wrapped = object_store::Error::Generic {
        store: "S3",
        source: Box::new(e),
    };
    if flowlake_store::is_unreachable(&wrapped) {
        return log_error(
            location,
            flowlake_store::explain(&wrapped, &location.join(LOG_DIR)),
        );
    }
    let object_store::Error::Generic { source, .. } = wrapped else {
        unreachable!("built above")
    };
    log_error(location, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_statistics_go_to_the_log_and_back() {
        let t = TimeStats {
            start: Some((1_772_409_700, 1_772_409_900)),
            end: Some((1_772_323_000, 1_772_409_960)),
            nulls: (0, 1),
        };
        let stats = TimeStats::delta_stats(Some(&t), 3);
        assert_eq!(
            stats,
            serde_json::json!({
                "numRecords": 3,
                "minValues": {"start": 1_772_409_700_i64, "end": 1_772_323_000_i64},
                "maxValues": {"start": 1_772_409_900_i64, "end": 1_772_409_960_i64},
                "nullCount": {"start": 0, "end": 1}
            })
        );
        assert_eq!(TimeStats::from_delta_stats(&stats.to_string()), Some(t));
        // A column without values (every `end` NULL) has no least or greatest value, and
        // a NULL count of every row.
        let only_start = TimeStats {
            start: Some((1, 2)),
            end: None,
            nulls: (0, 1),
        };
        let stats = TimeStats::delta_stats(Some(&only_start), 1);
        assert!(stats["minValues"].get("end").is_none(), "{stats}");
        assert_eq!(
            TimeStats::from_delta_stats(&stats.to_string()),
            Some(only_start)
        );
        // A column neither bounded nor wholly NULL is unknown: no pruning by it.
        assert_eq!(
            TimeStats::from_delta_stats(
                r#"{"numRecords":2,"minValues":{"start":1},"maxValues":{"start":2},"nullCount":{"start":0,"end":1}}"#
            ),
            None
        );
        // A log of an earlier flowlake: the row count only.
        assert_eq!(TimeStats::from_delta_stats(r#"{"numRecords":3}"#), None);
        assert_eq!(
            TimeStats::delta_stats(None, 3),
            serde_json::json!({"numRecords": 3})
        );
    }
}
