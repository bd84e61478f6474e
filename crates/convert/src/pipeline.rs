//! The conversion run: list, skip what is committed, decode and route in parallel, write,
//! commit in checkpoints, report.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use flowlake_store::{Location, S3Options};
use flowlake_table::PartitionBy;
use flowlog::{Decoder, Format, Notice, Reject};
use serde::Serialize;
use tokio::runtime::Handle;

use crate::commit::{
    CommitRecord, InputRecord, InputStatus, META_DIR, Outcome, RETIRE_GRACE, Recovery,
};
use crate::envelope::{EnvelopeInfo, EnvelopeRead};
use crate::error::{ConvertError, Result};
use crate::partition::{RouteDefaults, Router};
use crate::progress::Progress;
use crate::source::{
    Content, Input, ListOptions, Resume, SourceError, decompress, list_inputs, peek,
};
use crate::target::{Target, Writer};
use crate::writer::StagedFile;
use crate::writer::{PartitionSet, WriteOptions};
use crate::writer::{check_rows, conform};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Input bytes (as stored) converted between two commits unless configured otherwise.
pub const DEFAULT_COMMIT_EVERY: u64 = 1024 * 1024 * 1024;
/// Rejected lines shown in the summary; all of them go to the rejects file.
const REJECT_SAMPLES: usize = 10;

/// Everything a conversion needs.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Files, folders (recursive), S3 objects or prefixes, or `-` for standard input.
    pub inputs: Vec<String>,
    /// The lake: a folder or an S3 prefix.
    pub output: Location,
    /// S3 settings for inputs and output on S3.
    pub s3: S3Options,
    /// Unix seconds: only inputs in folders of an AWS layout dated within `[since, until)`
    /// are listed and converted (files in undated folders always are).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Where files bound for S3 are written before upload (default: the system's
    /// temporary folder).
    pub spool: Option<PathBuf>,
    /// Format of files without a header line (default: the v2 default format).
    pub format: Option<Format>,
    /// Account and region for records whose path and fields name none.
    pub account: Option<String>,
    pub region: Option<String>,
    pub write: WriteOptions,
    /// Worker threads decoding and writing.
    pub threads: usize,
    /// Commit after about this many input bytes (as stored), so a killed run loses little.
    pub commit_every: u64,
    /// Write rejected lines here instead of `<output>/_flowlake/rejects/`.
    pub rejects: Option<PathBuf>,
    pub batch_size: usize,
    /// What the inputs hold; by default each input's content decides.
    pub input_format: InputFormat,
    /// Lines longer than this many bytes are rejected (and never held whole in memory).
    pub max_line: usize,
    /// Follow symbolic links in local input folders.
    pub follow: bool,
    /// Convert what was appended to inputs that grew since they were converted, from
    /// where that conversion stopped (else such inputs are reported and left alone).
    pub convert_appended: bool,
}

/// What an input holds. `Auto` tells them apart by their content: Parquet by its magic
/// bytes, gzip by its own, CloudWatch Logs subscription envelopes by a leading `{`, the
/// event time that starts each line of a CloudWatch Logs export by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    #[default]
    Auto,
    /// Flow-log text (S3 delivery, Firehose direct delivery): records, with or without a
    /// header line.
    Text,
    /// A CloudWatch Logs export (`aws logs create-export-task`): each line is the event's
    /// ISO-8601 time, a space, then the record.
    CloudwatchExport,
    /// CloudWatch Logs subscription envelopes as Firehose writes them to S3 (JSON).
    CloudwatchSubscription,
    /// AWS's Parquet delivery (or any Parquet file with flow-log columns).
    Parquet,
}

impl ConvertOptions {
    pub fn new(inputs: Vec<String>, output: impl Into<Location>) -> Self {
        Self {
            inputs,
            output: output.into(),
            s3: S3Options::default(),
            since: None,
            until: None,
            spool: None,
            format: None,
            account: None,
            region: None,
            write: WriteOptions::default(),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            commit_every: DEFAULT_COMMIT_EVERY,
            rejects: None,
            batch_size: flowlog::DEFAULT_BATCH_SIZE,
            input_format: InputFormat::Auto,
            max_line: flowlog::DEFAULT_MAX_LINE,
            follow: false,
            convert_appended: false,
        }
    }
}

/// An input that could not be converted (or only in part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub location: String,
    pub error: String,
    /// Records kept from before the failure (a truncated gzip keeps its complete lines).
    pub records_kept: u64,
}

/// A rejected line, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectSample {
    pub location: String,
    pub line: u64,
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub output: String,
    /// Inputs found.
    pub inputs: u64,
    /// Inputs skipped because an earlier run converted them into this output.
    pub inputs_skipped: u64,
    /// Of those, inputs skipped because their content was converted under another name
    /// (renamed or copied).
    pub inputs_renamed: u64,
    /// Inputs that changed since they were converted (also in `failures`); with
    /// `convert_appended`, those that grew are converted from where they stopped.
    pub inputs_changed: u64,
    pub inputs_converted: u64,
    pub inputs_failed: u64,
    /// Bytes read from inputs, as stored.
    pub bytes_read: u64,
    /// Bytes of flow-log text decoded (after decompression).
    pub text_bytes: u64,
    pub records_read: u64,
    pub records_written: u64,
    pub records_rejected: u64,
    pub files_written: u64,
    pub bytes_written: u64,
    pub commits: u64,
    pub elapsed_seconds: f64,
    pub records_per_second: f64,
    /// Commits of interrupted runs that this run published and committed.
    pub recovered_commits: usize,
    /// Commits of interrupted runs discarded (their inputs had been converted by another
    /// run), and staging folders of dead runs deleted.
    pub discarded_commits: usize,
    pub discarded_staging: usize,
    pub failures: Vec<Failure>,
    /// Folders of other AWS services (`CloudTrail`, `Config` ...) under `AWSLogs/` that were
    /// not listed, and stray objects beside them, by service.
    pub skipped_other_services: std::collections::BTreeMap<String, u64>,
    /// Symbolic links in local folders not followed (see `follow`).
    pub skipped_links: u64,
    pub reject_samples: Vec<RejectSample>,
    /// Where the rejected lines were written, if any were.
    pub rejects_file: Option<String>,
    pub notices: Vec<String>,
}

