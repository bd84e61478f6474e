//! Where a conversion writes: a lake folder on disk or an S3 prefix, with one writer at a
//! time.
//!
//! On disk, data files are written straight into the lake's staging folder and published
//! by rename. On S3 they are written to a local spool folder and uploaded (multipart when
//! large) to the lake's staging prefix as each file is closed; publishing copies them to
//! their final keys inside S3. Either way the commit log sees the same staged layout.

use std::fs::{File, OpenOptions};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use flowlake_store::{Location, S3Options, s3_store};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::commit::{CommitLog, META_DIR};
use crate::error::{ConvertError, Result};

/// The lock object of an S3 lake, refreshed while a run lasts.
const REMOTE_LOCK: &str = "_flowlake/lock";
/// How often a run refreshes its S3 lock.
const LOCK_REFRESH: Duration = Duration::from_secs(30);
/// After how long without a refresh an S3 lock is taken to belong to a dead run.
const LOCK_EXPIRY: Duration = Duration::from_secs(120);
/// Uploads: part size (unless `FLOWLAKE_S3_PART_SIZE` says otherwise), and parts in
/// flight per file. S3 takes parts of 5 MiB to 5 GiB, and at most 10,000 of them.
const PART_SIZE: usize = 16 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;

/// The multipart part size: `FLOWLAKE_S3_PART_SIZE` (bytes) or 16 MiB. Files up to one
/// part are uploaded in a single request.
fn part_size() -> Result<usize> {
    match std::env::var("FLOWLAKE_S3_PART_SIZE") {
        Err(_) => Ok(PART_SIZE),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 64 * 1024)
            .ok_or_else(|| {
                ConvertError::Invalid(format!(
                    "FLOWLAKE_S3_PART_SIZE={v:?}: expected a number of bytes, at least 65536 (S3 itself needs 5 MiB)"
                ))
            }),
    }
}

/// Everything a run that writes to a lake holds: the output (and its lock), the commit
/// log, and the async runtime their I/O runs on.
///
/// Fields drop in order: the target (whose S3 lock is deleted through the runtime) before
/// the runtime.
pub(crate) struct Writer {
    pub target: Target,
    pub log: CommitLog,
    pub rt: tokio::runtime::Runtime,
}

impl Writer {
    pub fn open(lake: &Location, s3: &S3Options, spool: Option<&FsPath>) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|source| ConvertError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let target = rt.block_on(Target::open(lake, s3, spool))?;
        let display = target.location.to_string();
        let log = CommitLog::new(
            Arc::clone(&target.store),
            target.disk_root.clone(),
            display.trim_end_matches('/').to_string(),
        );
        Ok(Self { target, log, rt })
    }
}

/// An opened output.
pub(crate) struct Target {
    pub location: Location,
    /// The lake, as an object store rooted at the lake.
    pub store: Arc<dyn ObjectStore>,
    /// Where data files are written before publishing: the lake folder on disk, a spool
    /// folder for S3.
    pub work: PathBuf,
    /// The lake folder on disk (`None` on S3).
    pub disk_root: Option<PathBuf>,
    _lock: Lock,
    _spool: Option<tempfile::TempDir>,
}

