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
//! files out of every listing. The records are read before each listing of data files and
//! their names checked again after it: if a commit or compaction started or moved on
//! meanwhile, the listing is made again, so what it hides always matches what it saw. A
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

/// Listings made again, at most, while the lake's commit log keeps changing under them.
const ATTEMPTS: usize = 10;

fn under(root: &Path, rel: &str) -> Path {
    if root.as_ref().is_empty() {
        Path::from(rel)
    } else {
        Path::from(format!("{root}/{rel}"))
    }
}

/// The in-flight records of the lake at `root` (pending and retiring), by path, sorted.
async fn records(store: &dyn ObjectStore, root: &Path) -> Result<Vec<ObjectMeta>> {
    let mut all = Vec::new();
    for dir in [RETIRING_DIR, PENDING_DIR] {
        let found: Vec<ObjectMeta> = store.list(Some(&under(root, dir))).try_collect().await?;
        all.extend(found);
    }
    all.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(all)
}

fn names(records: &[ObjectMeta]) -> Vec<&Path> {
    records.iter().map(|m| &m.location).collect()
}

/// The files the given in-flight records hide: those of pending commits, and those
/// replaced by retiring compactions, as paths of `store`.
async fn hidden_from(
    store: &dyn ObjectStore,
    root: &Path,
    records: &[ObjectMeta],
) -> Result<HashSet<Path>> {
    let mut hidden = HashSet::new();
    // Retiring first: a compaction that has published its files lists them in its
    // pending record until that is removed; once retiring, they are part of the table.
    let mut retiring_ids = HashSet::new();
    for (dir, key) in [(RETIRING_DIR, ""), (PENDING_DIR, "final")] {
        let prefix = under(root, dir);
        for meta in records
            .iter()
            .filter(|m| m.location.prefix_matches(&prefix))
        {
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
                    hidden.insert(under(root, p));
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

    fn collected(
        &self,
        list: impl Fn(&Arc<dyn ObjectStore>) -> BoxStream<'static, Result<ObjectMeta>>
        + Send
        + Sync
        + 'static,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        let inner = Arc::clone(&self.inner);
        let root = self.root.clone();
        futures::stream::once(async move {
            let listed = consistent(
                &inner,
                &root,
                || list(&inner).try_collect::<Vec<ObjectMeta>>(),
                |v| v,
            )
            .await?;
            Ok::<_, object_store::Error>(futures::stream::iter(listed.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }
}

/// List with `list`, leaving out the files the commit log hides. The in-flight records
/// are read before the listing and their names again after it; if they changed (a commit
/// or compaction started or moved on), the hidden set may not match what was listed, so
/// the listing is made again.
async fn consistent<T, Fut>(
    inner: &Arc<dyn ObjectStore>,
    root: &Path,
    list: impl Fn() -> Fut,
    objects: fn(&mut T) -> &mut Vec<ObjectMeta>,
) -> Result<T>
where
    Fut: std::future::Future<Output = Result<T>>,
{
    for _ in 0..ATTEMPTS {
        let before = records(inner.as_ref(), root).await?;
        let hidden = hidden_from(inner.as_ref(), root, &before).await?;
        let mut listed = list().await?;
        let after = records(inner.as_ref(), root).await?;
        if names(&before) == names(&after) {
            objects(&mut listed).retain(|m| !hidden.contains(&m.location));
            return Ok(listed);
        }
    }
    Err(object_store::Error::Generic {
        store: "LakeView",
        source: Box::new(std::io::Error::other(format!(
            "the lake's commit log changed during each of {ATTEMPTS} listings; run the query again"
        ))),
    })
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
        self.collected(move |inner| inner.list(prefix.as_ref()))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        let prefix = prefix.cloned();
        let offset = offset.clone();
        self.collected(move |inner| inner.list_with_offset(prefix.as_ref(), &offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let result = self.inner.list_with_delimiter(prefix).await?;
        if result.objects.is_empty() {
            // A level of partition folders: no file to hide, no commit log to read.
            return Ok(result);
        }
        consistent(
            &self.inner,
            &self.root,
            || self.inner.list_with_delimiter(prefix),
            |r| &mut r.objects,
        )
        .await
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

    #[tokio::test(flavor = "current_thread")]
    async fn a_commit_starting_during_a_listing_makes_it_list_again() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let data = Path::from("lake/AWSLogs/d");
        store
            .put(&data.clone().join("old-1.parquet"), PutPayload::from("x"))
            .await
            .unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let listed = consistent(
            &store,
            &Path::from("lake"),
            || async {
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    // A compaction records and publishes a file after the records were
                    // read and before the listing.
                    let record = r#"{"files": [{"final": "AWSLogs/d/new-1.parquet"}]}"#;
                    store
                        .put(
                            &Path::from("lake/_flowlake/pending/c.json"),
                            PutPayload::from(record),
                        )
                        .await
                        .unwrap();
                    store
                        .put(&data.clone().join("new-1.parquet"), PutPayload::from("x"))
                        .await
                        .unwrap();
                }
                store.list(Some(&data)).try_collect::<Vec<_>>().await
            },
            |v| v,
        )
        .await
        .unwrap();
        let names: Vec<_> = listed
            .iter()
            .map(|m| m.location.filename().unwrap())
            .collect();
        assert_eq!(names, ["old-1.parquet"]);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
