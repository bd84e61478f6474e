//! Compaction: rewrite each partition's small Parquet files (flowlake's or AWS-delivered)
//! into files of the target size, rows sorted by `start` within each row group.
//!
//! A compaction is one commit of the table log that removes the small files and adds
//! their rewrite (no data change), so a reader of any snapshot sees the rows once. Its
//! new files are published before that commit and the old ones deleted only a grace
//! period after it, so a query still reading the previous snapshot finds them; a
//! compaction killed during that wait leaves them to the next `compact`. Two compactions
//! of the same files conflict in the log: the second one's rewrite is deleted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use flowlake_store::{Location, S3Options};
use flowlake_table::DataFile;
use object_store::ObjectStoreExt;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;

use crate::commit::{CommitLog, CommitRecord, Outcome, ReplacedFile};
use crate::error::{ConvertError, Result};
use crate::target::{Target, Writer};
use crate::writer::{PartitionSet, WriteOptions, conform};

/// What to compact and how.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    pub lake: Location,
    pub s3: S3Options,
    /// Output files are closed past this size; files below half of it are "small".
    pub write: WriteOptions,
    /// Only show the plan (nothing is written, nothing recovered).
    pub dry_run: bool,
    /// Give a folder without a table log that flowlake did not write one (see
    /// [`compact`]).
    pub adopt: bool,
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
            adopt: false,
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
    /// Groups not compacted because another compaction replaced their files first.
    pub skipped: Vec<String>,
    /// What else the user should know (a table this version does not compact).
    pub notices: Vec<String>,
    pub elapsed_seconds: f64,
}

