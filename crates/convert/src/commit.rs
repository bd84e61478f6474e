//! Exactly-once publishing on plain storage.
//!
//! Hive-style folders have no transaction log, so flowlake keeps its own under
//! `<out>/_flowlake/` (hidden from Athena, DuckDB, Spark and DataFusion by the `_`):
//!
//! 1. Data files are written complete under `_flowlake/staging/<commit>/`.
//! 2. `_flowlake/pending/<commit>.json` is written, naming the inputs the commit covers
//!    and every staged file with its final path (and, for a compaction, the files it
//!    replaces).
//! 3. Each staged file is moved to its final path: a rename on disk, a server-side copy
//!    and delete on S3 (which has no rename). A move is idempotent: a file whose staged
//!    copy is gone and whose final copy exists is done.
//! 4. A compaction writes `_flowlake/retiring/<commit>.json` naming the replaced files.
//! 5. `_flowlake/commits/<commit>.json` is written and the pending record removed; the
//!    staging folder is removed.
//! 6. A compaction waits its grace period, deletes the replaced files, then the retiring
//!    record.
//!
//! On start, a pending commit is rolled forward (its files are complete, so publishing
//! can finish), retiring files are deleted, and every staging folder left is deleted (it
//! belongs to no commit). Inputs named by complete commits are skipped. So a run killed
//! at any instant and run again ends with every input row published exactly once, and
//! readers only ever see whole files. flowlake's own reader also leaves out the files of
//! pending commits and retiring files (see `flowlake_store::LakeView`), so it sees
//! commits whole and never counts a compacted row twice.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use crate::error::{ConvertError, Result};
use crate::writer::StagedFile;

/// The hidden folder holding the commit log, staging area and rejects.
pub const META_DIR: &str = "_flowlake";
const COMMITS: &str = "_flowlake/commits";
const PENDING: &str = flowlake_store::PENDING_DIR;
const RETIRING: &str = flowlake_store::RETIRING_DIR;
const STAGING: &str = "_flowlake/staging";
/// How long replaced files stay after a compaction is published, so that a query that
/// listed them just before can still read them.
pub const RETIRE_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
/// Version of the commit record layout.
const RECORD_FORMAT: u32 = 1;

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
}

/// A commit: what it covers and what it publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRecord {
    pub format: u32,
    pub id: String,
    pub created: DateTime<Utc>,
    pub inputs: Vec<InputRecord>,
    pub files: Vec<StagedFile>,
    /// The rejected lines of this commit, if any: (staged, final) paths.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rejects: Option<(String, String)>,
    /// Files this commit replaces (a compaction), relative to the lake root.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub replaces: Vec<String>,
}

impl CommitRecord {
    pub fn new(id: String, inputs: Vec<InputRecord>, files: Vec<StagedFile>) -> Self {
        Self {
            format: RECORD_FORMAT,
            id,
            created: Utc::now(),
            inputs,
            files,
            rejects: None,
            replaces: Vec::new(),
        }
    }
}

/// Files replaced by a compaction, being deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Retiring {
    files: Vec<String>,
}

/// What start-up recovery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// Interrupted commits whose publishing was finished.
    pub rolled_forward: usize,
    /// Staging folders of interrupted runs that were deleted.
    pub discarded: usize,
    /// Compactions whose replaced files were deleted.
    pub retired: usize,
}

/// The commit log of one output.
pub struct CommitLog {
    store: Arc<dyn ObjectStore>,
    /// Where the output is on local disk, to remove emptied folders.
    local_root: Option<PathBuf>,
    display: String,
}

impl CommitLog {
    pub fn new(store: Arc<dyn ObjectStore>, local_root: Option<PathBuf>, display: String) -> Self {
        Self {
            store,
            local_root,
            display,
        }
    }

