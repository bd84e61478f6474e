//! Inputs: listing files and directories through `object_store`, and opening them as a
//! byte stream (gzip or plain) for the decoder.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use flowlake_store::{Location, S3Options, s3_store};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetResultPayload, ObjectMeta, ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

use crate::error::{ConvertError, Result};
use crate::hints::{FolderSpan, PathHints, other_service};
use crate::progress::Progress;

/// Read buffer per input.
const READ_BUFFER: usize = 256 * 1024;

/// One input to convert: a file or object, or standard input.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where it is, as shown to the user and recorded in the table log: an absolute path,
    /// a URL, or `-` for standard input.
    pub location: String,
    pub size: Option<u64>,
    pub modified: Option<DateTime<Utc>>,
    pub etag: Option<String>,
    pub hints: PathHints,
    /// Its content fingerprint, once computed (see [`Input::fingerprint`]).
    pub fingerprint: Option<String>,
    /// Converting what was appended to it since an earlier conversion.
    pub resume: Option<Resume>,
    source: Source,
}

/// Where converting an input that grew resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    /// Its size (as stored) when it was converted.
    pub previous_size: u64,
    /// Bytes of its text converted then, through the last whole line.
    pub text_offset: u64,
    /// The hash of the line converted last (`flowlog::line_hash`), when recorded.
    pub last_line: Option<i64>,
}

/// Bytes read from each end of a local file for its fingerprint.
const FINGERPRINT_SPAN: u64 = 64 * 1024;

#[derive(Debug, Clone)]
enum Source {
    Stdin,
    /// A local file, read directly (any name the file system allows).
    File(PathBuf),
    /// An object (S3).
    Object(Arc<dyn ObjectStore>, Path),
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
            fingerprint: None,
            resume: None,
            source: Source::Stdin,
        }
    }

    /// A content fingerprint, by which the same content under another name (a renamed
    /// or copied input) is recognised: on S3 the object's `ETag` (an MD5 of the content for
    /// single-part uploads) with its size; on disk an MD5 of the size and of the first and
    /// last 64 KiB (the whole file when smaller), so a fingerprint costs at most 128 KiB
    /// of reading. `None` for standard input.
    pub(crate) fn compute_fingerprint(&self) -> std::io::Result<Option<String>> {
        use md5::Digest;
        let size = self.size.unwrap_or(0);
        match &self.source {
            Source::Stdin => Ok(None),
            Source::Object(..) => Ok(self
                .etag
                .as_ref()
                .map(|e| format!("etag:{}:{size}", e.trim_matches('"')))),
            Source::File(path) => {
                use std::io::{Seek, SeekFrom};
                let mut file = std::fs::File::open(path)?;
                let mut hash = md5::Md5::new();
                hash.update(size.to_le_bytes());
                let mut buf = vec![0u8; FINGERPRINT_SPAN as usize];
                let mut filled = 0;
                while filled < buf.len() {
                    match file.read(&mut buf[filled..])? {
                        0 => break,
                        n => filled += n,
                    }
                }
                hash.update(&buf[..filled]);
                if size > 2 * FINGERPRINT_SPAN {
                    file.seek(SeekFrom::Start(size - FINGERPRINT_SPAN))?;
                    file.read_exact(&mut buf)?;
                    hash.update(&buf);
                } else if size > FINGERPRINT_SPAN {
                    let mut rest = Vec::new();
                    file.read_to_end(&mut rest)?;
                    hash.update(&rest);
                }
                let digest = hash.finalize();
                let hex = digest.iter().fold(String::new(), |mut out, b| {
                    use std::fmt::Write as _;
                    let _ = write!(out, "{b:02x}");
                    out
                });
                Ok(Some(format!("md5-ends:{hex}:{size}")))
            }
        }
    }

    pub fn is_stdin(&self) -> bool {
        matches!(self.source, Source::Stdin)
    }

    /// Open the raw bytes. Called on a worker thread, outside the async runtime.
    pub(crate) fn open_raw(&self, rt: &Handle) -> std::io::Result<Box<dyn Read + Send>> {
        match &self.source {
            Source::Stdin => Ok(Box::new(std::io::stdin())),
            Source::File(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| SourceError::wrap(e.kind(), format!("cannot open: {e}")))?;
                Ok(Box::new(LocalRead(file)))
            }
            Source::Object(store, path) => {
                let result = rt
                    .block_on(store.get(path))
                    .map_err(|e| read_error(&e, &self.location))?;
                Ok(match result.payload {
                    GetResultPayload::File(file, _) => Box::new(LocalRead(file)),
                    GetResultPayload::Stream(stream) => Box::new(StreamRead {
                        rt: rt.clone(),
                        store: Arc::clone(store),
                        path: path.clone(),
                        etag: self.etag.clone(),
                        location: self.location.clone(),
                        stream,
                        chunk: Bytes::new(),
                        offset: 0,
                        retries: READ_RETRIES,
                    }),
                })
            }
        }
    }

    /// The whole input in memory (for Parquet, whose footer is at the end).
    pub(crate) fn read_all(&self, rt: &Handle) -> std::io::Result<Bytes> {
        match &self.source {
            Source::Object(store, path) => rt
                .block_on(async { store.get(path).await?.bytes().await })
                .map_err(|e| read_error(&e, &self.location)),
            _ => {
                let mut out = Vec::new();
                self.open_raw(rt)?.read_to_end(&mut out)?;
                Ok(Bytes::from(out))
            }
        }
    }
}

