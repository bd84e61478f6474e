//! `flowlake gen`.

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate};
use flowlake_gen::{GenOptions, generate};

use crate::Outcome;
use crate::args::GenArgs;

pub fn run(args: &GenArgs) -> Result<Outcome> {
    let start = parse_start(&args.start)?;
    let options = GenOptions {
        records: args.records,
        seed: args.seed,
        start,
        hours: args.hours,
        attacks: !args.no_attacks,
        v2_only: args.v2_only,
        benign: args.benign,
        intensities: args.intensities,
    };
    let started = std::time::Instant::now();
    let truth = generate(&args.out, &options)
        .with_context(|| format!("generating flow logs into {}", args.out.display()))?;
    eprintln!(
        "wrote {} records in {} files to {} in {:.2} s ({} attack scenarios, listed in {})",
        truth.records,
        truth.files,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        truth.scenarios.len(),
        args.out.join("_ground-truth.json").display()
    );
    Ok(Outcome::Success)
}

fn parse_start(s: &str) -> Result<i64> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .with_context(|| format!("--start {s:?}: expected a date (2026-03-01) or an RFC 3339 time"))
}
