//! Exactly-once publishing on plain storage.
//!
//! Hive-style folders have no transaction log, so flowlake keeps its own under
//! `<out>/_flowlake/` (hidden from Athena, DuckDB, Spark and DataFusion by the `_`):
//!
//! 1. Data files are written complete under `_flowlake/staging/<commit>/`.
//! 2. `_flowlake/commits/<commit>.pending` is written, naming the inputs the commit covers
//!    and every staged file with its final path.
//! 3. Each staged file is moved to its final path (a rename on disk). A move is idempotent:
//!    a file whose staged copy is gone and whose final copy exists is done.
//! 4. `<commit>.json` is written and the `.pending` removed; the staging folder is removed.
//!
//! On start, a `.pending` commit is rolled forward (its files are complete, so publishing
//! can finish) and every staging folder left is deleted (it belongs to no commit). Inputs
//! named by complete commits are skipped. So a run killed at any instant and run again
//! ends with every input row published exactly once, and readers only ever see whole
//! files.

use std::collections::{HashMap, HashSet};
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
const STAGING: &str = "_flowlake/staging";
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
        }
    }
}

/// What start-up recovery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// Interrupted commits whose publishing was finished.
    pub rolled_forward: usize,
    /// Staging folders of interrupted runs that were deleted.
    pub discarded: usize,
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

    /// Finish or discard whatever an interrupted run left.
    pub async fn recover(&self) -> Result<Recovery> {
        let mut recovery = Recovery::default();
        let (pending, complete) = self.list_commits().await?;
        for id in pending {
            let pending_path = format!("{COMMITS}/{id}.pending");
            if complete.contains(&id) {
                self.delete(&pending_path).await?;
                continue;
            }
            let record = self.read(&pending_path).await?;
            self.publish(&record).await?;
            self.complete(&record).await?;
            recovery.rolled_forward += 1;
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
        let (_, complete) = self.list_commits().await?;
        let mut inputs = HashMap::new();
        let mut ids: Vec<_> = complete.into_iter().collect();
        ids.sort();
        for id in ids {
            let record = self.read(&format!("{COMMITS}/{id}.json")).await?;
            for input in record.inputs {
                inputs.insert(input.location.clone(), input);
            }
        }
        Ok(inputs)
    }

    /// Commit: record, publish, complete, clean up.
    pub async fn commit(&self, record: &CommitRecord) -> Result<()> {
        fault("before-pending");
        let pending_path = format!("{COMMITS}/{}.pending", record.id);
        self.write(&pending_path, record).await?;
        fault("after-pending");
        self.publish(record).await?;
        fault("after-publish");
        self.complete(record).await
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
        self.delete(&format!("{COMMITS}/{}.pending", record.id))
            .await?;
        self.delete_tree(&Self::staging_dir(&record.id)).await
    }

    async fn list_commits(&self) -> Result<(Vec<String>, HashSet<String>)> {
        let listing: Vec<_> = self
            .store
            .list(Some(&Path::from(COMMITS)))
            .try_collect()
            .await
            .map_err(|e| self.store_err(COMMITS, e))?;
        let mut pending = Vec::new();
        let mut complete = HashSet::new();
        for meta in listing {
            let Some(name) = meta.location.filename() else {
                continue;
            };
            if let Some(id) = name.strip_suffix(".pending") {
                pending.push(id.to_string());
            } else if let Some(id) = name.strip_suffix(".json") {
                complete.insert(id.to_string());
            }
        }
        pending.sort();
        Ok((pending, complete))
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