/// Compact the lake. Blocking, like [`convert`](crate::convert).
pub fn compact(options: &CompactOptions) -> Result<CompactSummary> {
    let started = Instant::now();
    options.write.validate()?;
    if let Location::Local(dir) = &options.lake
        && !dir.join("AWSLogs").is_dir()
        && !dir.join(flowlake_table::LOG_DIR).is_dir()
        && !dir.join(flowlake_table::TGW_TABLE_DIR).is_dir()
    {
        return Err(ConvertError::Invalid(format!(
            "{} is not a lake (no AWSLogs/ folder in it)",
            dir.display()
        )));
    }
    if options.dry_run || !options.adopt {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| ConvertError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let files = runtime.block_on(read_only_files(options))?;
        if options.dry_run {
            let plan = plan(&files, options.write.target_file_size / 2);
            return Ok(CompactSummary {
                lake: options.lake.to_string(),
                dry_run: true,
                files_before: plan.iter().map(|(p, _)| p.files.len() as u64).sum(),
                bytes_before: plan.iter().map(|(p, _)| p.bytes).sum(),
                partitions: plan.into_iter().map(|(p, _)| p).collect(),
                elapsed_seconds: started.elapsed().as_secs_f64(),
                ..CompactSummary::default()
            });
        }
    }
    // Not destructured: the fields must drop in their declared order (see `Writer`).
    let mut writer = Writer::open(&options.lake, &options.s3, options.spool.as_deref(), None)?;
    let recovery = writer.recover()?;

    let display = writer.target.location.to_string();
    let vpc_plan = plan(&writer.lake.files()?, options.write.target_file_size / 2);
    let mut summary = CompactSummary {
        lake: display,
        dry_run: options.dry_run,
        files_before: vpc_plan.iter().map(|(p, _)| p.files.len() as u64).sum(),
        bytes_before: vpc_plan.iter().map(|(p, _)| p.bytes).sum(),
        partitions: vpc_plan.iter().map(|(p, _)| p.clone()).collect(),
        recovered_commits: recovery.rolled_forward + recovery.finished,
        discarded_staging: recovery.staging_deleted,
        ..CompactSummary::default()
    };
    // Files a compaction killed during its grace period left behind.
    summary.retired = writer
        .rt
        .block_on(writer.log.retire_removed(&mut writer.lake, options.grace))?;
    let mut after = (0, 0, 0, 0);
    let Writer {
        target,
        lake,
        log,
        run,
        rt,
    } = &mut writer;
    let mut seq = 0;
    compact_table(
        (target, rt, log, run),
        lake,
        None,
        &vpc_plan,
        options,
        (&mut seq, &mut after, &mut summary),
    )?;
    // The transit gateway table, the same way: its paths are under its folder.
    let tgw_root = target.opened.child(flowlake_table::TGW_TABLE_DIR);
    if let Some(mut tgw) = rt.block_on(flowlake_table::Lake::open(&tgw_root))? {
        let dir = flowlake_table::TGW_TABLE_DIR;
        summary.retired +=
            rt.block_on(log.retire_removed_in(&mut tgw, options.grace, Some(dir)))?;
        let files: Vec<DataFile> = tgw
            .files()?
            .into_iter()
            .map(|f| DataFile {
                path: format!("{dir}/{}", f.path),
                ..f
            })
            .collect();
        let tgw_plan = plan(&files, options.write.target_file_size / 2);
        summary.files_before += tgw_plan
            .iter()
            .map(|(p, _)| p.files.len() as u64)
            .sum::<u64>();
        summary.bytes_before += tgw_plan.iter().map(|(p, _)| p.bytes).sum::<u64>();
        summary
            .partitions
            .extend(tgw_plan.iter().map(|(p, _)| p.clone()));
        compact_table(
            (target, rt, log, run),
            &mut tgw,
            Some(dir),
            &tgw_plan,
            options,
            (&mut seq, &mut after, &mut summary),
        )?;
    }
    summary.files_after = after.0;
    summary.bytes_after = after.1;
    summary.rows = after.2;
    summary.commits = after.3;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The lake's data files without writing anything: from its table log, or for a folder
/// without one, from a listing. A folder without a log that flowlake did not write (no
/// earlier commit records) is refused unless `options.adopt`.
async fn read_only_files(options: &CompactOptions) -> Result<Vec<DataFile>> {
    let opened = flowlake_store::Opened::open(&options.lake, &options.s3).await?;
    if let Some(lake) = flowlake_table::Lake::open(&opened).await? {
        return Ok(lake.files()?);
    }
    let legacy = opened.prefix.clone().join("_flowlake").join("commits");
    let has_legacy = opened
        .store
        .list_with_delimiter(Some(&legacy))
        .await
        .is_ok_and(|l| !l.objects.is_empty());
    if !has_legacy && !options.adopt && !options.dry_run {
        return Err(ConvertError::Invalid(format!(
            "{} has no table log and was not written by flowlake (AWS's own Parquet delivery?). Compacting gives it a table log, and from then on the files AWS delivers into it are not part of the table: give --adopt to do so anyway, or convert it into a lake of its own",
            options.lake
        )));
    }
    let logs = opened.prefix.clone().join("AWSLogs");
    let listed: Vec<_> = futures::TryStreamExt::try_collect(opened.store.list(Some(&logs)))
        .await
        .map_err(|e| ConvertError::store(options.lake.join("AWSLogs"), e))?;
    let root = if opened.prefix.as_ref().is_empty() {
        String::new()
    } else {
        format!("{}/", opened.prefix)
    };
    Ok(listed
        .into_iter()
        .filter_map(|m| {
            let rel = m.location.as_ref().strip_prefix(&root)?.to_string();
            let hidden = rel.split('/').any(|s| s.starts_with(['.', '_']));
            (!hidden && rel.ends_with(".parquet")).then_some(DataFile {
                path: rel,
                size: m.size,
                modified: m.last_modified.timestamp_millis(),
                partition: Vec::new(),
                rows: None,
                time: None,
            })
        })
        .collect())
}

/// The partitions with two or more files smaller than `small`, from the table's files.
fn plan(files: &[DataFile], small: u64) -> Vec<(PartitionPlan, Vec<ReplacedFile>)> {
    let mut by_dir: BTreeMap<String, Vec<&DataFile>> = BTreeMap::new();
    for f in files.iter().filter(|f| f.size < small) {
        if let Some((dir, _)) = f.path.rsplit_once('/') {
            by_dir.entry(dir.to_string()).or_default().push(f);
        }
    }
    by_dir
        .into_iter()
        .filter(|(_, files)| files.len() >= 2)
        .map(|(partition, mut files)| {
            files.sort_by(|a, b| a.path.cmp(&b.path));
            let plan = PartitionPlan {
                partition,
                bytes: files.iter().map(|f| f.size).sum(),
                files: files.iter().map(|f| f.path.clone()).collect(),
            };
            let replaced = files
                .iter()
                .map(|f| ReplacedFile {
                    path: f.path.clone(),
                    size: f.size,
                    rows: f.rows,
                })
                .collect();
            (plan, replaced)
        })
        .collect()
}

/// Read one file into the partition set, in the canonical schema. Returns its rows, or
/// `None` when the file is gone (another compaction replaced and deleted it). Blocking
/// (the set uploads finished files through the runtime).
fn rewrite(
    target: &Target,
    rt: &tokio::runtime::Handle,
    set: &PartitionSet,
    partition: &str,
    file: &str,
    kind: flowlog::RecordKind,
) -> Result<Option<u64>> {
    let location = target.location.join(file);
    let bytes = match rt.block_on(async {
        target
            .store
            .get(&crate::commit::key(file))
            .await?
            .bytes()
            .await
    }) {
        Ok(b) => b,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(ConvertError::store(&location, e)),
    };
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
        let batch = conform(&batch.map_err(|e| bad(&e))?, kind).map_err(|e| bad(&e))?;
        rows += batch.num_rows() as u64;
        set.push_to(partition.to_string(), batch)?;
    }
    Ok(Some(rows))
}

