//! The local file system, with writes that are on disk when they return.
//!
//! `object_store`'s `LocalFileSystem` writes a temporary file and renames it into place
//! (atomic), but does not `fsync`: after a power cut a commit of the table log could be
//! there with no content. Every write, copy and rename through [`Durable`] syncs the file
//! and its folder before it returns, so what the commit protocol has been told is written
//! stays written.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
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
        let result = self.inner.put_opts(location, payload, opts).await?;
        self.sync(location).await?;
        Ok(result)
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
