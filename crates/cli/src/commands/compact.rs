//! `flowlake compact`.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytesize::ByteSize;
use flowlake_convert::{CompactOptions, CompactSummary, Location, WriteOptions, compact};

use crate::Outcome;
use crate::args::CompactArgs;

pub fn run(args: &CompactArgs) -> Result<Outcome> {
    if !args.grace.is_finite() || args.grace < 0.0 {
        bail!("--grace must be a number of seconds, 0 or more");
    }
    let lake = Location::parse(&args.lake).context("--lake")?;
    let options = CompactOptions {
        s3: args.s3.options(),
        write: WriteOptions {
            target_file_size: args.target_file_size.0,
            ..WriteOptions::default()
        },
        dry_run: args.dry_run,
        adopt: args.adopt,
        grace: Duration::from_secs_f64(args.grace),
        spool: args.spool_dir.clone(),
        ..CompactOptions::new(lake)
    };
    let summary = compact(&options).with_context(|| format!("compacting {}", options.lake))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(Outcome::Success)
}

fn print_summary(s: &CompactSummary) {
    for notice in &s.notices {
        eprintln!("note: {notice}");
    }
    for skipped in &s.skipped {
        eprintln!("note: {skipped}");
    }
    if s.recovered_commits > 0 || s.retired > 0 || s.discarded_staging > 0 {
        eprintln!(
            "recovered an interrupted run: {} commit(s) finished, {} replaced file set(s) deleted, {} unfinished rewrite(s) discarded",
            s.recovered_commits, s.retired, s.discarded_staging
        );
    }
    if s.partitions.is_empty() {
        eprintln!(
            "nothing to compact in {}: no partition has two or more small files",
            s.lake
        );
        return;
    }
    if s.dry_run {
        for p in &s.partitions {
            println!(
                "{}: {} files, {}",
                p.partition,
                p.files.len(),
                ByteSize(p.bytes).display().iec()
            );
        }
        eprintln!(
            "would rewrite {} files ({}) in {} partition(s) of {}; nothing changed (--dry-run)",
            s.files_before,
            ByteSize(s.bytes_before).display().iec(),
            s.partitions.len(),
            s.lake
        );
        return;
    }
    eprintln!(
        "compacted {} partition(s) of {}: {} files ({}) -> {} files ({}), {} rows, {} commit(s), {:.2} s",
        s.partitions.len(),
        s.lake,
        s.files_before,
        ByteSize(s.bytes_before).display().iec(),
        s.files_after,
        ByteSize(s.bytes_after).display().iec(),
        s.rows,
        s.commits,
        s.elapsed_seconds
    );
}
