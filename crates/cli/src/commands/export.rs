//! `flowlake export ocsf`.

use std::time::Instant;

use anyhow::{Context, Result};
use flowlake_soc::export::{ExportOptions, export};

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
    let engine = Engine::open(&lake, Destination::resolve(None, None, false)?)?;
    let options = ExportOptions {
        out: a.out.clone(),
        source: a.source.clone(),
        version: a.ocsf_version.clone(),
        since: window.since,
        until: window.until,
    };
    let summary = engine
        .rt
        .block_on(export(&engine.ctx, &options))
        .with_context(|| format!("exporting {} as OCSF to {}", a.lake, a.out.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(Outcome::Success);
    }
    if summary.recovered > 0 {
        eprintln!("finished {} interrupted export(s) first", summary.recovered);
    }
    match summary.version {
        None => eprintln!(
            "nothing to export: the lake has no records{}",
            if window.is_unbounded() {
                String::new()
            } else {
                format!(" {}", window.describe())
            }
        ),
        Some(v) => eprintln!(
            "exported {} records as OCSF {} Network Activity: {} file(s) in {} partition(s) of {} (table version {v}, {} earlier file(s) replaced) in {:.1} s",
            summary.records,
            a.ocsf_version,
            summary.files,
            summary.partitions,
            summary.table.display(),
            summary.replaced,
            started.elapsed().as_secs_f64()
        ),
    }
    Ok(Outcome::Success)
}
