//! Parquet writing: one buffer and one open file per partition, row groups sorted by
//! `start`, files rotated at a target size, memory held under a budget.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch, new_null_array};
use arrow_select::interleave::interleave;
use flowlog::RecordKind;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::error::{ConvertError, Result};
use crate::partition::{PartitionBy, PartitionKey};
use crate::target::Uploader;

/// Default size at which an output file is closed and a new one started.
pub const DEFAULT_TARGET_FILE_SIZE: u64 = 128 * 1024 * 1024;
/// Default rows per Parquet row group.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 256 * 1024;
/// Default bound on decoded rows held in memory across all partitions before writing.
pub const DEFAULT_MEMORY_BUDGET: usize = 256 * 1024 * 1024;
/// The largest `target_file_size`: a file is closed past the target by at most one row
/// group, and S3 publishes a file with one server-side copy, which takes at most 5 GiB.
pub const MAX_TARGET_FILE_SIZE: u64 = 4 * 1024 * 1024 * 1024;
/// Default number of output files open at once; the least recently used is closed past it.
pub const DEFAULT_MAX_OPEN_FILES: usize = 64;

/// Parquet codec of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    #[default]
    Zstd,
    Snappy,
    Gzip,
    None,
}

impl Codec {
    fn parquet(self) -> Compression {
        match self {
            // Level 3: zstd's own default; measurably smaller than 1 for little cost on
            // these columns (see docs/benchmarks.md).
            Codec::Zstd => Compression::ZSTD(ZstdLevel::try_new(3).expect("valid level")),
            Codec::Snappy => Compression::SNAPPY,
            Codec::Gzip => Compression::GZIP(parquet::basic::GzipLevel::default()),
            Codec::None => Compression::UNCOMPRESSED,
        }
    }
}

/// How output files are written.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// The partition scheme asked for; `None`: the lake's own (by day for a new lake).
    pub partition_by: Option<PartitionBy>,
    pub codec: Codec,
    pub target_file_size: u64,
    pub row_group_rows: usize,
    pub memory_budget: usize,
    pub max_open_files: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            partition_by: None,
            codec: Codec::Zstd,
            target_file_size: DEFAULT_TARGET_FILE_SIZE,
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            max_open_files: DEFAULT_MAX_OPEN_FILES,
        }
    }
}

impl WriteOptions {
    /// Check the options a user can set.
    pub fn validate(&self) -> Result<()> {
        if self.target_file_size > MAX_TARGET_FILE_SIZE || self.target_file_size == 0 {
            return Err(ConvertError::Invalid(format!(
                "target file size {} bytes: expected 1 byte to 4 GiB (S3 publishes a file with one copy request, which takes at most 5 GiB)",
                self.target_file_size
            )));
        }
        Ok(())
    }

    fn properties(&self, kind: RecordKind) -> WriterProperties {
        let mut builder = WriterProperties::builder();
        let start = kind.field("start").expect("every kind has start");
        // Rows are sorted by `start` and `end` follows it closely: delta encoding stores
        // them in a few bits each where a dictionary would overflow (8% smaller files on
        // generated data). DuckDB and PyArrow read it in the cross-engine tests; Spark's and
        // Trino's (Athena's) readers support the encoding too.
        for c in ["start", "end"] {
            let path = ColumnPath::from(c);
            builder = builder
                .set_column_dictionary_enabled(path.clone(), false)
                .set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
        }
        builder
            .set_compression(self.codec.parquet())
            // Row groups are cut by `write_row_group` (one sorted buffer each); a row limit
            // here would split each into a full one and a sliver.
            .set_max_row_group_row_count(None)
            .set_created_by(format!("flowlake version {}", env!("CARGO_PKG_VERSION")))
            .set_sorting_columns(Some(vec![SortingColumn {
                column_idx: start.id as i32,
                descending: false,
                nulls_first: true,
            }]))
            .build()
    }
}

/// A finished file in the staging area, with where it is to be published.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StagedFile {
    /// Path relative to the output root, under the staging folder.
    pub staged: String,
    /// Path relative to the output root where readers will see it.
    #[serde(rename = "final")]
    pub final_path: String,
    pub rows: u64,
    pub bytes: u64,
    /// The least and greatest `start` and `end` of its rows, for the table log's file
    /// statistics. Absent in commit records of earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<flowlake_table::TimeStats>,
}

struct Buffer {
    batches: Vec<RecordBatch>,
    rows: usize,
    bytes: usize,
}

struct OpenFile {
    writer: ArrowWriter<File>,
    staged: String,
    final_path: String,
    rows: u64,
    /// Of the rows written so far.
    time: flowlake_table::TimeStats,
}

