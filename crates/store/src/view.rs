//! The lake as flowlake's own reader sees it: whole commits only, and never a file twice.
//!
//! Writers publish a commit's files one by one (a rename on disk, a copy in S3), and a
//! compaction publishes new files before it deletes the ones they replace. A plain
//! directory reader can see a commit half published, or both the old and the new files of
//! a compaction for a moment. The writers record what is in flight under `_flowlake/`:
//!
//! - `_flowlake/pending/<id>.json`: a commit being published; its `files[].final` paths
//!   are not part of the table yet;
//! - `_flowlake/retiring/<id>.json`: files replaced by a published compaction, being
//!   deleted; they are no longer part of the table.
//!
//! [`LakeView`] wraps the store a query engine lists the lake through and leaves those
//! files out of every listing. The records are read before each listing, and a
//! compaction waits (its grace period) between recording files as retiring and deleting
//! them, so a listing never misses a file that is still the only copy of its rows.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// Commits being published: `<id>.json`, the commit record.
pub const PENDING_DIR: &str = "_flowlake/pending";
/// Files replaced by a compaction, being deleted: `<id>.json`, `{"files": [...]}`.
pub const RETIRING_DIR: &str = "_flowlake/retiring";

/// The files of the lake at `root` that are not part of the table right now, as paths of
/// `store`.
pub async fn hidden_files(store: &dyn ObjectStore, root: &Path) -> Result<HashSet<Path>> {
    let under = |rel: &str| -> Path {
        if root.as_ref().is_empty() {
            Path::from(rel)
        } else {
            Path::from(format!("{root}/{rel}"))
        }
    };
    let mut hidden = HashSet::new();
    // Retiring first: a compaction that has published its files lists them in its
    // pending record until that is removed; once retiring, they are part of the table.
    let mut retiring_ids = HashSet::new();
    for (dir, key) in [(RETIRING_DIR, ""), (PENDING_DIR, "final")] {
        let records: Vec<ObjectMeta> = store.list(Some(&under(dir))).try_collect().await?;
        for meta in records {
            let Some(id) = meta
                .location
                .filename()
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            if key.is_empty() {
                retiring_ids.insert(id.to_string());
            } else if retiring_ids.contains(id) {
                continue;
            }
            let bytes = match store.get(&meta.location).await {
                Ok(r) => r.bytes().await?,
                // Completed and removed since the listing.
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                continue;
            };
            let files = json.get("files").and_then(|f| f.as_array());
            for file in files.into_iter().flatten() {
                let path = if key.is_empty() {
                    file.as_str()
                } else {
                    file.get(key).and_then(|v| v.as_str())
                };
                if let Some(p) = path {
                    hidden.insert(under(p));
                }
            }
        }
    }
    Ok(hidden)
}

/// A store whose listings leave out the files of in-flight commits and compactions of
/// the lake at `root`. Everything else passes through.
#[derive(Debug)]
pub struct LakeView {
    inner: Arc<dyn ObjectStore>,
    root: Path,
}

impl LakeView {
    pub fn new(inner: Arc<dyn ObjectStore>, root: Path) -> Self {
        Self { inner, root }
    }

    fn filtered(
        &self,
        list: impl FnOnce(&Arc<dyn ObjectStore>) -> BoxStream<'static, Result<ObjectMeta>>
        + Send
        + 'static,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        let inner = Arc::clone(&self.inner);
        let root = self.root.clone();
        futures::stream::once(async move {
            match hidden_files(inner.as_ref(), &root).await {
                Ok(hidden) => list(&inner)
                    .try_filter(move |m| std::future::ready(!hidden.contains(&m.location)))
                    .boxed(),
                Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
            }
        })
        .flatten()
        .boxed()
    }
}

impl std::fmt::Display for LakeView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LakeView({})", self.inner)
    }
}

#[async_trait::async_trait]
impl ObjectStore for LakeView {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
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
        let prefix = prefix.cloned();
        self.filtered(move |inner| inner.list(prefix.as_ref()))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        let prefix = prefix.cloned();
        let offset = offset.clone();
        self.filtered(move |inner| inner.list_with_offset(prefix.as_ref(), &offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let hidden = hidden_files(self.inner.as_ref(), &self.root).await?;
        let mut result = self.inner.list_with_delimiter(prefix).await?;
        result.objects.retain(|m| !hidden.contains(&m.location));
        Ok(result)
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn hides_pending_and_retiring_files() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let put = |p: &str, body: &str| {
            let store = Arc::clone(&store);
            let p = Path::from(p);
            let body = body.to_string();
            async move { store.put(&p, PutPayload::from(body)).await.unwrap() }
        };
        for f in [
            "old-1.parquet",
            "old-2.parquet",
            "new-1.parquet",
            "c.parquet",
        ] {
            put(&format!("lake/AWSLogs/d/{f}"), "x").await;
        }
        let view = LakeView::new(Arc::clone(&store), Path::from("lake"));
        let names = |v: &LakeView| {
            let s = v.list(Some(&Path::from("lake/AWSLogs")));
            async move {
                let mut n: Vec<String> = s
                    .map_ok(|m| m.location.filename().unwrap().to_string())
                    .try_collect()
                    .await
                    .unwrap();
                n.sort();
                n
            }
        };
        assert_eq!(names(&view).await.len(), 4);
        // A compaction in flight: its new file is not in the table yet.
        put(
            "lake/_flowlake/pending/c1.json",
            r#"{"files": [{"staged": "s", "final": "AWSLogs/d/new-1.parquet"}]}"#,
        )
        .await;
        assert_eq!(
            names(&view).await,
            ["c.parquet", "old-1.parquet", "old-2.parquet"]
        );
        // Published: the replaced files are out, the new one in.
        put(
            "lake/_flowlake/retiring/c1.json",
            r#"{"files": ["AWSLogs/d/old-1.parquet", "AWSLogs/d/old-2.parquet"]}"#,
        )
        .await;
        assert_eq!(names(&view).await, ["c.parquet", "new-1.parquet"]);
        store
            .delete(&Path::from("lake/_flowlake/pending/c1.json"))
            .await
            .unwrap();
        assert_eq!(names(&view).await, ["c.parquet", "new-1.parquet"]);
        let level = view
            .list_with_delimiter(Some(&Path::from("lake/AWSLogs/d")))
            .await
            .unwrap();
        assert_eq!(level.objects.len(), 2);
    }
}