impl Target {
    pub async fn open(output: &Location, s3: &S3Options, spool: Option<&FsPath>) -> Result<Self> {
        match output {
            Location::Local(out) => {
                let io = |path: &FsPath| {
                    let path = path.to_path_buf();
                    move |source| ConvertError::Io { path, source }
                };
                std::fs::create_dir_all(out.join(META_DIR)).map_err(io(&out.join(META_DIR)))?;
                let out = std::fs::canonicalize(out).map_err(io(out))?;
                let lock = lock_file(&out)?;
                let store: Arc<dyn ObjectStore> = Arc::new(
                    LocalFileSystem::new_with_prefix(&out)
                        .map_err(|e| ConvertError::store(out.display().to_string(), e))?,
                );
                Ok(Self {
                    location: Location::Local(out.clone()),
                    store,
                    work: out.clone(),
                    disk_root: Some(out),
                    _lock: Lock::File(lock),
                    _spool: None,
                })
            }
            Location::S3 { bucket, prefix } => {
                let bucket_store = s3_store(bucket, s3).await?;
                let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
                    bucket_store
                } else {
                    Arc::new(PrefixStore::new(bucket_store, prefix.clone()))
                };
                let lock = RemoteLock::acquire(Arc::clone(&store), output).await?;
                let mut builder = tempfile::Builder::new();
                builder.prefix("flowlake-spool-");
                let spool_dir = match spool {
                    Some(dir) => builder.tempdir_in(dir),
                    None => builder.tempdir(),
                }
                .map_err(|source| ConvertError::Io {
                    path: spool.map_or_else(std::env::temp_dir, FsPath::to_path_buf),
                    source,
                })?;
                Ok(Self {
                    location: output.clone(),
                    store,
                    work: spool_dir.path().to_path_buf(),
                    disk_root: None,
                    _lock: Lock::Remote(lock),
                    _spool: Some(spool_dir),
                })
            }
        }
    }

    pub fn is_remote(&self) -> bool {
        self.disk_root.is_none()
    }

    /// What moves files from the spool to S3 (`None` on disk, where they are in place).
    pub fn uploader(&self, rt: &Handle) -> Option<Uploader> {
        self.is_remote().then(|| Uploader {
            store: Arc::clone(&self.store),
            rt: rt.clone(),
            work: self.work.clone(),
        })
    }
}

/// Uploads files of the spool folder to the same relative keys in the lake.
#[derive(Clone)]
pub(crate) struct Uploader {
    store: Arc<dyn ObjectStore>,
    rt: Handle,
    work: PathBuf,
}

impl Uploader {
    /// Upload `relative` (a path under the spool folder) and remove the local copy.
    /// Blocking; call outside the async runtime.
    pub fn upload(&self, relative: &str) -> Result<u64> {
        let local = self.work.join(relative);
        let bytes = self
            .rt
            .block_on(upload(&self.store, &local, &Path::from(relative)))?;
        std::fs::remove_file(&local).map_err(|source| ConvertError::Io {
            path: local.clone(),
            source,
        })?;
        Ok(bytes)
    }
}

/// Upload a local file: one request when small, a multipart upload of several parts in
/// flight otherwise. The object appears whole or not at all; a failed multipart upload
/// is aborted.
pub(crate) async fn upload(
    store: &Arc<dyn ObjectStore>,
    local: &FsPath,
    key: &Path,
) -> Result<u64> {
    let io = |source| ConvertError::Io {
        path: local.to_path_buf(),
        source,
    };
    let mut file = tokio::fs::File::open(local).await.map_err(io)?;
    let size = file.metadata().await.map_err(io)?.len();
    let remote = || key.to_string();
    let part = part_size()?;
    if size <= part as u64 {
        let mut buf = Vec::with_capacity(size as usize);
        file.read_to_end(&mut buf).await.map_err(io)?;
        store
            .put(key, PutPayload::from(buf))
            .await
            .map_err(|e| ConvertError::store(remote(), e))?;
        return Ok(size);
    }
    let upload = store
        .put_multipart(key)
        .await
        .map_err(|e| ConvertError::store(remote(), e))?;
    let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, part);
    let mut buf = vec![0u8; part];
    loop {
        let n = match read_full(&mut file, &mut buf).await {
            Ok(n) => n,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(io(e));
            }
        };
        if n == 0 {
            break;
        }
        if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
            return Err(ConvertError::store(remote(), e));
        }
        writer.write(&buf[..n]);
    }
    writer
        .finish()
        .await
        .map_err(|e| ConvertError::store(remote(), e))?;
    Ok(size)
}