impl Summary {
    /// True when some input was rejected or unreadable (the rest was written).
    pub fn is_partial(&self) -> bool {
        self.records_rejected > 0 || self.inputs_failed > 0
    }
}

/// Convert flow logs to partitioned Parquet. See the crate docs.
///
/// Blocking: it drives its own async runtime for I/O, so call it from synchronous code
/// (a plain thread), not from inside an async task.
pub fn convert(options: &ConvertOptions, progress: &Arc<Progress>) -> Result<Summary> {
    let started = Instant::now();
    options.write.validate()?;
    // Not destructured: the fields must drop in their declared order (see `Writer`).
    let mut writer = Writer::open(
        &options.output,
        &options.s3,
        options.spool.as_deref(),
        options.write.partition_by,
    )?;
    let recovery = writer.recover()?;
    let by = writer.lake.partition_by();
    let display = writer.target.location.to_string();
    let listing = writer.rt.block_on(list_inputs(
        &options.inputs,
        &ListOptions {
            s3: options.s3.clone(),
            since: options.since,
            until: options.until,
            follow: options.follow,
        },
    ))?;
    let listed = listing.inputs;

    let mut summary = Summary {
        output: display.clone(),
        inputs: listed.len() as u64 + listing.failures.len() as u64,
        recovered_commits: recovery.rolled_forward + recovery.finished,
        discarded_commits: recovery.discarded,
        discarded_staging: recovery.staging_deleted,
        skipped_other_services: listing.other_services,
        skipped_links: listing.links_skipped,
        ..Summary::default()
    };
    note_recovery(&mut summary, &recovery);
    for (location, error) in listing.failures {
        summary.inputs_failed += 1;
        summary.failures.push(Failure {
            location,
            error,
            records_kept: 0,
        });
    }
    if !summary.skipped_other_services.is_empty() {
        let services: Vec<String> = summary
            .skipped_other_services
            .iter()
            .map(|(s, n)| format!("{s} ({n})"))
            .collect();
        summary.notices.push(format!(
            "not read: folders and objects of other AWS services under AWSLogs/, which hold no flow logs: {}",
            services.join(", ")
        ));
    }
    if summary.skipped_links > 0 {
        summary.notices.push(format!(
            "{} symbolic link(s) in input folders not followed (--follow reads them)",
            summary.skipped_links
        ));
    }

    let states = writer.rt.block_on(writer.lake.input_states())?;
    // Converted contents (by fingerprint), with the text offset recorded for each.
    let contents = writer.rt.block_on(writer.lake.content_states())?;
    let mut aliases: Vec<InputRecord> = Vec::new();
    let mut todo = Vec::new();
    let mut fingerprints = std::collections::HashSet::new();
    let changed = |summary: &mut Summary, input: &Input, error: String| {
        summary.inputs_changed += 1;
        summary.inputs_failed += 1;
        summary.failures.push(Failure {
            location: input.location.clone(),
            error,
            records_kept: 0,
        });
    };
    // Inputs the lake knows by name first: the content of those that grew is then known
    // before any new name is looked at (a copy of a grown file is not converted whole).
    let mut listed = listed;
    listed.sort_by_key(|i| !states.contains_key(&i.location));
    for mut input in listed {
        if input.is_stdin() {
            todo.push(input);
            continue;
        }
        let now = input.size.unwrap_or(0);
        if let Some(state) = states.get(&input.location) {
            let done = state.size as u64;
            if done == now {
                // Same size: unchanged, unless its modification time moved and its
                // content is not one the lake converted (an edit in place).
                let modified = input.modified.map(|m| m.timestamp_millis());
                let moved = state.modified.is_some() && modified != state.modified;
                if moved
                    && let Ok(Some(fp)) = input.compute_fingerprint()
                    && !contents.contains_key(&fp)
                {
                    changed(
                        &mut summary,
                        &input,
                        format!(
                            "changed since it was converted (same size, {now} bytes, other content): not converted again, which would duplicate its earlier rows; move it away, or convert it into another lake"
                        ),
                    );
                    continue;
                }
                summary.inputs_skipped += 1;
                continue;
            }
            match (options.convert_appended, state.text) {
                (true, Some(text_offset)) if now > done => {
                    input.resume = Some(Resume {
                        previous_size: done,
                        text_offset: text_offset as u64,
                        last_line: state.last_line,
                    });
                    // Its grown content is known from now on too (renamed later, say); if
                    // it is converted already (under another name), nothing is new.
                    match input.compute_fingerprint() {
                        Ok(fp) => input.fingerprint = fp,
                        Err(e) => {
                            changed(&mut summary, &input, format!("cannot be read: {e}"));
                            continue;
                        }
                    }
                    if let Some(fp) = &input.fingerprint
                        && (contents.contains_key(fp) || !fingerprints.insert(fp.clone()))
                    {
                        summary.inputs_skipped += 1;
                        summary.inputs_renamed += 1;
                        continue;
                    }
                    todo.push(input);
                }
                (appended, text) => {
                    let why = if !appended {
                        "not converted again, which would duplicate its earlier rows; --convert-appended converts what was appended to it"
                    } else if now < done {
                        "it shrank, so it was not appended to: not converted again; convert it into another lake, or move it away"
                    } else if text.is_none() {
                        "where its earlier conversion stopped is not recorded (a Parquet file, or converted by an earlier flowlake): not converted again"
                    } else {
                        unreachable!("handled above")
                    };
                    changed(
                        &mut summary,
                        &input,
                        format!("changed since it was converted ({done} -> {now} bytes); {why}"),
                    );
                }
            }
            continue;
        }
        match input.compute_fingerprint() {
            Ok(Some(fp)) => {
                if contents.contains_key(&fp) {
                    // Converted under another name: this name is recorded as the same
                    // input, with where its text was converted to, so that what is
                    // appended to it under this name later is converted from there.
                    // The text offset recorded with this content (none for Parquet).
                    if let Some(state) = contents.get(&fp).filter(|c| c.text.is_some()) {
                        aliases.push(InputRecord {
                            location: input.location.clone(),
                            size: input.size,
                            modified: input.modified,
                            etag: input.etag.clone(),
                            records: 0,
                            rejected: 0,
                            status: InputStatus::Complete,
                            error: None,
                            fingerprint: None,
                            previous_size: None,
                            text_bytes: state.text.map(|t| t as u64),
                            last_line: state.last_line,
                        });
                    }
                    summary.inputs_skipped += 1;
                    summary.inputs_renamed += 1;
                    continue;
                }
                if !fingerprints.insert(fp.clone()) {
                    summary.inputs_skipped += 1;
                    summary.inputs_renamed += 1;
                    continue;
                }
                input.fingerprint = Some(fp);
            }
            Ok(None) => {}
            Err(e) => {
                summary.inputs_failed += 1;
                summary.failures.push(Failure {
                    location: input.location.clone(),
                    error: format!("cannot be read: {e}"),
                    records_kept: 0,
                });
                continue;
            }
        }
        todo.push(input);
    }
    if summary.inputs_renamed > 0 {
        summary.notices.push(format!(
            "{} input(s) skipped: the same content was converted before under another name (renamed or copied; same size and content fingerprint)",
            summary.inputs_renamed
        ));
    }
    // Date order keeps few partitions open at once on a long backfill.
    todo.sort_by(|a, b| (a.hints.time, &a.location).cmp(&(b.hints.time, &b.location)));
    progress
        .files_total
        .store(todo.len() as u64, Ordering::Relaxed);
    progress
        .bytes_total
        .store(todo.iter().filter_map(|i| i.size).sum(), Ordering::Relaxed);

    let mut notices = NoticeLog::default();
    let mut seq = 0;
    for chunk in chunks(&todo, options.commit_every) {
        let mut chunk = chunk.to_vec();
        // A commit refused because another run converted some of its inputs meanwhile
        // is converted again without them.
        while !chunk.is_empty() {
            let id = uuid::Uuid::new_v4().to_string();
            let staging = writer.staging_dir(seq);
            seq += 1;
            let outcome = convert_chunk(
                options,
                &writer.target,
                by,
                (&staging, &id),
                &chunk,
                writer.rt.handle(),
                progress,
            )?;
            if !outcome.unreadable.is_empty() {
                // An input could not be read to its end from where it is stored: its rows
                // are in this commit's files with others', so the files are dropped and
                // the rest of the chunk converted again without it.
                writer.rt.block_on(writer.log.delete_tree(&staging))?;
                chunk.retain(|i| !outcome.unreadable.iter().any(|f| f.location == i.location));
                summary.inputs_failed += outcome.unreadable.len() as u64;
                summary.failures.extend(outcome.unreadable);
                continue;
            }
            if outcome.inputs.is_empty() && outcome.files.is_empty() && outcome.rejects.is_none() {
                account(&mut summary, &mut notices, outcome, None);
                break;
            }
            let mut record = CommitRecord::new(
                id,
                writer.run.clone(),
                staging,
                outcome.inputs.clone(),
                outcome.files.clone(),
            );
            record.rejects.clone_from(&outcome.rejects);
            let committed =
                writer
                    .rt
                    .block_on(writer.log.commit(&mut writer.lake, &record, RETIRE_GRACE))?;
            match committed {
                Outcome::Committed(_) => {
                    account(&mut summary, &mut notices, outcome, Some(&writer.target));
                    summary.commits += 1;
                    break;
                }
                Outcome::Lost(why) => {
                    let done = writer.rt.block_on(writer.lake.inputs())?;
                    let before = chunk.len();
                    chunk.retain(|i| {
                        i.is_stdin()
                            || (done.get(&i.location).map(|d| *d as u64)
                                == i.resume.map(|r| r.previous_size)
                                && !i
                                    .fingerprint
                                    .as_ref()
                                    .is_some_and(|f| contents.contains_key(f)))
                    });
                    let taken = before - chunk.len();
                    if taken == 0 || chunk.iter().any(Input::is_stdin) {
                        return Err(ConvertError::Invalid(format!(
                            "the table log of {display} refused a commit ({why}); nothing of it was committed: run again"
                        )));
                    }
                    summary.inputs_skipped += taken as u64;
                    summary.notices.push(format!(
                        "{taken} input(s) were converted into {display} by another run meanwhile ({why}); they are skipped and the rest of their commit was converted again"
                    ));
                }
            }
        }
    }
    // One commit of names only (no data): the inputs' new names. Names another run
    // recorded meanwhile are left out of the next attempt.
    while !aliases.is_empty() {
        let record = CommitRecord::new(
            uuid::Uuid::new_v4().to_string(),
            writer.run.clone(),
            writer.staging_dir(seq),
            aliases.clone(),
            Vec::new(),
        );
        seq += 1;
        let committed =
            writer
                .rt
                .block_on(writer.log.commit(&mut writer.lake, &record, RETIRE_GRACE))?;
        match committed {
            Outcome::Committed(_) => {
                summary.commits += 1;
                break;
            }
            Outcome::Lost(why) => {
                let done = writer.rt.block_on(writer.lake.inputs())?;
                let before = aliases.len();
                aliases.retain(|a| !done.contains_key(&a.location));
                if aliases.len() == before {
                    summary.notices.push(format!(
                        "the new names of {before} renamed input(s) were not recorded ({why}); the next run records them"
                    ));
                    break;
                }
            }
        }
    }
    if let Some(path) = options
        .rejects
        .as_ref()
        .filter(|_| summary.records_rejected > 0)
    {
        summary.rejects_file = Some(path.display().to_string());
    }
    summary.notices.extend(notices.finish());
    summary.bytes_read = Progress::get(&progress.bytes_read);
    summary.text_bytes = Progress::get(&progress.text_bytes);
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.records_per_second = summary.records_read as f64 / summary.elapsed_seconds.max(1e-9);
    Ok(summary)
}

