//! `flowlake report`: the self-contained HTML report.

use std::time::Instant;

use anyhow::{Context, Result};
use flowlake_query::hunt::Kind;
use flowlake_soc::report::{HuntOutcome, Table, gather, render, rows_of};

use crate::Outcome;
use crate::args::ReportArgs;
use crate::commands::hunt::{check_writable, evaluate, write_atomically};
use crate::engine::Engine;
use crate::results::Destination;

pub fn run(a: &ReportArgs) -> Result<Outcome> {
    let started = Instant::now();
    check_writable(&a.out, "--out")?;
    let engine = Engine::open(&a.lake, Destination::resolve(None, None, false)?)?;
    let mut data = engine
        .rt
        .block_on(gather(&engine.ctx, usize::from(a.top)))
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
    data.lake_args = lake_args(&a.lake);
    let html = render(&data)?;
    write_atomically(&a.out, html.as_bytes())?;
    let count = |status: &str| data.hunts.iter().filter(|h| h.status == status).count();
    let found = count("found");
    let not_looked = count("skipped") + count("inconclusive");
    eprintln!(
        "wrote {} ({} KiB) in {:.1} s: {} detection(s) found something, {} could not look",
        a.out.display(),
        html.len().div_ceil(1024),
        started.elapsed().as_secs_f64(),
        found,
        not_looked
    );
    if count("error") > 0 {
        anyhow::bail!(
            "{} detection(s) failed (status `error` in the report)",
            count("error")
        );
    }
    if not_looked > 0 {
        eprintln!(
            "note: {not_looked} detection(s) could not look (skipped or inconclusive, see the report): this is not an all-clear"
        );
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Success)
}

/// `--lake L` and the window and lists of the run, shell-quoted, for commands shown in the
/// page.
fn lake_args(l: &crate::args::LakeArgs) -> String {
    l.command_arguments()
        .iter()
        .map(|w| flowlake_soc::findings::shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}
