//! Exactly-once commits: data files staged, published into AWS's layout, then committed
//! to the lake's table log (Delta Lake, see `flowlake_table`).
//!
//! 1. Data files are written complete (footer written, `fsync`ed) under
//!    `_flowlake/staging/<run>-<seq>/`, mirroring their final paths (on S3: uploaded there).
//! 2. `_flowlake/pending/<commit>.json` is written: the inputs, every staged file with its
//!    final path, the files a compaction replaces.
//! 3. Each staged file is moved to its final path (a rename on disk; a server-side copy
//!    and delete on S3). Plain Hive readers see whole files only.
//! 4. The table log gets one commit: the files (`add`; a compaction's `remove`s), a `txn`
//!    per input and a `txn` of the commit's own id. Delta's conflict checks refuse it if
//!    another commit took one of its inputs or removed one of the files it replaces; its
//!    published files are then deleted, and nothing of it was ever in the table.
//! 5. The pending record and the staging folder are removed. A compaction waits its grace
//!    period and deletes the files it replaced.
//!
//! A pending record left by a killed or paused run is finished by the next run that
//! opens the lake: if its commit is in the log, only the clean-up is left; if its inputs
//! are still free (and a compaction's files still current), it is published and committed
//! (rolled forward, once: its commit id is a `txn` too); otherwise it is discarded. Two
//! processes doing this at once end the same way, since the log takes one commit.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use flowlake_store::Opened;
use flowlake_table::{
    Change, Committed, DataFile, InputTxn, Lake, PartitionBy, RecordKind, TGW_TABLE_DIR,
    partition_of,
};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use crate::error::{ConvertError, Result};
use crate::writer::StagedFile;

/// The hidden folder holding commits in flight, the staging area and rejects.
pub const META_DIR: &str = "_flowlake";
pub(crate) const PENDING: &str = "_flowlake/pending";
pub(crate) const STAGING: &str = "_flowlake/staging";
/// How long files a compaction replaced stay after it is committed, so that a query
/// reading an older snapshot can still read them.
pub const RETIRE_GRACE: Duration = Duration::from_secs(10);
/// Version of the pending record layout.
const RECORD_FORMAT: u32 = 2;

/// How an input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputStatus {
    /// Read to the end.
    Complete,
    /// Read until an error (a truncated gzip stream); the complete lines before it are in.
    Truncated,
}

/// One input as recorded in a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub location: String,
    pub size: Option<u64>,
    pub modified: Option<DateTime<Utc>>,
    pub etag: Option<String>,
    pub records: u64,
    pub rejected: u64,
    pub status: InputStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Its content fingerprint (see `Input::fingerprint`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fingerprint: Option<String>,
    /// The size recorded for it before, when this commit converts what was appended.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub previous_size: Option<u64>,
    /// Bytes of its text converted, through the last whole line (from its start).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text_bytes: Option<u64>,
    /// The hash of the last line converted (`flowlog::line_hash`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_line: Option<i64>,
}

impl InputRecord {
    /// Standard input has no identity: it is never recorded as converted.
    fn is_stdin(&self) -> bool {
        self.location == "-"
    }
}

/// A file a compaction replaces, as the table knew it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacedFile {
    pub path: String,
    pub size: u64,
    #[serde(default)]
    pub rows: Option<u64>,
}

/// A commit in flight: what its pending record says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRecord {
    pub format: u32,
    /// A UUID: unique across writers and runs.
    pub id: String,
    /// The run that wrote it: other runs leave the record alone while that run is alive.
    #[serde(default)]
    pub run: String,
    pub created: DateTime<Utc>,
    /// The staging folder of its files, relative to the lake.
    pub staging: String,
    pub inputs: Vec<InputRecord>,
    pub files: Vec<StagedFile>,
    /// The rejected lines of this commit, if any: (staged, final) paths.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rejects: Option<(String, String)>,
    /// Files this commit replaces (a compaction).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub replaces: Vec<ReplacedFile>,
    /// The table a compaction rewrites when it is not `vpc_flow_logs`: `tgw_flow_logs`
    /// (its files, and those it replaces, are under `_tgw_flow_logs/`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub table: Option<String>,
}