/// Add a chunk's outcome to the summary; `target` when its files were committed.
fn account(
    summary: &mut Summary,
    notices: &mut NoticeLog,
    outcome: ChunkOutcome,
    target: Option<&Target>,
) {
    summary.records_read += outcome.inputs.iter().map(|i| i.records).sum::<u64>();
    summary.inputs_converted += outcome.inputs.len() as u64;
    summary.inputs_failed += outcome.failures.len() as u64;
    summary.failures.extend(outcome.failures);
    summary.records_rejected += outcome.rejected;
    for sample in outcome.samples {
        if summary.reject_samples.len() < REJECT_SAMPLES {
            summary.reject_samples.push(sample);
        }
    }
    notices.merge(outcome.notices);
    let Some(target) = target else { return };
    summary.records_written += outcome.files.iter().map(|f| f.rows).sum::<u64>();
    summary.files_written += outcome.files.len() as u64;
    summary.bytes_written += outcome.files.iter().map(|f| f.bytes).sum::<u64>();
    if let Some((_, final_path)) = outcome.rejects {
        // One file per commit; past the first, point at their folder.
        summary.rejects_file = Some(match summary.rejects_file.take() {
            None => target.location.join(&final_path),
            Some(_) => target.location.join(&format!("{META_DIR}/rejects")),
        });
    }
}

