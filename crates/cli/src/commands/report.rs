//! `flowlake report`: the self-contained HTML report.

use std::time::Instant;

use anyhow::{Context, Result};
use flowlake_query::hunt::Kind;
use flowlake_soc::report::{HuntOutcome, Table, gather, render, rows_of};

use crate::Outcome;
use crate::args::ReportArgs;
use crate::commands::hunt::{evaluate, write_atomically};
use crate::engine::Engine;
use crate::results::Destination;

pub fn run(a: &ReportArgs) -> Result<Outcome> {
    let started = Instant::now();
    let engine = Engine::open(&a.lake, Destination::resolve(None, None, false)?)?;
    let mut data = engine
        .rt
        .block_on(gather(&engine.ctx, a.top.max(1)))
        .context("computing the report")?;
    data.lake.clone_from(&a.lake.lake);
    data.window = if engine.window.is_unbounded() {
        "the whole lake".to_string()
    } else {
        engine.window.describe()
    };
    data.generated = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    // Every detection, most severe first, as `hunt run --all` runs them.
    let mut hunts: Vec<&flowlake_query::Hunt> = engine
        .library
        .iter()
        .filter(|h| h.kind == Kind::Detection)
        .collect();
    hunts.sort_by(|x, y| y.severity.cmp(&x.severity).then(x.name.cmp(&y.name)));
    for e in evaluate(&engine, hunts, &[])? {
        let table = if e.status == "found" {
            let columns = e
                .batches
                .first()
                .map(|b| {
                    b.schema()
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect()
                })
                .unwrap_or_default();
            Some(Table {
                name: format!("finding-{}", e.hunt.name),
                columns,
                rows: rows_of(&e.batches)?,
            })
        } else {
            None
        };
        data.hunts.push(HuntOutcome {
            name: e.hunt.name.clone(),
            title: e.hunt.title.clone(),
            severity: e.hunt.severity.to_string(),
            status: e.status.to_string(),
            reason: e.reason.clone(),
            rows: e.rows,
            table,
        });
    }
    let html = render(&data)?;
    write_atomically(&a.out, html.as_bytes())?;
    let found = data.hunts.iter().filter(|h| h.status == "found").count();
    eprintln!(
        "wrote {} ({} KiB): {} detection(s) found something, in {:.1} s",
        a.out.display(),
        html.len().div_ceil(1024),
        found,
        started.elapsed().as_secs_f64()
    );
    Ok(Outcome::Success)
}
