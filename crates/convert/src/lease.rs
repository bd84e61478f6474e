//! Which writers of a lake are alive, so that a run cleans up only after dead ones.
//!
//! Writers need no lock: the table log decides which commit lands. What a run must not do
//! is delete another live run's staging folder. Each run holds a lease under
//! `_flowlake/runs/` while it lasts:
//!
//! - on disk, an OS lock on `<run>.lock` (released by the kernel when the process dies,
//!   even by `kill -9`; a stopped process keeps it);
//! - on S3, an object `<run>.json` rewritten every 30 s; a run is taken for dead once its
//!   lease has gone 10 minutes without a refresh, or at once when it was on this machine
//!   (same host name and PID namespace) and its process is gone.
//!
//! Taking a live run for dead costs that run its current commit (its staged files are
//! gone, so it stops and commits nothing), never a duplicate or a lost row.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::error::{ConvertError, Result};

const RUNS: &str = "_flowlake/runs";
/// How often a run refreshes its S3 lease.
const REFRESH: Duration = Duration::from_secs(30);
/// After how long without a refresh an S3 lease is taken to belong to a dead run.
const EXPIRY: Duration = Duration::from_secs(600);

/// A new run id: unique across machines and runs.
pub(crate) fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Who holds an S3 lease.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Holder {
    host: String,
    /// The PID namespace (`/proc/self/ns/pid`), which tells containers apart that share a
    /// host name.
    pid_namespace: Option<String>,
    pid: u32,
    started: DateTime<Utc>,
}

impl Holder {
    fn me() -> Self {
        Self {
            host: hostname(),
            pid_namespace: pid_namespace(),
            pid: std::process::id(),
            started: Utc::now(),
        }
    }

    /// A holder in this machine's PID namespace whose process is gone.
    fn is_dead_here(&self) -> bool {
        self.host == hostname()
            && self.pid_namespace.is_some()
            && self.pid_namespace == pid_namespace()
            && !FsPath::new(&format!("/proc/{}", self.pid)).exists()
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

fn pid_namespace() -> Option<String> {
    std::fs::read_link("/proc/self/ns/pid")
        .ok()
        .map(|p| p.display().to_string())
}

/// A run's lease, held until dropped.
pub(crate) enum Lease {
    Local {
        _file: File,
        path: PathBuf,
    },
    Remote {
        store: Arc<dyn ObjectStore>,
        key: Path,
        refresh: JoinHandle<()>,
        rt: Handle,
    },
}

impl Lease {
    /// Take the lease of `run` on the lake (`disk_root` on disk, else `store` on S3).
    pub async fn take(
        store: &Arc<dyn ObjectStore>,
        disk_root: Option<&FsPath>,
        run: &str,
    ) -> Result<Self> {
        if let Some(root) = disk_root {
            let dir = root.join(RUNS);
            let io = |path: &FsPath| {
                let path = path.to_path_buf();
                move |source| ConvertError::Io { path, source }
            };
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            let path = dir.join(format!("{run}.lock"));
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(io(&path))?;
            // Blocking: another run checking whether this one is alive holds the lock
            // for a moment.
            file.lock().map_err(|source| ConvertError::Io {
                path: path.clone(),
                source,
            })?;
            return Ok(Lease::Local { _file: file, path });
        }
        let key = Path::from(format!("{RUNS}/{run}.json"));
        let body = PutPayload::from(serde_json::to_vec(&Holder::me()).expect("serializes"));
        store
            .put(&key, body.clone())
            .await
            .map_err(|e| ConvertError::store(key.as_ref(), e))?;
        let refresh = {
            let store = Arc::clone(store);
            let key = key.clone();
            // Aborted when the lease is dropped.
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(REFRESH).await;
                    // A failed refresh is retried at the next tick; a lease that expires
                    // costs this run its commit, never the lake's consistency.
                    let _ = store.put(&key, body.clone()).await;
                }
            })
        };
        Ok(Lease::Remote {
            store: Arc::clone(store),
            key,
            refresh,
            rt: Handle::current(),
        })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        match self {
            Lease::Local { path, .. } => {
                let _ = std::fs::remove_file(path);
            }
            Lease::Remote {
                store,
                key,
                refresh,
                rt,
            } => {
                refresh.abort();
                let store = Arc::clone(store);
                let key = key.clone();
                // Dropped outside the runtime (the converter is synchronous); best effort:
                // an undeleted lease expires.
                let _ = rt.block_on(async move { store.delete(&key).await });
            }
        }
    }
}

/// The runs of the lake that are (or may be) alive. The leases of dead runs are deleted.
pub(crate) async fn live_runs(
    store: &Arc<dyn ObjectStore>,
    disk_root: Option<&FsPath>,
) -> Result<HashSet<String>> {
    let mut live = HashSet::new();
    if let Some(root) = disk_root {
        let dir = root.join(RUNS);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(live),
            Err(source) => return Err(ConvertError::Io { path: dir, source }),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(run) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".lock"))
            else {
                continue;
            };
            let Ok(file) = OpenOptions::new().write(true).open(&path) else {
                continue;
            };
            match file.try_lock() {
                Ok(()) => {
                    // A dead run's. Removed only once old: a run that has just created its
                    // lease file may not have locked it yet, and must keep it.
                    let old = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t.elapsed().unwrap_or_default() > EXPIRY);
                    if old {
                        let _ = std::fs::remove_file(&path);
                    }
                }
                Err(_) => {
                    live.insert(run.to_string());
                }
            }
        }
        return Ok(live);
    }
    let prefix = Path::from(RUNS);
    let leases: Vec<_> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| ConvertError::store(RUNS, e))?;
    for meta in leases {
        let Some(run) = meta
            .location
            .filename()
            .and_then(|n| n.strip_suffix(".json"))
            .map(str::to_string)
        else {
            continue;
        };
        let age = (Utc::now() - meta.last_modified)
            .to_std()
            .unwrap_or_default();
        let holder: Option<Holder> = match store.get(&meta.location).await {
            Ok(r) => r
                .bytes()
                .await
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok()),
            Err(_) => None,
        };
        let dead = age > EXPIRY || holder.as_ref().is_some_and(Holder::is_dead_here);
        if dead {
            let _ = store.delete(&meta.location).await;
        } else {
            live.insert(run);
        }
    }
    Ok(live)
}