async fn read_full(file: &mut tokio::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Held for its `Drop`: the OS releases a file lock when the file closes; an S3 lock is
/// deleted.
#[expect(dead_code, reason = "held only to be dropped at the end of the run")]
enum Lock {
    File(File),
    Remote(RemoteLock),
}

/// On disk: an OS file lock, released when the process dies, even by `kill -9`.
fn lock_file(out: &FsPath) -> Result<File> {
    let path = out.join(META_DIR).join("lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| ConvertError::Io {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ConvertError::Locked(out.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(ConvertError::Io { path, source }),
    }
}

/// Who holds an S3 lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Holder {
    host: String,
    pid: u32,
    started: DateTime<Utc>,
}

impl Holder {
    fn me() -> Self {
        Self {
            host: hostname(),
            pid: std::process::id(),
            started: Utc::now(),
        }
    }

    /// A holder on this machine whose process is gone.
    fn is_dead_here(&self) -> bool {
        self.host == hostname() && !process_alive(self.pid)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn process_alive(pid: u32) -> bool {
    if FsPath::new("/proc/self").exists() {
        return FsPath::new(&format!("/proc/{pid}")).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// S3 has no file locks: the lock is an object created only if absent (a conditional
/// put), refreshed while the run lasts and deleted at the end. A lock left by a killed
/// run is taken over at once from the same machine (its process is gone), else once it
/// has gone unrefreshed for two minutes.
struct RemoteLock {
    store: Arc<dyn ObjectStore>,
    refresh: JoinHandle<()>,
    rt: Handle,
}

impl RemoteLock {
    async fn acquire(store: Arc<dyn ObjectStore>, output: &Location) -> Result<Self> {
        let path = Path::from(REMOTE_LOCK);
        let display = output.join(REMOTE_LOCK);
        let body = || PutPayload::from(serde_json::to_vec(&Holder::me()).expect("serializes"));
        let created = store
            .put_opts(&path, body(), PutOptions::from(PutMode::Create))
            .await;
        match created {
            Ok(_) => {}
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => {
                let found = store
                    .get(&path)
                    .await
                    .map_err(|e| ConvertError::store(&display, e))?;
                let age = (Utc::now() - found.meta.last_modified)
                    .to_std()
                    .unwrap_or_default();
                let bytes = found
                    .bytes()
                    .await
                    .map_err(|e| ConvertError::store(&display, e))?;
                let holder: Option<Holder> = serde_json::from_slice(&bytes).ok();
                let dead = holder.as_ref().is_some_and(Holder::is_dead_here);
                if !dead && age < LOCK_EXPIRY {
                    let who = holder.map_or_else(
                        || "another flowlake process".to_string(),
                        |h| {
                            format!(
                                "flowlake process {} on {} (started {})",
                                h.pid,
                                h.host,
                                h.started.format("%Y-%m-%d %H:%M:%SZ")
                            )
                        },
                    );
                    return Err(ConvertError::LockedRemote(format!(
                        "{who} is converting into {output} (lock {display}, refreshed {}s ago); wait for it to finish. A lock left by a run that died expires {}s after its last refresh",
                        age.as_secs(),
                        LOCK_EXPIRY.as_secs()
                    )));
                }
                store
                    .put(&path, body())
                    .await
                    .map_err(|e| ConvertError::store(&display, e))?;
            }
            Err(e) => return Err(ConvertError::store(&display, e)),
        }
        let refresh = {
            let store = Arc::clone(&store);
            let body = body();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(LOCK_REFRESH).await;
                    // A failed refresh is retried at the next tick; the data protocol does
                    // not depend on the lock, which only keeps a second run from deleting
                    // this one's staged files.
                    let _ = store.put(&Path::from(REMOTE_LOCK), body.clone()).await;
                }
            })
        };
        Ok(Self {
            store,
            refresh,
            rt: Handle::current(),
        })
    }
}

impl Drop for RemoteLock {
    fn drop(&mut self) {
        self.refresh.abort();
        let store = Arc::clone(&self.store);
        // Dropped outside the runtime (the converter is synchronous); best effort: an
        // undeleted lock expires.
        let _ = self
            .rt
            .block_on(async move { store.delete(&Path::from(REMOTE_LOCK)).await });
    }
}
