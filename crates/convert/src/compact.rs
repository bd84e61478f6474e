//! Compaction: rewrite each partition's small Parquet files (flowlake's or AWS-delivered)
//! into files of the target size, rows sorted by `start` within each row group.
//!
//! A compaction is a commit of the same log as a conversion, with the files it replaces
//! listed in its record. Its new files are published before the old ones are deleted,
//! and the old ones only after a grace period, so no reader misses a row. flowlake's own
//! reader leaves out the replaced files from the moment the new ones are published, so it
//! never counts a row twice; a plain directory reader (Athena, DuckDB) can see both until
//! the old ones are deleted. A killed compaction is rolled forward (if its record was
//! written) or discarded (if not) by the next run of `compact` or `convert`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{RecordBatch, new_null_array};
use chrono::Utc;
use flowlake_store::{Location, S3Options};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStoreExt};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;

use crate::commit::{CommitLog, CommitRecord};
use crate::error::{ConvertError, Result};
use crate::target::{Target, Writer};
use crate::writer::{PartitionSet, WriteOptions};

/// What to compact and how.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    pub lake: Location,
    pub s3: S3Options,
    /// Output files are closed past this size; files below half of it are "small".
    pub write: WriteOptions,
    /// Only show the plan.
    pub dry_run: bool,
    /// How long replaced files stay after the new ones are published.
    pub grace: Duration,
    /// Input bytes rewritten per commit (several partitions share one).
    pub commit_every: u64,
    pub spool: Option<std::path::PathBuf>,
}

impl CompactOptions {
    pub fn new(lake: impl Into<Location>) -> Self {
        Self {
            lake: lake.into(),
            s3: S3Options::default(),
            write: WriteOptions::default(),
            dry_run: false,
            grace: crate::commit::RETIRE_GRACE,
            commit_every: crate::DEFAULT_COMMIT_EVERY,
            spool: None,
        }
    }
}

/// One partition to rewrite.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionPlan {
    /// The partition folder, relative to the lake.
    pub partition: String,
    /// Its small files, relative to the lake.
    pub files: Vec<String>,
    pub bytes: u64,
}

/// What a compaction did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CompactSummary {
    pub lake: String,
    pub dry_run: bool,
    pub partitions: Vec<PartitionPlan>,
    pub files_before: u64,
    pub bytes_before: u64,
    pub files_after: u64,
    pub bytes_after: u64,
    pub rows: u64,
    pub commits: u64,
    pub recovered_commits: usize,
    pub retired: usize,
    pub discarded_staging: usize,
    pub elapsed_seconds: f64,
}