/// Compact one table of the lake (`dir`: its folder, `None` for `vpc_flow_logs` at the
/// root) by `plan`, one commit per group of about `commit_every` bytes.
fn compact_table(
    (target, rt, log, run): (&Target, &tokio::runtime::Runtime, &CommitLog, &String),
    lake: &mut flowlake_table::Lake,
    dir: Option<&str>,
    plan: &[(PartitionPlan, Vec<ReplacedFile>)],
    options: &CompactOptions,
    (seq, after, summary): (&mut usize, &mut (u64, u64, u64, u64), &mut CompactSummary),
) -> Result<()> {
    let by = lake.partition_by();
    let kind = if dir.is_some() {
        flowlog::RecordKind::TransitGateway
    } else {
        flowlog::RecordKind::Vpc
    };
    let mut groups: Vec<Vec<&(PartitionPlan, Vec<ReplacedFile>)>> = Vec::new();
    let mut bytes = 0;
    for p in plan {
        if groups.is_empty() || bytes >= options.commit_every.max(1) {
            groups.push(Vec::new());
            bytes = 0;
        }
        bytes += p.0.bytes;
        groups.last_mut().expect("pushed").push(p);
    }
    for group in &groups {
        let id = uuid::Uuid::new_v4().to_string();
        let staging = format!("{}/{}-{:04}", crate::commit::STAGING, run, *seq);
        *seq += 1;
        let set = PartitionSet::new(
            options.write.clone(),
            by,
            &target.work,
            staging.clone(),
            id.clone(),
            target.uploader(rt.handle()),
        );
        let mut rows_in = 0u64;
        let mut gone = None;
        'group: for (part, files) in group {
            for file in files {
                match rewrite(target, rt.handle(), &set, &part.partition, &file.path, kind)? {
                    Some(rows) => rows_in += rows,
                    None => {
                        gone = Some(file.path.clone());
                        break 'group;
                    }
                }
            }
        }
        // One partition at a time, as the rewriting: compaction has no thread count to
        // bound the memory of several row groups sorted at once.
        let files = set.finish(1)?;
        if let Some(path) = gone {
            rt.block_on(lake.refresh())?;
            let in_table = dir.map_or(path.as_str(), |d| {
                path.strip_prefix(d)
                    .and_then(|p| p.strip_prefix('/'))
                    .unwrap_or(&path)
            });
            if lake.files()?.iter().any(|f| f.path == in_table) {
                return Err(ConvertError::Invalid(format!(
                    "{}: a data file of the table is missing; restore it, or remove it from the table log",
                    target.location.join(&path)
                )));
            }
            // Replaced (and deleted) by another compaction since this one's snapshot: its
            // rewrite stands; this group's is dropped before anything is published.
            rt.block_on(log.delete_tree(&staging))?;
            summary.skipped.push(format!(
                "{} partition(s) not compacted: {path} was replaced by another compaction meanwhile",
                group.len()
            ));
            continue;
        }
        let rows_out: u64 = files.iter().map(|f| f.rows).sum();
        if rows_out != rows_in {
            return Err(ConvertError::Invalid(format!(
                "compaction {id} wrote {rows_out} rows for {rows_in} read; nothing was published"
            )));
        }
        let (count, size) = (
            files.len() as u64,
            files.iter().map(|f| f.bytes).sum::<u64>(),
        );
        let mut record = CommitRecord::new(id, run.clone(), staging, Vec::new(), files);
        record.replaces = group.iter().flat_map(|(_, f)| f.clone()).collect();
        record.table = dir.map(|_| kind.table_name().to_string());
        match rt.block_on(log.commit(lake, &record, options.grace))? {
            Outcome::Committed(_) => {
                after.0 += count;
                after.1 += size;
                after.2 += rows_out;
                after.3 += 1;
            }
            // Another compaction replaced some of these files first: theirs stands.
            Outcome::Lost(why) => summary
                .skipped
                .push(format!("{} partition(s) not compacted: {why}", group.len())),
        }
    }
    Ok(())
}