fn note_recovery(summary: &mut Summary, recovery: &Recovery) {
    if recovery.rolled_forward + recovery.finished > 0 {
        summary.notices.push(format!(
            "finished {} commit(s) of an interrupted run",
            recovery.rolled_forward + recovery.finished
        ));
    }
    if recovery.discarded > 0 {
        summary.notices.push(format!(
            "discarded {} commit(s) of interrupted runs whose inputs another run had converted",
            recovery.discarded
        ));
    }
    if recovery.staging_deleted > 0 {
        summary.notices.push(format!(
            "deleted the uncommitted output of {} interrupted run(s); their inputs are converted again",
            recovery.staging_deleted
        ));
    }
    summary.notices.extend(recovery.unreadable.iter().cloned());
}

/// Split inputs into commits of about `every` bytes each.
fn chunks(inputs: &[Input], every: u64) -> Vec<&[Input]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0u64;
    for (i, input) in inputs.iter().enumerate() {
        bytes += input.size.unwrap_or(0);
        if bytes >= every.max(1) {
            out.push(&inputs[start..=i]);
            start = i + 1;
            bytes = 0;
        }
    }
    if start < inputs.len() {
        out.push(&inputs[start..]);
    }
    out
}

struct ChunkOutcome {
    inputs: Vec<InputRecord>,
    /// Inputs whose bytes could not be read to the end from storage: the chunk is not
    /// committed, and converted again without them.
    unreadable: Vec<Failure>,
    failures: Vec<Failure>,
    files: Vec<StagedFile>,
    rejected: u64,
    samples: Vec<RejectSample>,
    rejects: Option<(String, String)>,
    notices: NoticeLog,
}

