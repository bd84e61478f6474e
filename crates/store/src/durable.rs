//! The local file system, with writes that are on disk when they return.
//!
//! `object_store`'s `LocalFileSystem` writes a temporary file and renames it into place
//! (atomic), but does not `fsync`: after a power cut a commit of the table log could be
//! there with no content. [`Durable`] writes a put to a temporary file, syncs it, moves it
//! into place and syncs the folder; copies and renames sync the file and its folder before
//! they return. What the commit protocol has been told is written stays written.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// A [`LocalFileSystem`] whose puts, copies and renames are `fsync`ed (file and folder).
#[derive(Debug)]
pub struct Durable {
    inner: Arc<LocalFileSystem>,
}

impl Durable {
    pub fn new(inner: LocalFileSystem) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    async fn sync(&self, location: &Path) -> Result<()> {
        let file = self.inner.path_to_filesystem(location)?;
        tokio::task::spawn_blocking(move || sync_file_and_folder(&file))
            .await
            .map_err(|e| generic(std::io::Error::other(e)))?
            .map_err(generic)
    }
}

/// Write `payload` to a temporary file beside `path`, `fsync` it, then move it into place
/// (a hard link, failing if `path` exists, when `create`; else a rename) and `fsync` the
/// folder: after a crash the file is either absent or whole, never empty. The temporary
/// name ends in `#` and digits, which the local store's listings leave out.
fn write_durably(
    path: &std::path::Path,
    payload: &PutPayload,
    create: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let parent = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent folder"))?;
    std::fs::create_dir_all(parent)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!("#{}{nanos}", std::process::id()));
    let tmp = parent.join(name);
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        for chunk in payload {
            file.write_all(chunk)?;
        }
        file.sync_all()?;
        if create {
            std::fs::hard_link(&tmp, path)?;
            std::fs::remove_file(&tmp)
        } else {
            std::fs::rename(&tmp, path)
        }
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    std::fs::File::open(parent)?.sync_all()
}

fn sync_file_and_folder(file: &std::path::Path) -> std::io::Result<()> {
    match std::fs::File::open(file) {
        Ok(f) => f.sync_all()?,
        // Already moved or removed by another process (a run finishing this one's commit):
        // what it did is its to make durable.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    if let Some(parent) = file.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

fn generic(e: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "LocalFileSystem",
        source: Box::new(e),
    }
}

impl std::fmt::Display for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Durable({})", self.inner)
    }
}

#[async_trait::async_trait]
impl ObjectStore for Durable {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let create = match opts.mode {
            PutMode::Overwrite => false,
            PutMode::Create => true,
            // Not used by flowlake: the local store's own (synced after it returns).
            PutMode::Update(_) => {
                let result = self.inner.put_opts(location, payload, opts).await?;
                self.sync(location).await?;
                return Ok(result);
            }
        };
        let path = self.inner.path_to_filesystem(location)?;
        let display = location.to_string();
        tokio::task::spawn_blocking(move || write_durably(&path, &payload, create))
            .await
            .map_err(|e| generic(std::io::Error::other(e)))?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => object_store::Error::AlreadyExists {
                    path: display,
                    source: Box::new(e),
                },
                _ => generic(e),
            })?;
        Ok(PutResult {
            e_tag: None,
            version: None,
        })
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        // Not used by flowlake on local disk (files are written in place); not synced.
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> Result<Vec<bytes::Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await?;
        self.sync(to).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await?;
        self.sync(to).await?;
        // The folder the file left, so it does not reappear there after a crash.
        let from_dir = self.inner.path_to_filesystem(from)?;
        if let Some(parent) = from_dir.parent().map(PathBuf::from) {
            let synced = tokio::task::spawn_blocking(move || match std::fs::File::open(&parent) {
                Ok(dir) => dir.sync_all(),
                // Removed meanwhile (an emptied staging folder): nothing to sync.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            })
            .await
            .map_err(|e| generic(std::io::Error::other(e)))?;
            synced.map_err(generic)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStoreExt;

    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn writes_and_renames_like_the_local_file_system() {
        let dir = tempfile::tempdir().unwrap();
        let store = Durable::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
        let a = Path::from("x/a.json");
        store.put(&a, PutPayload::from("one")).await.unwrap();
        let created = store
            .put_opts(
                &a,
                PutPayload::from("two"),
                PutOptions::from(object_store::PutMode::Create),
            )
            .await;
        assert!(
            matches!(created, Err(object_store::Error::AlreadyExists { .. })),
            "{created:?}"
        );
        let b = Path::from("y/b.json");
        store.rename(&a, &b).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("y/b.json")).unwrap(),
            "one"
        );
        assert!(!dir.path().join("x/a.json").exists());
    }
}