impl CommitRecord {
    /// Whether it commits to the transit gateway table (a compaction of it).
    pub fn is_tgw(&self) -> bool {
        self.table.as_deref() == Some(RecordKind::TransitGateway.table_name())
    }
}

impl CommitRecord {
    pub fn new(
        id: String,
        run: String,
        staging: String,
        inputs: Vec<InputRecord>,
        files: Vec<StagedFile>,
    ) -> Self {
        Self {
            format: RECORD_FORMAT,
            id,
            run,
            created: Utc::now(),
            staging,
            inputs,
            files,
            rejects: None,
            replaces: Vec::new(),
            table: None,
        }
    }
}

/// How a commit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// In the table as this version.
    Committed(i64),
    /// Refused by the log (an input or a replaced file was taken by another commit);
    /// nothing of it is in the table and its files are deleted.
    Lost(String),
}

/// What start-up recovery did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Interrupted commits that were published and committed.
    pub rolled_forward: usize,
    /// Interrupted commits found committed, whose clean-up was finished.
    pub finished: usize,
    /// Interrupted commits discarded (their inputs were taken by other commits, or
    /// their files were gone); their inputs are converted again if still needed.
    pub discarded: usize,
    /// Staging folders of dead runs that were deleted.
    pub staging_deleted: usize,
    /// Pending records that could not be read, with the command that removes them.
    pub unreadable: Vec<String>,
}

/// The commit protocol of one lake.
///
/// A lake holds two tables: `vpc_flow_logs` (the lake's own table log) and, once transit
/// gateway records arrive, `tgw_flow_logs` (under [`TGW_TABLE_DIR`]). A commit's inputs
/// are recorded in the VPC table's commit, which decides whether the commit lands; its
/// transit gateway files are committed to the TGW table right after, under the same
/// commit id, so a run killed between the two has the second finished by the next run.
pub struct CommitLog {
    /// The lake, as a store rooted at the lake.
    store: Arc<dyn ObjectStore>,
    /// Where the lake is on local disk, to remove emptied folders.
    local_root: Option<PathBuf>,
    display: String,
    by: PartitionBy,
    /// The `tgw_flow_logs` table's root, and the table once opened.
    tgw_root: Opened,
    tgw: tokio::sync::Mutex<Option<Lake>>,
}

impl CommitLog {
    pub fn new(
        store: Arc<dyn ObjectStore>,
        local_root: Option<PathBuf>,
        display: String,
        by: PartitionBy,
        lake: &Opened,
    ) -> Self {
        Self {
            store,
            local_root,
            display,
            by,
            tgw_root: lake.child(TGW_TABLE_DIR),
            tgw: tokio::sync::Mutex::new(None),
        }
    }