fn convert_chunk(
    options: &ConvertOptions,
    target: &Target,
    by: PartitionBy,
    (staging, id): (&str, &str),
    chunk: &[Input],
    rt: &Handle,
    progress: &Arc<Progress>,
) -> Result<ChunkOutcome> {
    let staging = staging.to_string();
    let uploader = target.uploader(rt);
    let set = PartitionSet::new(
        options.write.clone(),
        by,
        &target.work,
        staging.clone(),
        id.to_string(),
        uploader.clone(),
    );
    let (rejects_path, published_rejects) = match &options.rejects {
        Some(path) => (path.clone(), None),
        None => {
            let staged = format!("{staging}/rejects.ndjson");
            let final_path = format!("{META_DIR}/rejects/{id}.ndjson");
            (target.work.join(&staged), Some((staged, final_path)))
        }
    };
    let sink = RejectSink::new(rejects_path, options.rejects.is_some());
    let defaults = RouteDefaults {
        by,
        account: options.account.as_deref().map(Arc::from),
        region: options.region.as_deref().map(Arc::from),
    };

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let fatal: Mutex<Option<ConvertError>> = Mutex::new(None);
    let results: Mutex<Vec<(usize, InputOutcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..options.threads.clamp(1, chunk.len().max(1)) {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = chunk.get(i) else { break };
                    let job = Job {
                        options,
                        defaults: &defaults,
                        set: &set,
                        sink: &sink,
                        rt,
                        progress,
                    };
                    match job.run(input) {
                        Ok((outcome, notices)) => {
                            progress.files_done.fetch_add(1, Ordering::Relaxed);
                            if outcome.is_err() {
                                progress.failed.fetch_add(1, Ordering::Relaxed);
                            }
                            results.lock().expect("lock").push((i, (outcome, notices)));
                        }
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            fatal.lock().expect("lock").get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = fatal.into_inner().expect("lock") {
        return Err(e);
    }
    let files = set.finish(options.threads)?;
    let (rejected, samples) = sink.finish()?;
    if let (Some(uploader), Some((staged, _))) = (&uploader, &published_rejects)
        && rejected > 0
    {
        uploader.upload(staged)?;
    }

    let mut results = results.into_inner().expect("lock");
    results.sort_by_key(|(i, _)| *i);
    let mut outcome = ChunkOutcome {
        inputs: Vec::new(),
        unreadable: Vec::new(),
        failures: Vec::new(),
        files,
        rejected,
        samples,
        rejects: published_rejects.filter(|_| rejected > 0),
        notices: NoticeLog::default(),
    };
    for (_, (result, notices)) in results {
        outcome.notices.merge(notices);
        match result {
            Err(Unconverted::Unreadable(failure)) => outcome.unreadable.push(failure),
            Err(Unconverted::Failed(failure)) => outcome.failures.push(failure),
            Ok(record) => {
                if let (InputStatus::Truncated, Some(error)) = (record.status, &record.error) {
                    outcome.failures.push(Failure {
                        location: record.location.clone(),
                        error: error.clone(),
                        records_kept: record.records,
                    });
                }
                outcome.inputs.push(record);
            }
        }
    }
    Ok(outcome)
}

struct Job<'a> {
    options: &'a ConvertOptions,
    defaults: &'a RouteDefaults,
    set: &'a PartitionSet,
    sink: &'a RejectSink,
    rt: &'a Handle,
    progress: &'a Arc<Progress>,
}

type InputOutcome = (std::result::Result<InputRecord, Unconverted>, NoticeLog);

/// An input that is not part of the commit.
enum Unconverted {
    /// Nothing of it was kept (not flow-log text, cannot be opened, unreadable Parquet).
    Failed(Failure),
    /// Its bytes could not all be read from storage after retries; some of its rows may
    /// already be in the commit's files, which must then be dropped.
    Unreadable(Failure),
}

impl Job<'_> {
    /// Convert one input. `Err` is fatal for the run (the output cannot be written);
    /// a problem with the input itself is an `Ok(Err(Unconverted))`.
    fn run(&self, input: &Input) -> Result<InputOutcome> {
        let mut notices = NoticeLog::default();
        let failed = |error: String| {
            Unconverted::Failed(Failure {
                location: input.location.clone(),
                error,
                records_kept: 0,
            })
        };
        let opened = input
            .open_raw(self.rt)
            .and_then(|raw| decompress(raw, Arc::clone(self.progress)));
        let (content, reader) = match opened {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotConnected => {
                return Err(ConvertError::Store {
                    message: e.to_string(),
                });
            }
            Err(e) => return Ok((Err(failed(e.to_string())), notices)),
        };
        let format = self.options.input_format;
        if content == Content::Parquet {
            drop(reader);
            return self.parquet(input, notices);
        }
        if format == InputFormat::Parquet {
            return Ok((
                Err(failed(
                    "not a Parquet file (no PAR1 magic bytes), as --input-format parquet says"
                        .into(),
                )),
                notices,
            ));
        }

        // The first bytes of the text tell envelopes (JSON) from lines.
        let mut reader = reader;
        let (head, mut broken) = match peek(&mut reader, 64) {
            Ok(head) => (head, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        // A byte-order mark is not content (the decoder drops it from a first line).
        let start = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let envelopes = match format {
            InputFormat::CloudwatchSubscription => true,
            InputFormat::Auto => {
                head[start..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
            }
            _ => false,
        };
        let info = Arc::new(EnvelopeInfo::default());
        let mut reader: Box<dyn Read + Send> = if envelopes {
            let body = std::io::Cursor::new(head[start..].to_vec()).chain(reader);
            // The JSON reader asks for a few bytes at a time: buffered.
            Box::new(EnvelopeRead::new(
                std::io::BufReader::with_capacity(256 * 1024, body),
                Arc::clone(&info),
            ))
        } else {
            Box::new(std::io::Cursor::new(head).chain(reader))
        };

        let mut decoder =
            Decoder::with_batch_size(self.options.format.clone(), self.options.batch_size);
        decoder.set_max_line(self.options.max_line);
        decoder.set_strict_start(true);
        match format {
            InputFormat::CloudwatchExport => decoder.set_event_time(true),
            InputFormat::Text | InputFormat::CloudwatchSubscription => {
                decoder.set_event_time(false);
            }
            InputFormat::Auto | InputFormat::Parquet => {}
        }
        // The part converted before, when converting what was appended: its header line
        // (if it starts with one) sets the format, the rest is only counted.
        let mut text_base = 0;
        if let (Some(resume), None) = (input.resume, &broken) {
            match skip_converted(&mut reader, &mut decoder, resume) {
                Ok(base) => text_base = base,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok((
                        Err(failed(format!(
                            "grew from {} bytes, but its text is shorter than the {} bytes converted then: rewritten, not appended to; not converted",
                            resume.previous_size, resume.text_offset
                        ))),
                        notices,
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData && !SourceError::is(&e) => {
                    return Ok((Err(failed(e.to_string())), notices));
                }
                Err(e) => broken = Some(e),
            }
        }
        // The router of the rows decoded so far; with envelopes, of the current owner (a
        // Firehose stream may carry several accounts' envelopes in one object).
        let mut router: Option<(Option<String>, Router)> = None;
        let mut buf = vec![0u8; 256 * 1024];
        while broken.is_none() {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.progress
                        .text_bytes
                        .fetch_add(n as u64, Ordering::Relaxed);
                    // One read of envelopes holds one envelope's records.
                    let owner = info.owner();
                    if let Some((routed, current)) = &router
                        && *routed != owner
                    {
                        // The rows so far belong to the previous owner.
                        decoder.flush();
                        self.drain(input, &mut decoder, current, &mut notices)?;
                        router = None;
                    }
                    decoder.decode(&buf[..n]);
                    if decoder.not_flow_log().is_some() {
                        break;
                    }
                    let (_, current) = router.get_or_insert_with(|| {
                        (owner.clone(), self.router(input, owner.as_deref()))
                    });
                    self.drain(input, &mut decoder, current, &mut notices)?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotConnected => {
                    return Err(ConvertError::Store {
                        message: e.to_string(),
                    });
                }
                Err(e) => broken = Some(e),
            }
        }
        if decoder.not_flow_log().is_none() {
            match &broken {
                Some(_) => decoder.finish_truncated(),
                None => decoder.finish(),
            }
        }
        // Checked after `finish` too: a one-line input's line is decoded there.
        if let Some(first) = decoder.not_flow_log() {
            let hint = if envelopes {
                "the envelopes' messages are not flow-log records"
            } else {
                "if it is flow-log text without a header line, give its format with --log-format"
            };
            return Ok((
                Err(failed(format!(
                    "not flow-log text: line {} is neither a header nor a record ({}); {hint}",
                    first.line, first.reason
                ))),
                notices,
            ));
        }
        let owner = info.owner();
        let (_, current) =
            router.get_or_insert_with(|| (owner.clone(), self.router(input, owner.as_deref())));
        self.drain(input, &mut decoder, current, &mut notices)?;
        let stats = decoder.stats();
        if let Some(e) = broken {
            let error = format!("read failed after line {}: {e}", stats.lines);
            if SourceError::is(&e) {
                return Ok((
                    Err(Unconverted::Unreadable(Failure {
                        location: input.location.clone(),
                        error,
                        records_kept: 0,
                    })),
                    notices,
                ));
            }
            if envelopes && stats.records == 0 && e.kind() == std::io::ErrorKind::InvalidData {
                // JSON, but not CloudWatch Logs envelopes: one error for the file.
                return Ok((Err(failed(format!("not flow-log text: {e}"))), notices));
            }
            if stats.records == 0 {
                // Nothing kept: leave it out of the commit so a later run tries again.
                return Ok((Err(failed(error)), notices));
            }
            return Ok((
                Ok(input_record(
                    input,
                    stats,
                    (InputStatus::Truncated, Some(error)),
                    Some((
                        text_base + decoder.consumed_bytes(),
                        decoder.last_line_hash(),
                    )),
                )),
                notices,
            ));
        }
        Ok((
            Ok(input_record(
                input,
                stats,
                (InputStatus::Complete, None),
                Some((
                    text_base + decoder.consumed_bytes(),
                    decoder.last_line_hash(),
                )),
            )),
            notices,
        ))
    }

    /// The router of one input: its path's account, else the owner its envelope named.
    fn router(&self, input: &Input, owner: Option<&str>) -> Router {
        let mut hints = input.hints.clone();
        if hints.account.is_none() {
            hints.account = owner.map(str::to_string);
        }
        Router::new(&hints, self.defaults)
    }

    /// A Parquet input (AWS's Parquet delivery, Hive layout or not): its columns matched
    /// to the canonical ones by name, cast to their types, absent ones NULL, then routed
    /// as text records are.
    fn parquet(&self, input: &Input, mut notices: NoticeLog) -> Result<InputOutcome> {
        let failed = |error: String| {
            Unconverted::Failed(Failure {
                location: input.location.clone(),
                error,
                records_kept: 0,
            })
        };
        let bytes = match input.read_all(self.rt) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotConnected => {
                return Err(ConvertError::Store {
                    message: e.to_string(),
                });
            }
            Err(e) => return Ok((Err(failed(e.to_string())), notices)),
        };
        let builder = match ParquetRecordBatchReaderBuilder::try_new(bytes) {
            Ok(b) => b,
            Err(e) => {
                return Ok((
                    Err(failed(format!("not a readable Parquet file: {e}"))),
                    notices,
                ));
            }
        };
        let names: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let kind = flowlog::RecordKind::of_names(names.iter().map(String::as_str));
        let unknown: Vec<String> = names
            .into_iter()
            .filter(|n| kind.field(n).is_none())
            .collect();
        let known = builder.schema().fields().len() - unknown.len();
        if known == 0 {
            return Ok((
                Err(failed(
                    "a Parquet file without flow-log columns (none of its columns is a flow-log field)"
                        .into(),
                )),
                notices,
            ));
        }
        if !unknown.is_empty() {
            notices
                .unknown
                .entry(unknown.join(", "))
                .or_insert_with(|| (0, input.location.clone()))
                .0 += 1;
        }
        let reader = match builder.with_batch_size(self.options.batch_size).build() {
            Ok(r) => r,
            Err(e) => {
                return Ok((
                    Err(failed(format!("not a readable Parquet file: {e}"))),
                    notices,
                ));
            }
        };
        let router = Router::new(&input.hints, self.defaults);
        let mut records = 0u64;
        let mut seen = 0u64;
        let mut rejected_rows = 0u64;
        for batch in reader {
            let batch = match batch.and_then(|b| conform(&b, kind)) {
                Ok(b) => b,
                Err(e) => {
                    let error = format!("not a readable Parquet file: {e}");
                    // Rows of earlier row groups may be in this commit's files already.
                    let failure = Failure {
                        location: input.location.clone(),
                        error,
                        records_kept: 0,
                    };
                    let out = if records > 0 {
                        Unconverted::Unreadable(failure)
                    } else {
                        Unconverted::Failed(failure)
                    };
                    return Ok((Err(out), notices));
                }
            };
            let in_file = batch.num_rows() as u64;
            let (batch, rejected) = check_rows(&batch, kind);
            if !rejected.is_empty() {
                let rejects: Vec<flowlog::Reject> = rejected
                    .into_iter()
                    .map(|(row, reason)| flowlog::Reject {
                        line: seen + row as u64 + 1,
                        reason,
                        raw: format!("row {} of the Parquet file", seen + row as u64 + 1),
                    })
                    .collect();
                rejected_rows += rejects.len() as u64;
                self.progress
                    .rejected
                    .fetch_add(rejects.len() as u64, Ordering::Relaxed);
                self.sink.write(&input.location, &rejects)?;
            }
            seen += in_file;
            records += batch.num_rows() as u64;
            self.progress
                .records
                .fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
            for (key, part) in router.route(&batch) {
                self.set.push(&key, part)?;
            }
        }
        let stats = flowlog::DecodeStats {
            records,
            rejected: rejected_rows,
            ..Default::default()
        };
        Ok((
            Ok(input_record(
                input,
                stats,
                (InputStatus::Complete, None),
                None,
            )),
            notices,
        ))
    }

    fn drain(
        &self,
        input: &Input,
        decoder: &mut Decoder,
        router: &Router,
        notices: &mut NoticeLog,
    ) -> Result<()> {
        while let Some(batch) = decoder.next_batch() {
            self.progress
                .records
                .fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
            for (key, part) in router.route(&batch) {
                self.set.push(&key, part)?;
            }
        }
        let rejects = decoder.take_rejects();
        if !rejects.is_empty() {
            self.progress
                .rejected
                .fetch_add(rejects.len() as u64, Ordering::Relaxed);
            self.sink.write(&input.location, &rejects)?;
        }
        for notice in decoder.take_notices() {
            let Notice::UnknownFields { names, .. } = notice else {
                continue;
            };
            notices
                .unknown
                .entry(names.join(", "))
                .or_insert_with(|| (0, input.location.clone()))
                .0 += 1;
        }
        Ok(())
    }
}

fn input_record(
    input: &Input,
    stats: flowlog::DecodeStats,
    (end, error): (InputStatus, Option<String>),
    text_bytes: Option<(u64, i64)>,
) -> InputRecord {
    InputRecord {
        location: input.location.clone(),
        size: input.size,
        modified: input.modified,
        etag: input.etag.clone(),
        records: stats.records,
        rejected: stats.rejected,
        status: end,
        error,
        fingerprint: input.fingerprint.clone(),
        previous_size: input.resume.map(|r| r.previous_size),
        text_bytes: text_bytes.map(|(bytes, _)| bytes),
        last_line: text_bytes.map(|(_, hash)| hash),
    }
}

/// Read past the part of an input's text converted before (`resume.text_offset` bytes):
/// the last header line in it is given to the decoder (it sets the format the rest is
/// in), the other lines are only counted, so reject line numbers stay the input's. The
/// part must still end with the line converted last (its hash), else the input was
/// rewritten, not appended to (`InvalidData`); `UnexpectedEof` when it is shorter. Returns
/// the bytes read that the decoder did not count itself.
fn skip_converted(
    reader: &mut dyn Read,
    decoder: &mut Decoder,
    resume: Resume,
) -> std::io::Result<u64> {
    const LINE_MAX: usize = 1024 * 1024;
    let rewritten = |why: &str| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("rewritten since it was converted, not appended to ({why}); not converted"),
        )
    };
    let mut current: Vec<u8> = Vec::new();
    let mut last: Vec<u8> = Vec::new();
    let mut header: Option<Vec<u8>> = None;
    let mut lines = 0u64;
    let mut left = resume.text_offset;
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = match reader.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "shorter than before",
                ));
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        left -= n as u64;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let end = memchr::memchr(b'\n', rest);
            let take = end.unwrap_or(rest.len());
            if current.len() < LINE_MAX {
                current.extend_from_slice(&rest[..take.min(LINE_MAX - current.len())]);
            }
            match end {
                Some(i) => {
                    lines += 1;
                    let line = current.trim_ascii();
                    let line = if lines == 1 {
                        line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
                    } else {
                        line
                    };
                    if line
                        .first()
                        .is_some_and(|b| b.is_ascii_lowercase() || *b == b'$')
                        && Format::is_header_line(line)
                    {
                        header = Some(current.clone());
                    }
                    std::mem::swap(&mut last, &mut current);
                    current.clear();
                    rest = &rest[i + 1..];
                }
                None => rest = &[],
            }
        }
    }
    let mut extra = 0;
    if !current.is_empty() {
        // The part converted ended without a newline: that line was converted as it was.
        // If the input goes on with its newline, the line was whole; anything else means
        // the line was still being written then.
        let mut next = [0u8; 1];
        let n = loop {
            match reader.read(&mut next) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        if n == 1 && next[0] != b'\n' {
            return Err(rewritten(
                "its last line was still being written when it was converted, and was converted cut",
            ));
        }
        extra = n as u64;
        lines += 1;
        last = current;
    }
    if resume
        .last_line
        .is_some_and(|h| h != flowlog::line_hash(&last))
    {
        return Err(rewritten("the line converted last is not where it was"));
    }
    // Until a new line is decoded, the last line converted is the part's own.
    let last_line = last;
    let result = match header {
        Some(mut h) => {
            h.push(b'\n');
            decoder.decode(&h);
            decoder.skip_lines(lines - 1);
            Ok(resume.text_offset + extra - h.len() as u64)
        }
        None => {
            decoder.skip_lines(lines);
            Ok(resume.text_offset + extra)
        }
    };
    decoder.set_last_line(&last_line);
    result
}