/// `range` widened to the non-null values of the Int64 column `name` of `batch`, and its
/// NULLs counted in `nulls`.
fn widen(range: &mut Option<(i64, i64)>, nulls: &mut u64, batch: &RecordBatch, name: &str) {
    let Some(column) = batch.column_by_name(name) else {
        *nulls += batch.num_rows() as u64;
        return;
    };
    *nulls += column.null_count() as u64;
    for v in column.as_primitive::<Int64Type>().iter().flatten() {
        *range = Some(match *range {
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
            None => (v, v),
        });
    }
}

struct Partition {
    dir: String,
    /// Which table's records it holds (set by its first batch).
    kind: RecordKind,
    buffer: Mutex<Buffer>,
    file: Mutex<Option<OpenFile>>,
    last_used: AtomicU64,
}

/// The partitions of one commit's worth of output, written into a staging folder.
///
/// Shared by all worker threads: pushing a batch locks only its partition's buffer;
/// a full buffer is sorted outside any lock and then written under the partition's file
/// lock, so workers encode different partitions (and sort the same one) in parallel.
pub(crate) struct PartitionSet {
    options: WriteOptions,
    by: PartitionBy,
    /// For VPC and transit gateway files.
    properties: (WriterProperties, WriterProperties),
    root: PathBuf,
    staging: String,
    file_prefix: String,
    /// By folder, relative to the output root.
    partitions: Mutex<HashMap<String, Arc<Partition>>>,
    buffered: AtomicUsize,
    open_files: AtomicUsize,
    next_file: AtomicUsize,
    tick: AtomicU64,
    finished: Mutex<Vec<StagedFile>>,
    /// For an S3 lake: uploads each file to the staging prefix once it is closed.
    uploader: Option<Uploader>,
}

impl PartitionSet {
    /// `root` is the local output directory; files go to `root/staging/...`, named
    /// `<file_prefix>-<n>.parquet`. With an uploader, each closed file is uploaded to the
    /// same relative key of the lake and removed locally.
    pub fn new(
        options: WriteOptions,
        by: PartitionBy,
        root: &Path,
        staging: String,
        file_prefix: String,
        uploader: Option<Uploader>,
    ) -> Self {
        Self {
            properties: (
                options.properties(RecordKind::Vpc),
                options.properties(RecordKind::TransitGateway),
            ),
            options,
            by,
            root: root.to_path_buf(),
            staging,
            file_prefix,
            partitions: Mutex::new(HashMap::new()),
            buffered: AtomicUsize::new(0),
            open_files: AtomicUsize::new(0),
            next_file: AtomicUsize::new(0),
            tick: AtomicU64::new(0),
            finished: Mutex::new(Vec::new()),
            uploader,
        }
    }

    fn partition(&self, dir: String, kind: RecordKind) -> Arc<Partition> {
        let mut map = self.partitions.lock().expect("lock");
        let p = map.entry(dir).or_insert_with_key(|dir| {
            Arc::new(Partition {
                dir: dir.clone(),
                kind,
                buffer: Mutex::new(Buffer {
                    batches: Vec::new(),
                    rows: 0,
                    bytes: 0,
                }),
                file: Mutex::new(None),
                last_used: AtomicU64::new(0),
            })
        });
        p.last_used
            .store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Arc::clone(p)
    }

    /// Add a batch of one partition's rows.
    pub fn push(&self, key: &PartitionKey, batch: RecordBatch) -> Result<()> {
        self.push_to(key.path(self.by), batch)
    }

    /// Add a batch of rows of the partition folder `dir` (relative to the output root).
    pub fn push_to(&self, dir: String, batch: RecordBatch) -> Result<()> {
        let bytes = memory_size(&batch);
        let kind = RecordKind::of(&batch.schema()).expect("a flow-log batch");
        let part = self.partition(dir, kind);
        let full = {
            let mut buf = part.buffer.lock().expect("lock");
            buf.rows += batch.num_rows();
            buf.bytes += bytes;
            buf.batches.push(batch);
            (buf.rows >= self.options.row_group_rows).then(|| take_buffer(&mut buf))
        };
        self.buffered.fetch_add(bytes, Ordering::Relaxed);
        if let Some((batches, bytes)) = full {
            self.write_row_group(&part, &batches, bytes)?;
        }
        while self.buffered.load(Ordering::Relaxed) > self.options.memory_budget {
            if !self.flush_stalest()? {
                break;
            }
        }
        Ok(())
    }