    /// Commit the transit gateway files of `record` (already published, its VPC part
    /// committed) to the `tgw_flow_logs` table, creating it with the lake's partition
    /// scheme on first use. Idempotent: the commit id is recorded as a `txn` there too.
    async fn commit_tgw(&self, record: &CommitRecord) -> Result<()> {
        const ATTEMPTS: usize = 5;
        if record.is_tgw() {
            return Ok(());
        }
        let add = record
            .files
            .iter()
            .filter_map(|f| {
                let rel = f
                    .final_path
                    .strip_prefix(TGW_TABLE_DIR)?
                    .strip_prefix('/')?;
                Some(self.data_file(rel, f.bytes, Some(f.rows), f.time))
            })
            .collect::<Result<Vec<_>>>()?;
        if add.is_empty() {
            return Ok(());
        }
        let mut guard = self.tgw.lock().await;
        if guard.is_none() {
            let lake = Lake::open_or_create_kind(
                &self.tgw_root,
                RecordKind::TransitGateway,
                self.by,
                Vec::new(),
            )
            .await?;
            if lake.partition_by() != self.by {
                return Err(self.err(
                    TGW_TABLE_DIR,
                    format!(
                        "the transit gateway table is partitioned by {} and the lake by {}; move one of them away",
                        lake.partition_by().name(),
                        self.by.name()
                    ),
                ));
            }
            *guard = Some(lake);
        }
        let lake = guard.as_mut().expect("opened above");
        let change = Change {
            id: record.id.clone(),
            add,
            ..Change::default()
        };
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            lake.refresh().await?;
            if lake.is_committed(&record.id).await? {
                return Ok(());
            }
            match lake.commit(change.clone()).await? {
                Committed::Version(_) => return Ok(()),
                Committed::Conflict(why) => last = why,
            }
        }
        Err(self.err(
            &pending_path(&record.id),
            format!("the transit gateway table refused this commit {ATTEMPTS} times ({last}); it stays pending, and the next run finishes it"),
        ))
    }

    fn err(&self, path: &str, e: impl std::fmt::Display) -> ConvertError {
        ConvertError::CommitLog {
            path: format!("{}/{path}", self.display),
            message: e.to_string(),
        }
    }

    fn store_err(&self, path: &str, e: object_store::Error) -> ConvertError {
        ConvertError::store(format!("{}/{path}", self.display), e)
    }

    /// Publish and commit `record`: pending record, moves, one commit to the table log,
    /// clean-up. A compaction's replaced files are deleted after `grace`.
    pub async fn commit(
        &self,
        lake: &mut Lake,
        record: &CommitRecord,
        grace: Duration,
    ) -> Result<Outcome> {
        fault("before-pending");
        self.write_pending(record).await?;
        fault("after-pending");
        match self.publish(record).await {
            Ok(()) => {}
            Err(Published::Missing(what)) => {
                // Another run finished this commit (rolled forward, or discarded because
                // its inputs or files were taken) while this one was paused...
                lake.refresh().await?;
                if lake.is_committed(&record.id).await? {
                    if !record.is_tgw() {
                        self.commit_tgw(record).await?;
                    }
                    return Ok(Outcome::Committed(lake.version()));
                }
                if let Some(why) = lake.conflict(&self.change(record)?).await? {
                    self.discard(record).await?;
                    return Ok(Outcome::Lost(why));
                }
                // ...or deleted its staged files once its lease expired.
                self.discard(record).await?;
                return Err(self.err(
                    &record.staging,
                    format!("{what}; this run was paused or stopped long enough for another run to clean up after it. Nothing of it was committed: run it again"),
                ));
            }
            Err(e) => return Err(e.into_error()),
        }
        fault("after-publish");
        let outcome = self.commit_to_log(lake, record).await?;
        fault("after-commit");
        match &outcome {
            Outcome::Committed(_) => {
                if !record.is_tgw() {
                    fault("before-tgw-commit");
                    self.commit_tgw(record).await?;
                }
                self.finish(record).await?;
                if !record.replaces.is_empty() {
                    fault("before-retire");
                    tokio::time::sleep(grace).await;
                    self.retire(lake, &record.replaces).await?;
                }
            }
            Outcome::Lost(_) => self.discard(record).await?,
        }
        Ok(outcome)
    }

    /// One commit to the table log. A conflict caused by this very commit having been
    /// committed meanwhile (by a run recovering it) counts as committed. A conflict that
    /// does not take this commit's inputs or files (another writer changed the table's
    /// metadata, or compacted other files of a partition) is retried: only a commit that
    /// can never land is lost.
    async fn commit_to_log(&self, lake: &mut Lake, record: &CommitRecord) -> Result<Outcome> {
        const ATTEMPTS: usize = 5;
        let change = self.change(record)?;
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            match lake.commit(change.clone()).await? {
                Committed::Version(v) => return Ok(Outcome::Committed(v)),
                Committed::Conflict(why) => {
                    if lake.is_committed(&record.id).await? {
                        return Ok(Outcome::Committed(lake.version()));
                    }
                    if let Some(taken) = lake.conflict(&change).await? {
                        return Ok(Outcome::Lost(taken));
                    }
                    last = why;
                }
            }
        }
        Err(self.err(
            &pending_path(&record.id),
            format!("the table log refused this commit {ATTEMPTS} times ({last}); it stays pending, and the next run finishes it"),
        ))
    }

    /// A data file of a table, from its path relative to the table's root.
    fn data_file(
        &self,
        path: &str,
        size: u64,
        rows: Option<u64>,
        time: Option<flowlake_table::TimeStats>,
    ) -> Result<DataFile> {
        let partition = partition_of(path, self.by).ok_or_else(|| {
            self.err(
                path,
                format!(
                    "not a data file path of a lake partitioned by {}",
                    self.by.name()
                ),
            )
        })?;
        Ok(DataFile {
            path: path.to_string(),
            size,
            modified: Utc::now().timestamp_millis(),
            partition,
            rows,
            time,
        })
    }

    /// The commit's change to the `vpc_flow_logs` table: its VPC files (transit gateway
    /// files go to their own table), its removes, its inputs.
    fn change(&self, record: &CommitRecord) -> Result<Change> {
        // A record's paths are the lake's; a table's are its own root's.
        let in_table = |path: &str| -> Option<String> {
            match (record.is_tgw(), tgw_path(path)) {
                (false, None) => Some(path.to_string()),
                (true, Some(rel)) => Some(rel.to_string()),
                _ => None,
            }
        };
        let add = record
            .files
            .iter()
            .filter_map(|f| Some((in_table(&f.final_path)?, f)))
            .map(|(path, f)| self.data_file(&path, f.bytes, Some(f.rows), f.time))
            .collect::<Result<Vec<_>>>()?;
        let remove = record
            .replaces
            .iter()
            .map(|f| {
                let path = in_table(&f.path).ok_or_else(|| {
                    self.err(&f.path, "a replaced file outside the compacted table")
                })?;
                self.data_file(&path, f.size, f.rows, None)
            })
            .collect::<Result<Vec<_>>>()?;
        let inputs = record
            .inputs
            .iter()
            .filter(|i| !i.is_stdin())
            .map(|i| InputTxn {
                location: i.location.clone(),
                size: i.size.unwrap_or(0) as i64,
                previous: i.previous_size.map(|p| p as i64),
                content: i.fingerprint.clone(),
                text: i.text_bytes.map(|t| t as i64),
                last_line: i.last_line,
                modified: i.modified.map(|m| m.timestamp_millis()),
            })
            .collect();
        let mut info = HashMap::new();
        info.insert(
            "flowlake".to_string(),
            serde_json::json!({
                "version": env!("CARGO_PKG_VERSION"),
                "commit": record.id,
                "inputs": record.inputs,
                "rejects": record.rejects.as_ref().map(|(_, f)| f),
            }),
        );
        Ok(Change {
            id: record.id.clone(),
            add,
            remove,
            inputs,
            info,
        })
    }

    /// Finish or discard whatever interrupted runs left: pending records (rolled forward
    /// when their inputs are still free, else discarded) and the staging folders of runs
    /// that are gone: not `own_run`, and not among the runs `live` finds alive.
    ///
    /// A pending record of a live run is that run's to finish. `live` is awaited only after
    /// the pending records and staging folders are listed: a run takes its lease before it
    /// writes either, so what the listing shows belongs either to a run `live` sees or to
    /// one that is gone.
    pub async fn recover(
        &self,
        lake: &mut Lake,
        own_run: &str,
        live: impl std::future::Future<Output = Result<HashSet<String>>>,
    ) -> Result<Recovery> {
        let mut recovery = Recovery::default();
        let pending = self.list(PENDING).await?;
        let staging = self
            .store
            .list_with_delimiter(Some(&Path::from(STAGING)))
            .await
            .map_err(|e| self.store_err(STAGING, e))?;
        if pending.is_empty() && staging.common_prefixes.is_empty() {
            return Ok(recovery);
        }
        let live = live.await?;
        let alive = |run: &str| run == own_run || live.contains(run);
        let mut referenced = HashSet::new();
        for meta in pending {
            let path = meta.location.to_string();
            let record = match self.read(&path).await {
                Ok(Some(r)) => r,
                Ok(None) => continue,
                Err(e) => {
                    recovery.unreadable.push(format!(
                        "{e}. It cannot be rolled forward; if no other flowlake run is using this lake, remove it: {}",
                        self.remove_command(&path)
                    ));
                    continue;
                }
            };
            referenced.insert(record.staging.clone());
            if alive(&record.run) {
                // Its run finishes it (or, once dead, the next run does).
                continue;
            }
            let change = match self.change(&record) {
                Ok(c) => c,
                Err(e) => {
                    recovery.unreadable.push(format!(
                        "{e}. It cannot be rolled forward; if no other flowlake run is using this lake, remove it: {}",
                        self.remove_command(&path)
                    ));
                    continue;
                }
            };
            if record.is_tgw() {
                // A compaction of the transit gateway table: rolled on that table.
                let mut guard = self.tgw.lock().await;
                if guard.is_none() {
                    *guard = Lake::open(&self.tgw_root).await?;
                }
                match guard.as_mut() {
                    Some(tgw) => self.roll(tgw, &record, &change, &mut recovery).await?,
                    None => {
                        self.discard(&record).await?;
                        recovery.discarded += 1;
                    }
                }
            } else {
                self.roll(lake, &record, &change, &mut recovery).await?;
            }
        }
        for dir in staging.common_prefixes {
            let Some(name) = dir.filename() else { continue };
            let rel = format!("{STAGING}/{name}");
            let run = name.rsplit_once('-').map_or(name, |(run, _)| run);
            if !referenced.contains(&rel) && !alive(run) {
                self.delete_tree(&rel).await?;
                recovery.staging_deleted += 1;
            }
        }
        Ok(recovery)
    }

    /// Finish, roll forward or discard the pending `record` of a dead run, on its table.
    async fn roll(
        &self,
        lake: &mut Lake,
        record: &CommitRecord,
        change: &Change,
        recovery: &mut Recovery,
    ) -> Result<()> {
        lake.refresh().await?;
        if lake.is_committed(&record.id).await? {
            self.commit_tgw(record).await?;
            self.finish(record).await?;
            recovery.finished += 1;
            return Ok(());
        }
        // Still free? Inputs not committed by another commit, replaced files current.
        if lake.conflict(change).await?.is_some() {
            self.discard(record).await?;
            recovery.discarded += 1;
            return Ok(());
        }
        match self.publish(record).await {
            Ok(()) => {}
            Err(Published::Missing(_)) => {
                self.discard(record).await?;
                recovery.discarded += 1;
                return Ok(());
            }
            Err(e) => return Err(e.into_error()),
        }
        match self.commit_to_log(lake, record).await? {
            Outcome::Committed(_) => {
                self.commit_tgw(record).await?;
                self.finish(record).await?;
                recovery.rolled_forward += 1;
            }
            Outcome::Lost(_) => {
                self.discard(record).await?;
                recovery.discarded += 1;
            }
        }
        Ok(())
    }

    fn remove_command(&self, path: &str) -> String {
        match &self.local_root {
            Some(root) => format!("rm {}", root.join(path).display()),
            None => format!("aws s3 rm {}/{path}", self.display),
        }
    }

    /// Delete files the table no longer holds (replaced by compactions) once `grace` has
    /// passed since their removal. Never a file of the current snapshot.
    pub async fn retire_removed(&self, lake: &mut Lake, grace: Duration) -> Result<usize> {
        self.retire_removed_in(lake, grace, None).await
    }

    /// [`retire_removed`](Self::retire_removed) for the table whose root is the lake's
    /// folder `dir` (`None`: the lake's root).
    pub async fn retire_removed_in(
        &self,
        lake: &mut Lake,
        grace: Duration,
        dir: Option<&str>,
    ) -> Result<usize> {
        lake.refresh().await?;
        let cutoff = Utc::now().timestamp_millis() - grace.as_millis() as i64;
        let removed: Vec<ReplacedFile> = lake
            .removed_files()
            .await?
            .into_iter()
            .filter(|(_, when)| when.is_none_or(|t| t <= cutoff))
            .map(|(path, _)| ReplacedFile {
                path,
                size: 0,
                rows: None,
            })
            .collect();
        let mut gone = 0;
        let current: HashSet<String> = lake.files()?.into_iter().map(|f| f.path).collect();
        for file in removed.iter().filter(|f| !current.contains(&f.path)) {
            let path = match dir {
                Some(dir) => format!("{dir}/{}", file.path),
                None => file.path.clone(),
            };
            if self.exists(&path).await? {
                self.delete(&path).await?;
                gone += 1;
            }
        }
        Ok(gone)
    }

    /// Delete the files a committed compaction replaced, unless (by some other writer's
    /// doing) they are part of the current snapshot.
    async fn retire(&self, lake: &mut Lake, files: &[ReplacedFile]) -> Result<()> {
        lake.refresh().await?;
        let current: HashSet<String> = lake.files()?.into_iter().map(|f| f.path).collect();
        for (i, file) in files.iter().enumerate() {
            if i == 1 {
                fault("mid-retire");
            }
            let in_table = tgw_path(&file.path).unwrap_or(&file.path);
            if !current.contains(in_table) {
                self.delete(&file.path).await?;
            }
        }
        Ok(())
    }

    async fn publish(&self, record: &CommitRecord) -> std::result::Result<(), Published> {
        let moves = record
            .files
            .iter()
            .map(|f| (f.staged.as_str(), f.final_path.as_str()))
            .chain(record.rejects.iter().map(|(s, f)| (s.as_str(), f.as_str())));
        for (i, (staged, final_path)) in moves.enumerate() {
            if i == 1 {
                fault("mid-publish");
            }
            let from = key(staged);
            let to = key(final_path);
            match self.store.rename(&from, &to).await {
                Ok(()) => {}
                Err(object_store::Error::NotFound { .. }) => {
                    // Moved by an earlier, interrupted attempt (or a run recovering it)?
                    match self.store.head(&to).await {
                        Ok(_) => {}
                        Err(object_store::Error::NotFound { .. }) => {
                            return Err(Published::Missing(format!(
                                "staged file {}/{staged} is gone and {final_path} does not exist",
                                self.display
                            )));
                        }
                        Err(e) => return Err(Published::Failed(self.store_err(final_path, e))),
                    }
                }
                Err(e) => return Err(Published::Failed(self.store_err(staged, e))),
            }
        }
        Ok(())
    }

    /// After the commit: the pending record, then the staging folder.
    async fn finish(&self, record: &CommitRecord) -> Result<()> {
        self.delete(&pending_path(&record.id)).await?;
        self.delete_tree(&record.staging).await
    }

    /// A commit that is not (and will never be) in the table: its published files,
    /// its staging folder, then its pending record.
    async fn discard(&self, record: &CommitRecord) -> Result<()> {
        for file in &record.files {
            self.delete(&file.final_path).await?;
        }
        if let Some((_, rejects)) = &record.rejects {
            self.delete(rejects).await?;
        }
        self.delete_tree(&record.staging).await?;
        self.delete(&pending_path(&record.id)).await
    }

    async fn list(&self, dir: &str) -> Result<Vec<object_store::ObjectMeta>> {
        let mut listing: Vec<_> = self
            .store
            .list(Some(&Path::from(dir)))
            .try_collect()
            .await
            .map_err(|e| self.store_err(dir, e))?;
        listing.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(listing)
    }

    /// A pending record; `None` if it is gone (finished by another run meanwhile).
    async fn read(&self, path: &str) -> Result<Option<CommitRecord>> {
        let bytes = match self.store.get(&Path::from(path)).await {
            Ok(r) => r.bytes().await.map_err(|e| self.store_err(path, e))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.store_err(path, e)),
        };
        let record: CommitRecord = serde_json::from_slice(&bytes)
            .map_err(|e| self.err(path, format!("unreadable pending commit record ({e})")))?;
        if record.format != RECORD_FORMAT {
            return Err(self.err(
                path,
                format!(
                    "pending commit record of format {}, written by another version of flowlake",
                    record.format
                ),
            ));
        }
        Ok(Some(record))
    }

    async fn write_pending(&self, record: &CommitRecord) -> Result<()> {
        let path = pending_path(&record.id);
        let json = serde_json::to_vec_pretty(record).expect("records serialize");
        // Atomic on both local disk (temporary file, rename, fsync) and S3.
        self.store
            .put(&Path::from(path.as_str()), PutPayload::from(json))
            .await
            .map_err(|e| self.store_err(&path, e))?;
        Ok(())
    }

    async fn exists(&self, path: &str) -> Result<bool> {
        match self.store.head(&key(path)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.store_err(path, e)),
        }
    }

    async fn delete(&self, path: &str) -> Result<()> {
        match self.store.delete(&key(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.store_err(path, e)),
        }
    }

    pub(crate) async fn delete_tree(&self, prefix: &str) -> Result<()> {
        let objects: Vec<_> = self
            .store
            .list(Some(&Path::from(prefix)))
            .try_collect()
            .await
            .map_err(|e| self.store_err(prefix, e))?;
        for meta in objects {
            self.delete(meta.location.as_ref()).await?;
        }
        if let Some(root) = &self.local_root {
            // Object stores have no folders; on disk, remove the emptied ones.
            let dir = root.join(prefix);
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(ConvertError::Io { path: dir, source }),
            }
        }
        Ok(())
    }
}