/// Notices gathered across inputs and told once each: a bucket of transit-gateway logs
/// would otherwise report the same unknown fields once per file.
#[derive(Default)]
struct NoticeLog {
    unknown: HashMap<String, (u64, String)>,
}

impl NoticeLog {
    fn merge(&mut self, other: NoticeLog) {
        for (names, (n, first)) in other.unknown {
            self.unknown.entry(names).or_insert((0, first)).0 += n;
        }
    }

    fn finish(self) -> Vec<String> {
        let mut out: Vec<String> = self
            .unknown
            .into_iter()
            .map(|(names, (n, first))| {
                format!("unknown field(s) {names} in the header of {n} file(s) (first: {first}); their values were skipped")
            })
            .collect();
        out.sort();
        out
    }
}

/// Rejected lines, as newline-delimited JSON: source, line, field, reason, raw line.
struct RejectSink {
    path: PathBuf,
    append: bool,
    file: Mutex<Option<BufWriter<File>>>,
    count: std::sync::atomic::AtomicU64,
    samples: Mutex<Vec<RejectSample>>,
}

#[derive(Serialize)]
struct RejectLine<'a> {
    source: &'a str,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    reason: String,
    raw: &'a str,
}

impl RejectSink {
    fn new(path: PathBuf, append: bool) -> Self {
        Self {
            path,
            append,
            file: Mutex::new(None),
            count: std::sync::atomic::AtomicU64::new(0),
            samples: Mutex::new(Vec::new()),
        }
    }