/// Compact the lake. Blocking, like [`convert`](crate::convert).
pub fn compact(options: &CompactOptions) -> Result<CompactSummary> {
    let started = Instant::now();
    if let Location::Local(dir) = &options.lake
        && !dir.join("AWSLogs").is_dir()
    {
        return Err(ConvertError::Invalid(format!(
            "{} is not a lake (no AWSLogs/ folder in it)",
            dir.display()
        )));
    }
    // Not destructured: the fields must drop in their declared order (see `Writer`).
    let writer = Writer::open(&options.lake, &options.s3, options.spool.as_deref())?;
    let (target, log, rt) = (&writer.target, &writer.log, &writer.rt);
    let display = target.location.to_string();
    let recovery = rt.block_on(log.recover(options.grace))?;
    let plan = rt.block_on(plan(target, options.write.target_file_size / 2))?;
    let mut summary = CompactSummary {
        lake: display,
        dry_run: options.dry_run,
        files_before: plan.iter().map(|p| p.files.len() as u64).sum(),
        bytes_before: plan.iter().map(|p| p.bytes).sum(),
        partitions: plan,
        recovered_commits: recovery.rolled_forward,
        retired: recovery.retired,
        discarded_staging: recovery.discarded,
        ..CompactSummary::default()
    };
    if options.dry_run {
        summary.elapsed_seconds = started.elapsed().as_secs_f64();
        return Ok(summary);
    }

    let run_id = format!("{}-compact", Utc::now().format("%Y%m%dT%H%M%SZ"));
    let mut groups: Vec<Vec<&PartitionPlan>> = Vec::new();
    let mut bytes = 0;
    for p in &summary.partitions {
        if groups.is_empty() || bytes >= options.commit_every.max(1) {
            groups.push(Vec::new());
            bytes = 0;
        }
        bytes += p.bytes;
        groups.last_mut().expect("pushed").push(p);
    }
    let mut after = (0, 0, 0, 0);
    for (seq, group) in groups.iter().enumerate() {
        let id = format!("{run_id}-{seq:04}");
        let set = PartitionSet::new(
            options.write.clone(),
            &target.work,
            CommitLog::staging_dir(&id),
            id.clone(),
            target.uploader(rt.handle()),
        );
        let mut rows_in = 0u64;
        for part in group {
            for file in &part.files {
                rows_in += rewrite(target, rt.handle(), &set, &part.partition, file)?;
            }
        }
        let files = set.finish()?;
        let rows_out: u64 = files.iter().map(|f| f.rows).sum();
        if rows_out != rows_in {
            return Err(ConvertError::Invalid(format!(
                "compaction {id} wrote {rows_out} rows for {rows_in} read; nothing was published"
            )));
        }
        after.0 += files.len() as u64;
        after.1 += files.iter().map(|f| f.bytes).sum::<u64>();
        after.2 += rows_out;
        let mut record = CommitRecord::new(id, Vec::new(), files);
        record.replaces = group.iter().flat_map(|p| p.files.clone()).collect();
        rt.block_on(log.commit(&record, options.grace))?;
        after.3 += 1;
    }
    summary.files_after = after.0;
    summary.bytes_after = after.1;
    summary.rows = after.2;
    summary.commits = after.3;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The partitions with two or more files smaller than `small`.
async fn plan(target: &Target, small: u64) -> Result<Vec<PartitionPlan>> {
    let logs = Path::from("AWSLogs");
    let objects: Vec<ObjectMeta> = target
        .store
        .list(Some(&logs))
        .try_collect()
        .await
        .map_err(|e| ConvertError::store(target.location.join("AWSLogs"), e))?;
    let mut by_dir: BTreeMap<String, Vec<ObjectMeta>> = BTreeMap::new();
    for meta in objects {
        let key = meta.location.as_ref();
        let Some((dir, name)) = key.rsplit_once('/') else {
            continue;
        };
        let hidden = key.split('/').any(|s| s.starts_with(['.', '_']));
        if hidden || !name.ends_with(".parquet") || meta.size >= small {
            continue;
        }
        by_dir.entry(dir.to_string()).or_default().push(meta);
    }
    Ok(by_dir
        .into_iter()
        .filter(|(_, files)| files.len() >= 2)
        .map(|(partition, mut files)| {
            files.sort_by(|a, b| a.location.cmp(&b.location));
            PartitionPlan {
                partition,
                bytes: files.iter().map(|f| f.size).sum(),
                files: files.into_iter().map(|f| f.location.to_string()).collect(),
            }
        })
        .collect())
}

/// Read one file into the partition set, in the canonical schema. Returns its rows.
/// Blocking (the set uploads finished files through the runtime).
fn rewrite(
    target: &Target,
    rt: &tokio::runtime::Handle,
    set: &PartitionSet,
    partition: &str,
    file: &str,
) -> Result<u64> {
    let location = target.location.join(file);
    let bytes = rt
        .block_on(async { target.store.get(&Path::from(file)).await?.bytes().await })
        .map_err(|e| ConvertError::store(&location, e))?;
    let bad = |e: &dyn std::fmt::Display| {
        ConvertError::Invalid(format!("{location}: not a readable Parquet file: {e}"))
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .map_err(|e| bad(&e))?
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| bad(&e))?;
    let mut rows = 0;
    for batch in reader {
        let batch = conform(&batch.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
        rows += batch.num_rows() as u64;
        set.push_to(partition.to_string(), batch)?;
    }
    Ok(rows)
}

/// A batch in the canonical 54-column schema: columns matched by name, cast where the
/// type differs, NULL where absent (AWS-delivered files hold only their format's fields).
fn conform(batch: &RecordBatch) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let schema = flowlog::schema();
    let columns = schema
        .fields()
        .iter()
        .map(|field| match batch.column_by_name(field.name()) {
            Some(col) if col.data_type() == field.data_type() => Ok(Arc::clone(col)),
            Some(col) => arrow_cast::cast(col, field.data_type()),
            None => Ok(new_null_array(field.data_type(), batch.num_rows())),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema, columns)
}
