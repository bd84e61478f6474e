//! Where a conversion writes: a lake folder on disk or an S3 prefix, and its table log.
//!
//! On disk, data files are written straight into the lake's staging folder and published
//! by rename. On S3 they are written to a local spool folder and uploaded (multipart when
//! large) to the lake's staging prefix as each file is closed; publishing copies them to
//! their final keys inside S3. Either way the commit log sees the same staged layout.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use flowlake_store::{Durable, Location, Opened, S3Options};
use flowlake_table::{Lake, PartitionBy};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use tokio::io::AsyncReadExt;
use tokio::runtime::Handle;

use crate::commit::{CommitLog, META_DIR, Recovery, STAGING};
use crate::error::{ConvertError, Result};
use crate::lease::{Lease, live_runs, new_run_id};
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

/// Everything a run that writes to a lake holds: the output, its table log, the commit
/// protocol, the run's lease, and the async runtime their I/O runs on.
///
/// Fields drop in order: the target (whose S3 lease is deleted through the runtime) before
/// the runtime.
pub(crate) struct Writer {
    pub target: Target,
    pub lake: Lake,
    pub log: CommitLog,
    /// This run's id: its staging folders are `<run>-<seq>`.
    pub run: String,
    pub rt: tokio::runtime::Runtime,
}

impl Writer {
    /// Open the lake for writing: its table log (created, or converted from an earlier
    /// flowlake's commit records, when missing) partitioned `by` when it is new. A lake
    /// partitioned otherwise is refused when `by` was asked for explicitly, else its own
    /// scheme is used.
    pub fn open(
        lake: &Location,
        s3: &S3Options,
        spool: Option<&FsPath>,
        by: Option<PartitionBy>,
    ) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|source| ConvertError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let run = new_run_id();
        let target = rt.block_on(Target::open(lake, s3, spool, &run))?;
        let table = rt.block_on(crate::migrate::open_table(&target, by.unwrap_or_default()))?;
        if let Some(asked) = by
            && asked != table.partition_by()
        {
            return Err(ConvertError::Invalid(format!(
                "{} is partitioned by {} (its table log says so); --partition {} would mix both schemes in one lake. Leave --partition out to use the lake's, or write to another lake",
                target.location,
                table.partition_by().name(),
                asked.name()
            )));
        }
        let display = target.location.to_string();
        let log = CommitLog::new(
            Arc::clone(&target.store),
            target.disk_root.clone(),
            display.trim_end_matches('/').to_string(),
            table.partition_by(),
            &target.opened,
        );
        Ok(Self {
            target,
            lake: table,
            log,
            run,
            rt,
        })
    }

    /// Finish or discard what interrupted runs left (see [`CommitLog::recover`]).
    pub fn recover(&mut self) -> Result<Recovery> {
        let live = live_runs(&self.target.store, self.target.disk_root.as_deref());
        self.rt
            .block_on(self.log.recover(&mut self.lake, &self.run, live))
    }

    /// The staging folder of this run's commit number `seq`, relative to the lake.
    pub fn staging_dir(&self, seq: usize) -> String {
        format!("{STAGING}/{}-{seq:04}", self.run)
    }
}

/// An opened output.
pub(crate) struct Target {
    pub location: Location,
    /// The lake, as an object store rooted at the lake.
    pub store: Arc<dyn ObjectStore>,
    /// The lake's store and prefix, as the table log opens it.
    pub opened: Opened,
    /// Where data files are written before publishing: the lake folder on disk, a spool
    /// folder for S3.
    pub work: PathBuf,
    /// The lake folder on disk (`None` on S3).
    pub disk_root: Option<PathBuf>,
    _lease: Lease,
    _spool: Option<tempfile::TempDir>,
}

impl Target {
    pub async fn open(
        output: &Location,
        s3: &S3Options,
        spool: Option<&FsPath>,
        run: &str,
    ) -> Result<Self> {
        match output {
            Location::Local(out) => {
                let io = |path: &FsPath| {
                    let path = path.to_path_buf();
                    move |source| ConvertError::Io { path, source }
                };
                std::fs::create_dir_all(out.join(META_DIR)).map_err(io(&out.join(META_DIR)))?;
                let out = std::fs::canonicalize(out).map_err(io(out))?;
                let location = Location::Local(out.clone());
                let opened = Opened::open(&location, s3).await?;
                let store: Arc<dyn ObjectStore> = Arc::new(Durable::new(
                    LocalFileSystem::new_with_prefix(&out)
                        .map_err(|e| ConvertError::store(out.display().to_string(), e))?,
                ));
                let lease = Lease::take(&store, Some(&out), run).await?;
                Ok(Self {
                    location,
                    store,
                    opened,
                    work: out.clone(),
                    disk_root: Some(out),
                    _lease: lease,
                    _spool: None,
                })
            }
            Location::S3 { prefix, .. } => {
                let opened = Opened::open(output, s3).await?;
                let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
                    Arc::clone(&opened.store)
                } else {
                    Arc::new(PrefixStore::new(Arc::clone(&opened.store), prefix.clone()))
                };
                let lease = Lease::take(&store, None, run).await?;
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
                    opened,
                    work: spool_dir.path().to_path_buf(),
                    disk_root: None,
                    _lease: lease,
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
            .block_on(upload(&self.store, &local, &crate::commit::key(relative)))?;
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
