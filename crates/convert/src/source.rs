//! Inputs: listing files and directories through `object_store`, and opening them as a
//! byte stream (gzip or plain) for the decoder.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use flowlake_store::{Location, S3Options, s3_store};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetResultPayload, ObjectMeta, ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

use crate::error::{ConvertError, Result};
use crate::hints::{FolderSpan, PathHints};
use crate::progress::Progress;

/// Read buffer per input.
const READ_BUFFER: usize = 256 * 1024;

/// One input to convert: a file or object, or standard input.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where it is, as shown to the user and recorded in the manifest: an absolute path,
    /// a URL, or `-` for standard input.
    pub location: String,
    pub size: Option<u64>,
    pub modified: Option<DateTime<Utc>>,
    pub etag: Option<String>,
    pub hints: PathHints,
    object: Option<(Arc<dyn ObjectStore>, Path)>,
}

impl Input {
    /// Standard input.
    pub fn stdin() -> Self {
        Self {
            location: "-".to_string(),
            size: None,
            modified: None,
            etag: None,
            hints: PathHints::default(),
            object: None,
        }
    }

    pub fn is_stdin(&self) -> bool {
        self.object.is_none()
    }

    /// Open the raw bytes. Called on a worker thread, outside the async runtime.
    pub(crate) fn open_raw(&self, rt: &Handle) -> std::io::Result<Box<dyn Read + Send>> {
        let Some((store, path)) = &self.object else {
            return Ok(Box::new(std::io::stdin()));
        };
        let result = rt
            .block_on(store.get(path))
            .map_err(|e| read_error(&e, &self.location))?;
        Ok(match result.payload {
            GetResultPayload::File(file, _) => Box::new(file),
            GetResultPayload::Stream(stream) => Box::new(StreamRead {
                rt: rt.clone(),
                stream,
                chunk: Bytes::new(),
            }),
        })
    }
}

/// A read error as I/O error. Storage that cannot be reached at all (after retries) is
/// `NotConnected`, which stops the run: every other input would fail the same way.
fn read_error(e: &object_store::Error, location: &str) -> std::io::Error {
    let message = flowlake_store::explain(e, location);
    if flowlake_store::is_unreachable(e) {
        std::io::Error::new(std::io::ErrorKind::NotConnected, message)
    } else {
        std::io::Error::other(message)
    }
}

/// What kind of content an input holds, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    Gzip,
    Text,
    Parquet,
}

/// Wrap a raw reader: detect gzip (by its magic bytes, any number of members) or
/// Parquet, and count raw bytes read into `counter`.
pub(crate) fn decompress(
    raw: Box<dyn Read + Send>,
    counter: Arc<Progress>,
) -> std::io::Result<(Content, Box<dyn Read + Send>)> {
    let mut reader = BufReader::with_capacity(
        READ_BUFFER,
        CountingRead {
            inner: raw,
            counter,
        },
    );
    let head = reader.fill_buf()?;
    let content = if head.starts_with(&[0x1f, 0x8b]) {
        Content::Gzip
    } else if head.starts_with(b"PAR1") {
        Content::Parquet
    } else {
        Content::Text
    };
    Ok(match content {
        Content::Gzip => (
            content,
            Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        ),
        _ => (content, Box::new(reader)),
    })
}

struct CountingRead {
    inner: Box<dyn Read + Send>,
    counter: Arc<Progress>,
}

impl Read for CountingRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter
            .bytes_read
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A blocking `Read` over an object store's byte stream, for worker threads.
struct StreamRead {
    rt: Handle,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    chunk: Bytes,
}

impl Read for StreamRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rt.block_on(self.stream.next()) {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => return Err(read_error(&e, "download")),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// What to list: where S3 is, and the time window that prunes dated folders.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub s3: S3Options,
    /// Unix seconds: only folders (of an AWS layout) that may hold records of
    /// `[since, until)` are listed.
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// Prefixes listed at once on S3.
const LIST_CONCURRENCY: usize = 16;

/// List the inputs named on the command line: files, directories and S3 prefixes
/// (recursively; names starting with `.` or `_` are skipped, as Hive and Athena do), S3
/// objects, or `-` for standard input.
pub async fn list_inputs(specs: &[String], options: &ListOptions) -> Result<Vec<Input>> {
    let local: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new());
    let mut buckets: HashMap<String, Arc<dyn ObjectStore>> = HashMap::new();
    let mut inputs = Vec::new();
    let mut stdin = false;
    for spec in specs {
        if spec == "-" {
            if !stdin {
                inputs.push(Input::stdin());
                stdin = true;
            }
            continue;
        }
        let (store, root, base) = match Location::parse(spec)? {
            Location::S3 { bucket, prefix } => {
                let store = match buckets.get(&bucket) {
                    Some(s) => Arc::clone(s),
                    None => {
                        let s = s3_store(&bucket, &options.s3).await?;
                        buckets.insert(bucket.clone(), Arc::clone(&s));
                        s
                    }
                };
                (store, prefix, format!("s3://{bucket}/"))
            }
            Location::Local(path) => {
                let canonical = std::fs::canonicalize(&path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => ConvertError::InputNotFound(spec.clone()),
                    _ => ConvertError::Io { path, source: e },
                })?;
                let root = Path::from_filesystem_path(&canonical)
                    .map_err(|e| ConvertError::store(spec, e.into()))?;
                if !canonical.is_dir() {
                    let meta = local
                        .head(&root)
                        .await
                        .map_err(|e| ConvertError::store(spec, e))?;
                    inputs.push(input(&local, "/", meta));
                    continue;
                }
                (Arc::clone(&local), root, "/".to_string())
            }
        };
        let mut found = list_tree(&store, &root, options)
            .await
            .map_err(|e| ConvertError::store(spec, e))?;
        if found.is_empty() && !root.as_ref().is_empty() {
            // Not a prefix: a single object?
            match store.head(&root).await {
                Ok(meta) => found.push(meta),
                Err(e) if flowlake_store::is_not_found(&e) => {
                    return Err(ConvertError::InputNotFound(spec.clone()));
                }
                Err(e) => return Err(ConvertError::store(spec, e)),
            }
        }
        let mut found: Vec<Input> = found
            .into_iter()
            .filter(|meta| {
                let hidden = meta
                    .location
                    .prefix_match(&root)
                    .is_some_and(|mut parts| parts.any(|p| p.as_ref().starts_with(['.', '_'])));
                let dir = meta
                    .location
                    .as_ref()
                    .rsplit_once('/')
                    .map_or("", |(d, _)| d);
                !hidden && FolderSpan::of(dir).overlaps(options.since, options.until)
            })
            .map(|meta| input(&store, &base, meta))
            .collect();
        found.sort_by(|a, b| a.location.cmp(&b.location));
        inputs.extend(found);
    }
    // The same file named twice (a file and its folder) is converted once.
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| i.is_stdin() || seen.insert(i.location.clone()));
    Ok(inputs)
}

