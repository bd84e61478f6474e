//! `flowlake export ocsf`.

use std::time::Instant;

use anyhow::{Context, Result};
use flowlake_soc::export::{ExportOptions, ExportSummary, export, source_files};

use crate::Outcome;
use crate::args::{ExportCommand, ExportOcsfArgs, LakeArgs, S3Args};
use crate::engine::Engine;
use crate::results::Destination;

pub fn run(cmd: &ExportCommand) -> Result<Outcome> {
    match cmd {
        ExportCommand::Ocsf(a) => ocsf(a),
    }
}

fn ocsf(a: &ExportOcsfArgs) -> Result<Outcome> {
    let started = Instant::now();
    let window = flowlake_query::TimeWindow::parse(
        a.since.as_deref(),
        a.until.as_deref(),
        chrono::Utc::now(),
    )?;
    // The whole lake is registered; the export widens the window to whole days itself.
    let lake = LakeArgs {
        lake: a.lake.clone(),
        since: None,
        until: None,
        ioc: None,
        queries: Vec::new(),
        s3: S3Args {
            region: a.s3.region.clone(),
            endpoint_url: a.s3.endpoint_url.clone(),
            profile: a.s3.profile.clone(),
        },
    };
    let summary = export_lake(
        &lake,
        ExportOptions {
            out: a.out.clone(),
            source: a.source.clone(),
            version: a.ocsf_version.clone(),
            since: window.since,
            until: window.until,
            sources: None,
        },
        !a.force,
    )?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(Outcome::Success);
    }
    print_summary(&summary, &a.ocsf_version, &window, started);
    Ok(Outcome::Success)
}

/// Export the lake of `lake` (its whole time span registered) with `options`; with
/// `incremental`, days whose lake files are unchanged since their last export are skipped.
pub fn export_lake(
    lake: &LakeArgs,
    mut options: ExportOptions,
    incremental: bool,
) -> Result<ExportSummary> {
    let engine = Engine::open(lake, Destination::resolve(None, None, false)?)?;
    if incremental {
        let location = flowlake_query::Location::parse(&lake.lake).context("--lake")?;
        options.sources = engine
            .rt
            .block_on(source_files(&location, &lake.s3.options()))
            .context("reading the lake's table log")?;
    }
    engine
        .rt
        .block_on(export(&engine.ctx, &options))
        .with_context(|| {
            format!(
                "exporting {} as OCSF to {}",
                lake.lake,
                options.out.display()
            )
        })
}

pub fn print_summary(
    summary: &ExportSummary,
    version: &str,
    window: &flowlake_query::TimeWindow,
    started: Instant,
) {
    if summary.recovered > 0 {
        eprintln!("finished {} interrupted export(s) first", summary.recovered);
    }
    match summary.version {
        None if summary.unchanged > 0 => eprintln!(
            "OCSF up to date: the lake's files of all {} day partition(s) are the ones they were exported from (--force exports them again)",
            summary.unchanged
        ),
        None => eprintln!(
            "nothing to export: the lake has no records{}",
            if window.is_unbounded() {
                String::new()
            } else {
                format!(" {}", window.describe())
            }
        ),
        Some(v) => eprintln!(
            "exported {} records as OCSF {version} Network Activity: {} file(s) in {} partition(s) of {} (table version {v}, {} earlier file(s) replaced, {} partition(s) unchanged) in {:.1} s",
            summary.records,
            summary.files,
            summary.partitions,
            summary.table.display(),
            summary.replaced,
            summary.unchanged,
            started.elapsed().as_secs_f64()
        ),
    }
}