    fn write(&self, source: &str, rejects: &[Reject]) -> Result<()> {
        let io = |e| ConvertError::Io {
            path: self.path.clone(),
            source: e,
        };
        let mut guard = self.file.lock().expect("lock");
        if guard.is_none() {
            if let Some(parent) = self.path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            let f = OpenOptions::new()
                .create(true)
                .append(self.append)
                .write(true)
                .truncate(!self.append)
                .open(&self.path)
                .map_err(io)?;
            *guard = Some(BufWriter::new(f));
        }
        let w = guard.as_mut().expect("opened");
        for r in rejects {
            let line = RejectLine {
                source,
                line: r.line,
                field: r.reason.field(),
                reason: r.reason.to_string(),
                raw: &r.raw,
            };
            serde_json::to_writer(&mut *w, &line).map_err(|e| io(e.into()))?;
            w.write_all(b"\n").map_err(io)?;
        }
        self.count
            .fetch_add(rejects.len() as u64, Ordering::Relaxed);
        let mut samples = self.samples.lock().expect("lock");
        for r in rejects
            .iter()
            .take(REJECT_SAMPLES.saturating_sub(samples.len()))
        {
            samples.push(RejectSample {
                location: source.to_string(),
                line: r.line,
                reason: r.reason.to_string(),
            });
        }
        Ok(())
    }

    fn finish(self) -> Result<(u64, Vec<RejectSample>)> {
        if let Some(mut w) = self.file.into_inner().expect("lock") {
            let io = |e| ConvertError::Io {
                path: self.path.clone(),
                source: e,
            };
            w.flush().map_err(io)?;
            w.into_inner()
                .map_err(|e| io(e.into_error()))?
                .sync_all()
                .map_err(io)?;
        }
        Ok((
            self.count.into_inner(),
            self.samples.into_inner().expect("lock"),
        ))
    }
}