/// An error reading an input's bytes from where it is stored (not a decompressor's
/// error): the input is not known to end there, so it must not be committed as if it
/// did. Carried inside `std::io::Error` through the decompressor.
#[derive(Debug)]
pub(crate) struct SourceError(String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceError {}

impl SourceError {
    fn wrap(kind: std::io::ErrorKind, message: String) -> std::io::Error {
        std::io::Error::new(kind, SourceError(message))
    }

    /// Is this I/O error a storage read error (rather than a decompressor's)?
    pub(crate) fn is(e: &std::io::Error) -> bool {
        e.get_ref()
            .is_some_and(<dyn std::error::Error + Send + Sync>::is::<SourceError>)
    }
}

/// A local file whose read errors are marked as storage errors.
struct LocalRead(std::fs::File);

impl Read for LocalRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::Interrupted => e,
            kind => SourceError::wrap(kind, format!("read failed: {e}")),
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
        SourceError::wrap(std::io::ErrorKind::Other, message)
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
/// Parquet, and count raw bytes read into `counter`. The magic bytes are read until there
/// are enough of them, whatever the first read returned (S3 may return a short chunk).
pub(crate) fn decompress(
    raw: Box<dyn Read + Send>,
    counter: Arc<Progress>,
) -> std::io::Result<(Content, Box<dyn Read + Send>)> {
    let mut counting = CountingRead {
        inner: raw,
        counter,
    };
    let head = peek(&mut counting, 4)?;
    let content = if head.starts_with(&[0x1f, 0x8b]) {
        Content::Gzip
    } else if head.starts_with(b"PAR1") {
        Content::Parquet
    } else {
        Content::Text
    };
    let reader = BufReader::with_capacity(READ_BUFFER, std::io::Cursor::new(head).chain(counting));
    Ok(match content {
        Content::Gzip => (
            content,
            Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        ),
        _ => (content, Box::new(reader)),
    })
}

/// Up to `n` bytes from the start of `r` (fewer only at its end).
pub(crate) fn peek(r: &mut impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    while head.len() < n {
        let mut buf = [0u8; 64];
        let want = (n - head.len()).min(buf.len());
        match r.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(k) => head.extend_from_slice(&buf[..k]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(head)
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

/// Times a broken download is resumed (from where it broke) before the input fails.
const READ_RETRIES: u32 = 3;

/// A blocking `Read` over an object store's byte stream, for worker threads. A stream
/// that breaks is resumed from the byte it broke at (a ranged GET of the same `ETag`), so a
/// dropped connection does not cut the input short.
struct StreamRead {
    rt: Handle,
    store: Arc<dyn ObjectStore>,
    path: Path,
    etag: Option<String>,
    location: String,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    chunk: Bytes,
    offset: u64,
    retries: u32,
}

impl Read for StreamRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rt.block_on(self.stream.next()) {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) if self.retries > 0 && !flowlake_store::is_unreachable(&e) => {
                    self.retries -= 1;
                    let options = object_store::GetOptions {
                        range: Some((self.offset..).into()),
                        if_match: self.etag.clone(),
                        ..Default::default()
                    };
                    let resumed = self
                        .rt
                        .block_on(self.store.get_opts(&self.path, options))
                        .map_err(|e| read_error(&e, &self.location))?;
                    self.stream = resumed.into_stream();
                }
                Some(Err(e)) => return Err(read_error(&e, &self.location)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        self.offset += n as u64;
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
    /// Follow symbolic links in local folders (each file is still read once).
    pub follow: bool,
}

/// What a listing found: the inputs, the entries that cannot be inputs, and what it left
/// out on purpose.
#[derive(Debug, Default)]
pub struct Listing {
    pub inputs: Vec<Input>,
    /// Entries that could not be listed or named (an unreadable folder, a file name that
    /// is not UTF-8): `(location, error)`.
    pub failures: Vec<(String, String)>,
    /// Folders of other AWS services (and stray objects beside them) not descended into,
    /// by service.
    pub other_services: BTreeMap<String, u64>,
    /// Symbolic links not followed (without `--follow`).
    pub links_skipped: u64,
}

/// Prefixes listed at once on S3.
const LIST_CONCURRENCY: usize = 16;

/// List the inputs named on the command line: files, directories and S3 prefixes
/// (recursively; names starting with `.` or `_` are skipped, as Hive and Athena do, and
/// other AWS services' folders of a logging bucket are not descended into), S3 objects,
/// or `-` for standard input. The same file is listed once, however it was reached.
pub async fn list_inputs(specs: &[String], options: &ListOptions) -> Result<Listing> {
    let mut buckets: HashMap<String, Arc<dyn ObjectStore>> = HashMap::new();
    let mut listing = Listing::default();
    let mut stdin = false;
    let mut files_seen = HashSet::new();
    for spec in specs {
        if spec == "-" {
            if !stdin {
                listing.inputs.push(Input::stdin());
                stdin = true;
            }
            continue;
        }
        match Location::parse(spec)? {
            Location::S3 { bucket, prefix } => {
                let store = match buckets.get(&bucket) {
                    Some(s) => Arc::clone(s),
                    None => {
                        let s = s3_store(&bucket, &options.s3).await?;
                        buckets.insert(bucket.clone(), Arc::clone(&s));
                        s
                    }
                };
                let base = format!("s3://{bucket}/");
                let mut found = list_tree(&store, &prefix, options, &mut listing)
                    .await
                    .map_err(|e| ConvertError::store(spec, e))?;
                if found.is_empty() && !prefix.as_ref().is_empty() {
                    // Not a prefix: a single object?
                    match store.head(&prefix).await {
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
                        let hidden =
                            meta.location
                                .prefix_match(&prefix)
                                .is_some_and(|mut parts| {
                                    parts.any(|p| p.as_ref().starts_with(['.', '_']))
                                });
                        let (dir, name) = meta
                            .location
                            .as_ref()
                            .rsplit_once('/')
                            .unwrap_or(("", meta.location.as_ref()));
                        !hidden
                            && FolderSpan::of(dir).overlaps(options.since, options.until)
                            && (meta.location == prefix
                                || FolderSpan::object_before(name, options.until))
                    })
                    .map(|meta| object_input(&store, &base, meta))
                    .collect();
                found.sort_by(|a, b| a.location.cmp(&b.location));
                listing.inputs.extend(found);
            }
            Location::Local(path) => {
                let root = std::fs::canonicalize(&path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => ConvertError::InputNotFound(spec.clone()),
                    _ => ConvertError::Io { path, source: e },
                })?;
                walk_local(&root, options, &mut files_seen, &mut listing);
            }
        }
    }
    // The same object named twice (an object and its prefix) is converted once.
    let mut seen = HashSet::new();
    listing
        .inputs
        .retain(|i| i.is_stdin() || seen.insert(i.location.clone()));
    Ok(listing)
}

/// Walk a local file or folder (a real directory walker: any file name, symbolic links
/// followed only with `follow`, a file reached twice read once).
fn walk_local(
    root: &std::path::Path,
    options: &ListOptions,
    seen: &mut HashSet<(u64, u64)>,
    listing: &mut Listing,
) {
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(options.follow)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            if name.starts_with(['.', '_']) {
                return false;
            }
            if e.file_type().is_dir() {
                let path = e.path().to_string_lossy();
                return FolderSpan::of(&path).overlaps(options.since, options.until);
            }
            true
        });
    let mut found = Vec::new();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                if e.loop_ancestor().is_some() {
                    // A link back up the tree: everything below it is listed already.
                    listing.links_skipped += 1;
                    continue;
                }
                let why = e
                    .io_error()
                    .map_or_else(|| e.to_string(), ToString::to_string);
                listing
                    .failures
                    .push((at, format!("cannot be listed: {why}")));
                continue;
            }
        };
        let lossy = entry.path().to_string_lossy();
        if entry.depth() > 0
            && let Some(service) = other_service(&lossy, entry.file_type().is_dir())
        {
            *listing.other_services.entry(service).or_default() += 1;
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        // An AWS object delivered well after the window (a file named on the command line
        // is read whatever its name says).
        if entry.depth() > 0
            && !FolderSpan::object_before(&entry.file_name().to_string_lossy(), options.until)
        {
            continue;
        }
        if entry.path_is_symlink() && !options.follow && entry.depth() > 0 {
            listing.links_skipped += 1;
            continue;
        }
        let Some(location) = entry.path().to_str().map(str::to_string) else {
            listing.failures.push((
                lossy.into_owned(),
                "the file name is not valid UTF-8, so it cannot be recorded in the table log; rename the file".into(),
            ));
            continue;
        };
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                listing
                    .failures
                    .push((location, format!("cannot be read: {e}")));
                continue;
            }
        };
        if !meta.is_file() {
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if !seen.insert((meta.dev(), meta.ino())) {
                continue;
            }
        }
        found.push(Input {
            hints: PathHints::from_path(&location),
            size: Some(meta.len()),
            modified: meta.modified().ok().map(DateTime::<Utc>::from),
            etag: None,
            fingerprint: None,
            resume: None,
            source: Source::File(entry.path().to_path_buf()),
            location,
        });
    }
    listing.inputs.extend(found);
}