/// Every object under `root`, listing folders in parallel and skipping the dated folders
/// of an AWS layout that fall outside the window. Inside a day (or hour) folder, one flat
/// listing replaces a request per sub-folder.
async fn list_tree(
    store: &Arc<dyn ObjectStore>,
    root: &Path,
    options: &ListOptions,
) -> object_store::Result<Vec<ObjectMeta>> {
    let mut objects = Vec::new();
    let mut frontier = vec![root.clone()];
    while !frontier.is_empty() {
        let level: Vec<(Vec<ObjectMeta>, Vec<Path>)> =
            futures::stream::iter(std::mem::take(&mut frontier))
                .map(|dir| async move {
                    let prefix = (!dir.as_ref().is_empty()).then_some(&dir);
                    if matches!(FolderSpan::of(dir.as_ref()), FolderSpan::Dated { .. }) {
                        let all: Vec<ObjectMeta> = store.list(prefix).try_collect().await?;
                        Ok::<_, object_store::Error>((all, Vec::new()))
                    } else {
                        let listing = store.list_with_delimiter(prefix).await?;
                        Ok((listing.objects, listing.common_prefixes))
                    }
                })
                .buffer_unordered(LIST_CONCURRENCY)
                .try_collect()
                .await?;
        for (found, dirs) in level {
            objects.extend(found);
            frontier.extend(dirs.into_iter().filter(|d| {
                !d.filename().is_some_and(|n| n.starts_with(['.', '_']))
                    && FolderSpan::of(d.as_ref()).overlaps(options.since, options.until)
            }));
        }
    }
    Ok(objects)
}

fn input(store: &Arc<dyn ObjectStore>, base: &str, meta: ObjectMeta) -> Input {
    let location = format!("{base}{}", meta.location);
    Input {
        hints: PathHints::from_path(meta.location.as_ref()),
        location,
        size: Some(meta.size),
        modified: Some(meta.last_modified),
        etag: meta.e_tag,
        object: Some((Arc::clone(store), meta.location)),
    }
}

#[cfg(test)]
mod tests {
    use object_store::PutPayload;
    use object_store::memory::InMemory;

    use super::*;

    #[test]
    fn stream_reader_and_multi_member_gzip() {
        use std::io::Write;
        let mut gz = Vec::new();
        for part in ["first\n", "second\n"] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(part.as_bytes()).unwrap();
            gz.extend(enc.finish().unwrap());
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let path = Path::from("a/b.log.gz");
        rt.block_on(store.put(&path, PutPayload::from(gz.clone())))
            .unwrap();
        let input = Input {
            object: Some((store, path)),
            ..Input::stdin()
        };
        let counter = Arc::new(Progress::default());
        let raw = input.open_raw(rt.handle()).unwrap();
        let (content, mut r) = decompress(raw, Arc::clone(&counter)).unwrap();
        let mut text = String::new();
        r.read_to_string(&mut text).unwrap();
        assert_eq!(content, Content::Gzip);
        assert_eq!(text, "first\nsecond\n");
        assert_eq!(counter.bytes_read.load(Ordering::Relaxed), gz.len() as u64);
    }

    #[test]
    fn lists_recursively_skipping_hidden_names() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "a/1.log",
            "a/_x/2.log",
            "a/.y.log",
            "b.log.gz",
            "_flowlake/c.log",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let root = dir.path().to_str().unwrap().to_string();
        let inputs = rt
            .block_on(list_inputs(
                &[root.clone(), format!("{root}/a/1.log")],
                &ListOptions::default(),
            ))
            .unwrap();
        let canonical = std::fs::canonicalize(dir.path()).unwrap();
        let names: Vec<String> = inputs
            .iter()
            .map(|i| {
                i.location
                    .strip_prefix(canonical.to_str().unwrap())
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["/a/1.log", "/b.log.gz"]);
        let missing = rt
            .block_on(list_inputs(
                &[format!("{root}/nope")],
                &ListOptions::default(),
            ))
            .unwrap_err();
        assert_eq!(
            missing.to_string(),
            format!("input {root}/nope does not exist")
        );
    }
}
