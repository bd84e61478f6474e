//! `flowlake export ocsf`.

use std::time::Instant;

use std::path::Path;

use anyhow::{Context, Result, bail};
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
        raw: None,
        since: None,
        until: None,
        ioc: None,
        queries: Vec::new(),
        eni_metadata: Vec::new(),
        s3: S3Args {
            region: a.s3.region.clone(),
            endpoint_url: a.s3.endpoint_url.clone(),
            profile: a.s3.profile.clone(),
        },
    };
    check_ocsf_out(&a.out, Some(&a.lake))?;
    let summary = export_lake(
        &lake,
        ExportOptions {
            out: a.out.clone(),
            source: a.source.clone(),
            version: a.ocsf_version.clone(),
            since: window.since,
            until: window.until,
            sources: None,
            force: a.force,
            lake: String::new(),
        },
    )?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(Outcome::Success);
    }
    print_summary(&summary, &a.ocsf_version, &window, started);
    Ok(Outcome::Success)
}

/// An OCSF output must be a folder of its own: not a file, not a converted lake (whose
/// readers would then find the OCSF source instead of its flow logs), not the lake read.
pub fn check_ocsf_out(out: &Path, lake: Option<&str>) -> Result<()> {
    if out.exists() && !out.is_dir() {
        bail!(
            "--out {}: a file; the OCSF output is a folder",
            out.display()
        );
    }
    if out.join("AWSLogs").exists() || out.join("_delta_log").exists() {
        bail!(
            "--out {}: a converted lake (AWSLogs/, _delta_log/); write the OCSF output to a folder of its own",
            out.display()
        );
    }
    // Absolute, links resolved as far as the path exists (the output may not yet).
    let resolve = |p: &Path| -> Option<std::path::PathBuf> {
        let abs = std::path::absolute(p).ok()?;
        let mut existing = abs.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            rest.push(existing.file_name()?.to_os_string());
            existing = existing.parent()?;
        }
        let mut r = std::fs::canonicalize(existing).ok()?;
        for part in rest.iter().rev() {
            r.push(part);
        }
        Some(r)
    };
    if let Some(lake) = lake
        && let (Some(a), Some(b)) = (resolve(Path::new(lake)), resolve(out))
        && (a.starts_with(&b) || b.starts_with(&a))
    {
        bail!(
            "--out {} and --lake {lake} overlap; write the OCSF output to a folder of its own",
            out.display()
        );
    }
    Ok(())
}

/// Export the lake of `lake` (its whole time span registered) with `options`. The lake's
/// files per day are read from its table log, so days unchanged since their last export
/// are skipped (unless `options.force`).
pub fn export_lake(lake: &LakeArgs, mut options: ExportOptions) -> Result<ExportSummary> {
    let engine = Engine::open(lake, Destination::resolve(None, None, false)?)?;
    let location = flowlake_query::Location::parse(&lake.lake).context("--lake")?;
    options.lake = match &location {
        flowlake_query::Location::Local(p) => std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string(),
        s3 @ flowlake_query::Location::S3 { .. } => s3.to_string(),
    };
    if !is_ocsf(&lake.lake) {
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

/// Whether `lake` is an OCSF output (an export re-exported): its rows come from the OCSF
/// source, with no table log of flow-log files to compare days by.
fn is_ocsf(lake: &str) -> bool {
    let p = Path::new(lake);
    let own_log = p.join("_delta_log").exists();
    (!own_log && p.join("ext").is_dir())
        || (own_log
            && p.parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == "ext"))
}