    /// Write out the buffer of the partition that went longest without new rows.
    ///
    /// Inputs come in date order, so a partition that stopped receiving rows (yesterday's)
    /// will not fill its row group anyway; the ones still receiving rows keep filling
    /// theirs to full size, which is what keeps row groups large and files compact.
    fn flush_stalest(&self) -> Result<bool> {
        let stalest = {
            let map = self.partitions.lock().expect("lock");
            map.values()
                .filter(|p| p.buffer.lock().expect("lock").bytes > 0)
                .min_by_key(|p| p.last_used.load(Ordering::Relaxed))
                .cloned()
        };
        let Some(part) = stalest else {
            return Ok(false);
        };
        let (batches, bytes) = take_buffer(&mut part.buffer.lock().expect("lock"));
        if batches.is_empty() {
            return Ok(false);
        }
        self.write_row_group(&part, &batches, bytes)?;
        Ok(true)
    }

    fn write_row_group(
        &self,
        part: &Partition,
        batches: &[RecordBatch],
        bytes: usize,
    ) -> Result<()> {
        let sorted = sort_by_start(batches);
        drop_bytes(&self.buffered, bytes);
        let mut file = part.file.lock().expect("lock");
        if file.is_none() {
            *file = Some(self.open_file(part)?);
            let open = self.open_files.fetch_add(1, Ordering::Relaxed) + 1;
            if open > self.options.max_open_files {
                // Release our lock first: closing another partition takes its lock.
                drop(file);
                self.close_least_recent(part)?;
                file = part.file.lock().expect("lock");
                if file.is_none() {
                    *file = Some(self.open_file(part)?);
                    self.open_files.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let open = file.as_mut().expect("opened above");
        let path = self.root.join(&open.staged);
        open.writer
            .write(&sorted)
            .and_then(|()| open.writer.flush())
            .map_err(|source| ConvertError::parquet(path.clone(), source))?;
        open.rows += sorted.num_rows() as u64;
        widen(
            &mut open.time.start,
            &mut open.time.nulls.0,
            &sorted,
            "start",
        );
        widen(&mut open.time.end, &mut open.time.nulls.1, &sorted, "end");
        if open.writer.bytes_written() as u64 >= self.options.target_file_size {
            let done = file.take().expect("open");
            self.close_file(done)?;
        }
        Ok(())
    }

    fn open_file(&self, part: &Partition) -> Result<OpenFile> {
        let n = self.next_file.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}-{n:05}.parquet", self.file_prefix);
        let staged = format!("{}/{}/{name}", self.staging, part.dir);
        let final_path = format!("{}/{name}", part.dir);
        let path = self.root.join(&staged);
        let io = |source| ConvertError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(path.parent().expect("has a parent")).map_err(io)?;
        let f = File::create(&path).map_err(io)?;
        let properties = match part.kind {
            RecordKind::Vpc => &self.properties.0,
            RecordKind::TransitGateway => &self.properties.1,
        };
        let writer = ArrowWriter::try_new(f, part.kind.schema(), Some(properties.clone()))
            .map_err(|source| ConvertError::parquet(path.clone(), source))?;
        Ok(OpenFile {
            writer,
            staged,
            final_path,
            rows: 0,
            time: flowlake_table::TimeStats::default(),
        })
    }

    fn close_file(&self, open: OpenFile) -> Result<()> {
        let path = self.root.join(&open.staged);
        // `into_inner` writes the footer and hands the file back.
        let file = open
            .writer
            .into_inner()
            .map_err(|source| ConvertError::parquet(path.clone(), source))?;
        // The commit record is written only after this returns: the data must be durable
        // before anything points at it.
        let io = |source| ConvertError::Io {
            path: path.clone(),
            source,
        };
        file.sync_all().map_err(io)?;
        let mut bytes = file.metadata().map_err(io)?.len();
        drop(file);
        if let Some(uploader) = &self.uploader {
            bytes = uploader.upload(&open.staged)?;
        }
        self.open_files.fetch_sub(1, Ordering::Relaxed);
        self.finished.lock().expect("lock").push(StagedFile {
            staged: open.staged,
            final_path: open.final_path,
            rows: open.rows,
            bytes,
            time: Some(open.time),
        });
        Ok(())
    }

    fn close_least_recent(&self, except: &Partition) -> Result<()> {
        let victim = {
            let map = self.partitions.lock().expect("lock");
            map.values()
                .filter(|p| !std::ptr::eq(Arc::as_ptr(p), except))
                .filter(|p| p.file.try_lock().is_ok_and(|f| f.is_some()))
                .min_by_key(|p| p.last_used.load(Ordering::Relaxed))
                .cloned()
        };
        if let Some(victim) = victim {
            let open = victim.file.lock().expect("lock").take();
            if let Some(open) = open {
                self.close_file(open)?;
            }
        }
        Ok(())
    }

    /// Write every buffer out, close every file, and list the staged files.
    ///
    /// Partitions are finished by `threads` threads at once: at the end of a run most
    /// rows are usually still buffered (a run smaller than the memory limit writes
    /// nothing before this), so sorting and encoding them is most of the work.
    pub fn finish(self, threads: usize) -> Result<Vec<StagedFile>> {
        let parts: Vec<Arc<Partition>> = {
            let map = self.partitions.lock().expect("lock");
            let mut parts: Vec<_> = map
                .iter()
                .map(|(dir, p)| (p.buffer.lock().expect("lock").rows, dir, p))
                .collect();
            // Largest buffers first, so no thread is left with a big one at the end.
            parts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            parts.into_iter().map(|(_, _, p)| Arc::clone(p)).collect()
        };
        let next = AtomicUsize::new(0);
        let failed: Mutex<Option<ConvertError>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..threads.clamp(1, parts.len().max(1)) {
                scope.spawn(|| {
                    while failed.lock().expect("lock").is_none() {
                        let Some(part) = parts.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            break;
                        };
                        if let Err(e) = self.finish_partition(part) {
                            failed.lock().expect("lock").get_or_insert(e);
                        }
                    }
                });
            }
        });
        if let Some(e) = failed.into_inner().expect("lock") {
            return Err(e);
        }
        let mut files = std::mem::take(&mut *self.finished.lock().expect("lock"));
        files.sort_by(|a, b| a.final_path.cmp(&b.final_path));
        Ok(files)
    }

    /// Write a partition's buffer out and close its file.
    fn finish_partition(&self, part: &Partition) -> Result<()> {
        let (batches, bytes) = take_buffer(&mut part.buffer.lock().expect("lock"));
        if !batches.is_empty() {
            self.write_row_group(part, &batches, bytes)?;
        }
        let open = part.file.lock().expect("lock").take();
        if let Some(open) = open {
            self.close_file(open)?;
        }
        Ok(())
    }
}