    /// The staging folder of a commit, relative to the output root.
    pub fn staging_dir(id: &str) -> String {
        format!("{STAGING}/{id}")
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

    /// Finish or discard whatever an interrupted run left. Files retired by a compaction
    /// are deleted once `grace` has passed since they were retired.
    pub async fn recover(&self, grace: std::time::Duration) -> Result<Recovery> {
        let mut recovery = Recovery::default();
        let complete = self.list_ids(COMMITS).await?;
        for (id, _) in self.list_ids(PENDING).await? {
            let pending_path = format!("{PENDING}/{id}.json");
            if complete.iter().any(|(c, _)| *c == id) {
                self.delete(&pending_path).await?;
                continue;
            }
            let record = self.read(&pending_path).await?;
            self.publish(&record).await?;
            self.mark_retiring(&record).await?;
            self.complete(&record).await?;
            recovery.rolled_forward += 1;
        }
        for (id, modified) in self.list_ids(RETIRING).await? {
            let age = (Utc::now() - modified).to_std().unwrap_or_default();
            if let Some(wait) = grace.checked_sub(age) {
                tokio::time::sleep(wait).await;
            }
            self.retire(&id).await?;
            recovery.retired += 1;
        }
        let staging = self
            .store
            .list_with_delimiter(Some(&Path::from(STAGING)))
            .await
            .map_err(|e| self.store_err(STAGING, e))?;
        for dir in staging.common_prefixes {
            self.delete_tree(dir.as_ref()).await?;
            recovery.discarded += 1;
        }
        Ok(recovery)
    }

    /// Every input of every complete commit, by location.
    pub async fn committed_inputs(&self) -> Result<HashMap<String, InputRecord>> {
        let mut inputs = HashMap::new();
        for (id, _) in self.list_ids(COMMITS).await? {
            let record = self.read(&format!("{COMMITS}/{id}.json")).await?;
            for input in record.inputs {
                inputs.insert(input.location.clone(), input);
            }
        }
        Ok(inputs)
    }

    /// Commit: record, publish, complete, clean up. A compaction's replaced files are
    /// retired (deleted) after `grace`, so a reader that listed them just before the
    /// swap can still read them.
    pub async fn commit(&self, record: &CommitRecord, grace: std::time::Duration) -> Result<()> {
        fault("before-pending");
        let pending_path = format!("{PENDING}/{}.json", record.id);
        self.write(&pending_path, record).await?;
        fault("after-pending");
        self.publish(record).await?;
        fault("after-publish");
        self.mark_retiring(record).await?;
        self.complete(record).await?;
        if !record.replaces.is_empty() {
            fault("before-retire");
            tokio::time::sleep(grace).await;
            self.retire(&record.id).await?;
        }
        Ok(())
    }

    async fn mark_retiring(&self, record: &CommitRecord) -> Result<()> {
        if record.replaces.is_empty() {
            return Ok(());
        }
        let path = format!("{RETIRING}/{}.json", record.id);
        let json = serde_json::to_vec_pretty(&Retiring {
            files: record.replaces.clone(),
        })
        .expect("records serialize");
        self.store
            .put(&Path::from(path.as_str()), PutPayload::from(json))
            .await
            .map_err(|e| self.store_err(&path, e))?;
        Ok(())
    }

    /// Delete the files a compaction replaced, then its retiring record.
    async fn retire(&self, id: &str) -> Result<()> {
        let path = format!("{RETIRING}/{id}.json");
        let bytes = match self.store.get(&Path::from(path.as_str())).await {
            Ok(r) => r.bytes().await.map_err(|e| self.store_err(&path, e))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(self.store_err(&path, e)),
        };
        let retiring: Retiring = serde_json::from_slice(&bytes)
            .map_err(|e| self.err(&path, format!("unreadable retiring record: {e}")))?;
        for (i, file) in retiring.files.iter().enumerate() {
            if i == 1 {
                fault("mid-retire");
            }
            self.delete(file).await?;
        }
        self.delete(&path).await
    }

    async fn publish(&self, record: &CommitRecord) -> Result<()> {
        let moves = record
            .files
            .iter()
            .map(|f| (f.staged.as_str(), f.final_path.as_str()))
            .chain(record.rejects.iter().map(|(s, f)| (s.as_str(), f.as_str())));
        for (i, (staged, final_path)) in moves.enumerate() {
            if i == 1 {
                fault("mid-publish");
            }
            let from = Path::from(staged);
            let to = Path::from(final_path);
            match self.store.rename(&from, &to).await {
                Ok(()) => {}
                Err(object_store::Error::NotFound { .. }) => {
                    // Moved by an earlier, interrupted attempt?
                    if let Err(e) = self.store.head(&to).await {
                        return Err(self.err(
                            staged,
                            format!("staged file is gone and {final_path} does not exist ({e})"),
                        ));
                    }
                }
                Err(e) => return Err(self.store_err(staged, e)),
            }
        }
        Ok(())
    }

    async fn complete(&self, record: &CommitRecord) -> Result<()> {
        self.write(&format!("{COMMITS}/{}.json", record.id), record)
            .await?;
        self.delete(&format!("{PENDING}/{}.json", record.id))
            .await?;
        self.delete_tree(&Self::staging_dir(&record.id)).await
    }

    /// The records in one of the log's folders: ids, sorted, with their times.
    async fn list_ids(&self, dir: &str) -> Result<Vec<(String, DateTime<Utc>)>> {
        let listing: Vec<_> = self
            .store
            .list(Some(&Path::from(dir)))
            .try_collect()
            .await
            .map_err(|e| self.store_err(dir, e))?;
        let mut ids: Vec<(String, DateTime<Utc>)> = listing
            .into_iter()
            .filter_map(|meta| {
                let id = meta.location.filename()?.strip_suffix(".json")?.to_string();
                Some((id, meta.last_modified))
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    async fn read(&self, path: &str) -> Result<CommitRecord> {
        let bytes = self
            .store
            .get(&Path::from(path))
            .await
            .map_err(|e| self.store_err(path, e))?
            .bytes()
            .await
            .map_err(|e| self.store_err(path, e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| self.err(path, format!("unreadable commit record: {e}")))
    }

    async fn write(&self, path: &str, record: &CommitRecord) -> Result<()> {
        let json = serde_json::to_vec_pretty(record).expect("records serialize");
        // A put is atomic on both local disk (temporary file and rename) and S3.
        self.store
            .put(&Path::from(path), PutPayload::from(json))
            .await
            .map_err(|e| self.store_err(path, e))?;
        Ok(())
    }

    async fn delete(&self, path: &str) -> Result<()> {
        match self.store.delete(&Path::from(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.store_err(path, e)),
        }
    }

    async fn delete_tree(&self, prefix: &str) -> Result<()> {
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
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(|source| ConvertError::Io { path: dir, source })?;
            }
        }
        Ok(())
    }
}

/// Crash-test hook: `FLOWLAKE_FAULT=<point>` makes the process abort at that point of the
/// protocol, as a `kill -9` or a power cut would stop it. The test suite uses it to prove
/// that every interruption is recovered; it has no other use.
fn fault(point: &str) {
    if std::env::var_os("FLOWLAKE_FAULT").is_some_and(|v| v == point) {
        eprintln!("flowlake: FLOWLAKE_FAULT={point}: aborting");
        std::process::abort();
    }
}