/// Every object under `root`, listing folders in parallel, skipping the dated folders
/// of an AWS layout that fall outside the window and other AWS services' folders. Inside
/// a day (or hour) folder, one flat listing replaces a request per sub-folder.
async fn list_tree(
    store: &Arc<dyn ObjectStore>,
    root: &Path,
    options: &ListOptions,
    listing: &mut Listing,
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
            for meta in found {
                match other_service(meta.location.as_ref(), false) {
                    Some(service) if meta.location != *root => {
                        *listing.other_services.entry(service).or_default() += 1;
                    }
                    _ => objects.push(meta),
                }
            }
            for d in dirs {
                if d.filename().is_some_and(|n| n.starts_with(['.', '_']))
                    || !FolderSpan::of(d.as_ref()).overlaps(options.since, options.until)
                {
                    continue;
                }
                match other_service(d.as_ref(), true) {
                    Some(service) => *listing.other_services.entry(service).or_default() += 1,
                    None => frontier.push(d),
                }
            }
        }
    }
    Ok(objects)
}

fn object_input(store: &Arc<dyn ObjectStore>, base: &str, meta: ObjectMeta) -> Input {
    let location = format!("{base}{}", meta.location);
    Input {
        hints: PathHints::from_path(meta.location.as_ref()),
        location,
        size: Some(meta.size),
        modified: Some(meta.last_modified),
        etag: meta.e_tag,
        fingerprint: None,
        resume: None,
        source: Source::Object(Arc::clone(store), meta.location),
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
            source: Source::Object(store, path),
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

    /// A reader that hands out one byte per read, as a slow network may.
    struct Trickle(std::io::Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn gzip_and_parquet_are_told_apart_whatever_the_first_read_returns() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"2 1 eni-1 - - - - - - - 1 2 - NODATA\n")
            .unwrap();
        let gz = enc.finish().unwrap();
        let counter = Arc::new(Progress::default());
        let (content, mut r) = decompress(
            Box::new(Trickle(std::io::Cursor::new(gz))),
            Arc::clone(&counter),
        )
        .unwrap();
        assert_eq!(content, Content::Gzip);
        let mut text = String::new();
        r.read_to_string(&mut text).unwrap();
        assert!(text.ends_with("NODATA\n"));
        let (content, _) = decompress(
            Box::new(Trickle(std::io::Cursor::new(b"PAR1....".to_vec()))),
            Arc::clone(&counter),
        )
        .unwrap();
        assert_eq!(content, Content::Parquet);
        let (content, mut r) = decompress(
            Box::new(Trickle(std::io::Cursor::new(b"x".to_vec()))),
            counter,
        )
        .unwrap();
        assert_eq!(content, Content::Text);
        let mut text = String::new();
        r.read_to_string(&mut text).unwrap();
        assert_eq!(text, "x");
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
            .unwrap()
            .inputs;
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

    fn list(root: &std::path::Path, follow: bool) -> Listing {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(list_inputs(
            &[root.to_str().unwrap().to_string()],
            &ListOptions {
                follow,
                ..ListOptions::default()
            },
        ))
        .unwrap()
    }

    fn names(listing: &Listing, root: &std::path::Path) -> Vec<String> {
        let root = std::fs::canonicalize(root).unwrap();
        listing
            .inputs
            .iter()
            .map(|i| {
                i.location
                    .strip_prefix(root.to_str().unwrap())
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_logging_bucket_lists_only_flow_log_folders() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/03/01/a.log.gz",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/t.json.gz",
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/d.json.gz",
            "AWSLogs/111122223333/elasticloadbalancing/us-east-1/e.log.gz",
            "AWSLogs/111122223333/ELBAccessLogTestFile",
            "AWSLogs/o-abcdefghij/111122223333/CloudTrail/us-east-1/o.json.gz",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let listing = list(dir.path(), false);
        assert_eq!(
            names(&listing, dir.path()),
            ["/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/03/01/a.log.gz"]
        );
        let skipped: Vec<(&str, u64)> = listing
            .other_services
            .iter()
            .map(|(s, n)| (s.as_str(), *n))
            .collect();
        assert_eq!(
            skipped,
            [
                ("AWSLogs", 1),
                ("CloudTrail", 2),
                ("CloudTrail-Digest", 1),
                ("elasticloadbalancing", 1)
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn any_name_is_listed_links_only_on_request_and_each_file_once() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(logs.join("sub")).unwrap();
        std::fs::write(logs.join("sub/a#1234.log"), "x").unwrap();
        std::fs::write(logs.join("b.log"), "x").unwrap();
        let bad = std::ffi::OsStr::from_bytes(b"c\xff.log");
        std::fs::write(logs.join(bad), "x").unwrap();
        // A link to a folder of the tree, and to a file outside it.
        std::os::unix::fs::symlink(logs.join("sub"), logs.join("again")).unwrap();
        std::fs::write(dir.path().join("outside.log"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.log"), logs.join("out.log")).unwrap();

        let listing = list(&logs, false);
        assert_eq!(names(&listing, &logs), ["/b.log", "/sub/a#1234.log"]);
        assert_eq!(listing.links_skipped, 2);
        assert_eq!(listing.failures.len(), 1, "{:?}", listing.failures);
        assert!(listing.failures[0].1.contains("not valid UTF-8"));

        // Followed: the linked folder's file is the same file, read once (by the first
        // path the walk reaches it by).
        let listing = list(&logs, true);
        assert_eq!(
            names(&listing, &logs),
            ["/again/a#1234.log", "/b.log", "/out.log"]
        );
        assert_eq!(listing.links_skipped, 0);
    }
}