/// Memory a buffered batch holds on its own: all-NULL columns are shared slices and cost
/// nothing.
fn memory_size(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .filter(|c| c.null_count() < c.len())
        .map(Array::get_array_memory_size)
        .sum()
}

fn take_buffer(buf: &mut Buffer) -> (Vec<RecordBatch>, usize) {
    let bytes = std::mem::replace(&mut buf.bytes, 0);
    buf.rows = 0;
    (std::mem::take(&mut buf.batches), bytes)
}

fn drop_bytes(counter: &AtomicUsize, bytes: usize) {
    // Saturating: batches are counted in before a concurrent flush may count them out.
    let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
        Some(v.saturating_sub(bytes))
    });
}

/// Merge batches into one, ordered by `start` (NULLs first), so each row group's and
/// page's min/max statistics on time are tight and prune well.
fn sort_by_start(batches: &[RecordBatch]) -> RecordBatch {
    let mut order: Vec<(i64, u32, u32)> =
        Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for (b, batch) in batches.iter().enumerate() {
        let start = batch
            .column_by_name("start")
            .expect("every kind has start")
            .as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            let t = if start.is_valid(row) {
                start.value(row)
            } else {
                i64::MIN
            };
            order.push((t, b as u32, row as u32));
        }
    }
    // Stable, so rows keep their input order within a second.
    order.sort_by_key(|&(t, _, _)| t);
    let indices: Vec<(usize, usize)> = order
        .iter()
        .map(|&(_, b, r)| (b as usize, r as usize))
        .collect();
    let schema = batches[0].schema();
    let kind = RecordKind::of(&schema).expect("a flow-log batch");
    let columns: Vec<ArrayRef> = (0..schema.fields().len())
        .map(|c| {
            let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
            if arrays.iter().all(|a| a.null_count() == a.len()) {
                flowlog::null_array(kind.fields()[c].ty, indices.len())
            } else {
                interleave(&arrays, &indices).expect("same types")
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("columns match the schema")
}

/// A batch in the canonical schema of `kind`: columns matched by name, cast where the
/// type differs, NULL where absent (AWS-delivered files hold only their format's fields).
pub(crate) fn conform(
    batch: &RecordBatch,
    kind: RecordKind,
) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let schema = kind.schema();
    let strict = arrow_cast::CastOptions {
        safe: false,
        ..Default::default()
    };
    let columns = kind
        .fields()
        .iter()
        .zip(schema.fields())
        .map(|(def, field)| {
            // AWS's column names (`log_status`), or the field's own (`log-status`).
            let col = batch
                .column_by_name(def.column)
                .or_else(|| batch.column_by_name(def.name));
            match col {
                Some(col) if col.data_type() == field.data_type() => Ok(Arc::clone(col)),
                Some(col) => {
                    if col.data_type().is_floating() && !field.data_type().is_floating() {
                        // 3.7 is not an integer: refused, not truncated.
                        let floats = arrow_cast::cast(col, &arrow_schema::DataType::Float64)?;
                        let floats = floats.as_primitive::<arrow_array::types::Float64Type>();
                        if let Some(v) = floats.iter().flatten().find(|v| v.fract() != 0.0) {
                            return Err(arrow_schema::ArrowError::CastError(format!(
                                "column {}: {v} is not an integer",
                                def.column
                            )));
                        }
                    }
                    arrow_cast::cast_with_options(col, field.data_type(), &strict).map_err(|e| {
                        arrow_schema::ArrowError::CastError(format!("column {}: {e}", def.column))
                    })
                }
                None => Ok(new_null_array(field.data_type(), batch.num_rows())),
            }
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema, columns)
}

/// Rows of a conformed batch whose values the text decoder would refuse (a port outside
/// 0..=65535, a negative count: flowlog's ranges), taken out with why; `start`/`end` in
/// milliseconds brought to seconds, as the decoder does. Returns the rows kept and, for
/// each row taken out, its index in `batch` and the reason.
pub(crate) fn check_rows(
    batch: &RecordBatch,
    kind: RecordKind,
) -> (RecordBatch, Vec<(usize, flowlog::RejectReason)>) {
    use arrow_array::types::Int32Type;
    let rows = batch.num_rows();
    let mut bad: Vec<Option<flowlog::RejectReason>> = vec![None; rows];
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for (def, column) in kind.fields().iter().zip(columns.iter_mut()) {
        let (min, max) = def.range.unwrap_or(match def.ty {
            flowlog::FieldType::Int32 => (0, i64::from(i32::MAX)),
            _ => (0, i64::MAX),
        });
        let values: Vec<Option<i64>> = match def.ty {
            flowlog::FieldType::Utf8 => continue,
            flowlog::FieldType::Int32 => column
                .as_primitive::<Int32Type>()
                .iter()
                .map(|v| v.map(i64::from))
                .collect(),
            flowlog::FieldType::Int64 => column.as_primitive::<Int64Type>().iter().collect(),
        };
        for (row, v) in values.iter().enumerate() {
            if let Some(v) = *v
                && (v < min || v > max)
                && bad[row].is_none()
            {
                bad[row] = Some(flowlog::RejectReason::OutOfRange {
                    field: def.name,
                    value: v.to_string(),
                    min,
                    max,
                });
            }
        }
        if def.seconds && values.iter().flatten().any(|v| *v > flowlog::MAX_SECONDS) {
            let seconds: arrow_array::Int64Array = values
                .iter()
                .map(|v| {
                    v.map(|v| {
                        if v > flowlog::MAX_SECONDS {
                            v / 1000
                        } else {
                            v
                        }
                    })
                })
                .collect();
            *column = Arc::new(seconds);
        }
    }
    let rejected: Vec<(usize, flowlog::RejectReason)> = bad
        .into_iter()
        .enumerate()
        .filter_map(|(row, why)| Some((row, why?)))
        .collect();
    let fixed = RecordBatch::try_new(batch.schema(), columns).expect("same columns");
    if rejected.is_empty() {
        return (fixed, rejected);
    }
    let keep: arrow_array::BooleanArray = (0..rows)
        .map(|row| Some(rejected.binary_search_by_key(&row, |(r, _)| *r).is_err()))
        .collect();
    let kept = arrow_select::filter::filter_record_batch(&fixed, &keep).expect("same length");
    (kept, rejected)
}

#[cfg(test)]
mod tests {
    use flowlog::{Decoder, col};

    use super::*;

    fn batch(lines: &str) -> RecordBatch {
        let mut d = Decoder::new(Some(flowlog::Format::parse("srcaddr start").unwrap()));
        d.decode(lines.as_bytes());
        d.finish();
        d.next_batch().unwrap()
    }

    #[test]
    fn sorts_across_batches_nulls_first() {
        let sorted = sort_by_start(&[batch("a 30\nb 10\n"), batch("c -\nd 20\n")]);
        let src: Vec<&str> = sorted
            .column(col::SRCADDR)
            .as_string::<i32>()
            .iter()
            .flatten()
            .collect();
        assert_eq!(src, ["c", "b", "d", "a"]);
        assert_eq!(sorted.column(col::DSTADDR).null_count(), 4);
    }
}