/// A path relative to the lake, relative to the `tgw_flow_logs` table's root when it is
/// one of its files.
fn tgw_path(path: &str) -> Option<&str> {
    path.strip_prefix(TGW_TABLE_DIR)?.strip_prefix('/')
}

/// The store path of `rel`, a path relative to the lake as flowlake writes it: data file
/// paths carry Hive's `%XX` escapes of partition values, which must reach the object's
/// key (and a local file's name) as written, not be escaped a second time.
pub(crate) fn key(rel: &str) -> Path {
    Path::parse(rel).unwrap_or_else(|_| Path::from(rel))
}

fn pending_path(id: &str) -> String {
    format!("{PENDING}/{id}.json")
}

/// Why publishing stopped.
enum Published {
    /// A staged file is gone and was not published: the commit cannot be completed.
    Missing(String),
    Failed(ConvertError),
}

impl Published {
    fn into_error(self) -> ConvertError {
        match self {
            Published::Missing(m) => ConvertError::Invalid(m),
            Published::Failed(e) => e,
        }
    }
}

/// Crash-test hooks: `FLOWLAKE_FAULT=<point>` makes the process abort at that point of the
/// protocol, as a `kill -9` or a power cut would stop it; `FLOWLAKE_PAUSE=<point>` stops
/// it there (`SIGSTOP`, as Ctrl-Z or a paused VM would) until it is sent `SIGCONT`. The
/// test suite uses them to prove that every interruption is recovered and that a paused
/// writer cannot commit a duplicate; they have no other use.
pub(crate) fn fault(point: &str) {
    if std::env::var_os("FLOWLAKE_FAULT").is_some_and(|v| v == point) {
        eprintln!("flowlake: FLOWLAKE_FAULT={point}: aborting");
        std::process::abort();
    }
    if std::env::var_os("FLOWLAKE_PAUSE").is_some_and(|v| v == point) {
        eprintln!("flowlake: FLOWLAKE_PAUSE={point}: stopping");
        let _ = std::process::Command::new("kill")
            .args(["-STOP", &std::process::id().to_string()])
            .status();
    }
}
