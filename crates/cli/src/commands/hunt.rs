//! `flowlake hunt`: the saved hunts.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use flowlake_query::hunt::Kind;
use flowlake_query::{Library, athena};

use crate::Outcome;
use crate::args::{Dialect, HuntCommand, HuntExportArgs, HuntRunArgs};
use crate::engine::{Engine, hunt_row, parse_param, terminal_width};
use crate::results::{Destination, Sink, TableStyle, write_table};

pub fn run(cmd: HuntCommand) -> Result<Outcome> {
    match cmd {
        HuntCommand::List(a) => {
            let lib = Library::load(&a.queries)?;
            let rows: Vec<Vec<String>> = lib.iter().map(hunt_row).collect();
            let headers = ["name", "severity", "ATT&CK", "description"].map(String::from);
            write_table(
                &mut std::io::stdout().lock(),
                &headers,
                &rows,
                terminal_width(),
            )?;
            Ok(Outcome::Success)
        }
        HuntCommand::Show(a) => {
            let lib = Library::load(&a.queries)?;
            let hunt = lib.get(&a.name)?;
            if a.sql {
                let params = a
                    .params
                    .iter()
                    .map(|p| parse_param(p))
                    .collect::<Result<Vec<_>>>()?;
                println!("{};", hunt.render(&params)?);
            } else {
                print!("{}", show(hunt));
            }
            Ok(Outcome::Success)
        }
        HuntCommand::Run(a) => run_hunts(&a),
        HuntCommand::Export(a) => export(&a),
    }
}

/// Everything about a hunt, for `hunt show`.
fn show(h: &flowlake_query::Hunt) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", h.name, h.title);
    let _ = writeln!(
        s,
        "severity: {}{}",
        h.severity,
        if h.kind == Kind::Report {
            " (a report: it always returns rows)"
        } else {
            ""
        }
    );
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(s, "MITRE ATT&CK: {}", list(&h.mitre));
    if !h.guardduty.is_empty() {
        let _ = writeln!(s, "GuardDuty: {}", list(&h.guardduty));
    }
    if let Some(a) = &h.athena {
        let _ = writeln!(s, "Athena named query: {a}");
    }
    let _ = writeln!(
        s,
        "needs: flow-log version {} fields {}",
        h.min_version,
        h.fields.join(", ")
    );
    if let Some(cats) = &h.ioc {
        let _ = writeln!(
            s,
            "threat list (--ioc): categories {}",
            if cats.is_empty() {
                "any".to_string()
            } else {
                cats.join(", ")
            }
        );
    }
    let _ = writeln!(s, "source: {}\n", h.origin);
    let _ = writeln!(s, "{}\n", h.description.trim());
    let _ = writeln!(s, "Triage: {}\n", h.triage.trim());
    if !h.params.is_empty() {
        let rows: Vec<Vec<String>> = h
            .params
            .iter()
            .map(|(k, p)| {
                vec![
                    k.clone(),
                    p.ty.name().to_string(),
                    p.default_text().unwrap_or_else(|| "(required)".into()),
                    p.description.clone(),
                ]
            })
            .collect();
        let mut out = Vec::new();
        let _ = write_table(
            &mut out,
            &["parameter", "type", "default", "description"].map(String::from),
            &rows,
            None,
        );
        s.push_str(&String::from_utf8_lossy(&out));
        let _ = writeln!(s, "Set with --param NAME=VALUE.\n");
    }
    let _ = writeln!(s, "{};", h.sql);
    s
}

fn run_hunts(a: &HuntRunArgs) -> Result<Outcome> {
    let params = a
        .params
        .iter()
        .map(|p| parse_param(p))
        .collect::<Result<Vec<_>>>()?;
    let dest = Destination::resolve(
        a.output.output.clone(),
        a.output.format,
        std::io::stdout().is_terminal(),
    )?;
    let engine = Engine::open(&a.lake, dest)?;
    if let Some(name) = &a.name {
        engine.run_hunt(name, &params)?;
        return Ok(Outcome::Success);
    }
    run_all(&engine, &params, a.details)
}

/// Hours between the lake's first `start` and last `end` (0 when it cannot be told).
fn lake_hours(engine: &Engine) -> f64 {
    use datafusion::arrow::array::Array;
    let sql = "SELECT CAST(max(\"end\") - min(\"start\") AS DOUBLE) / 3600.0 FROM vpc_flow_logs";
    engine
        .rt
        .block_on(async {
            let df = engine.ctx.sql(sql).await?;
            anyhow::Ok(df.collect().await?)
        })
        .ok()
        .and_then(|batches| {
            let b = batches.first()?;
            let col = b
                .column(0)
                .as_any()
                .downcast_ref::<datafusion::arrow::array::Float64Array>()?;
            (b.num_rows() > 0 && col.is_valid(0)).then(|| col.value(0))
        })
        .unwrap_or(0.0)
}

/// Every hunt that can run without a parameter; a summary, then details on request.
fn run_all(engine: &Engine, params: &[(String, String)], details: bool) -> Result<Outcome> {
    let mut hunts: Vec<&flowlake_query::Hunt> = engine.library.iter().collect();
    hunts.sort_by(|x, y| {
        (y.kind == Kind::Detection, y.severity)
            .cmp(&(x.kind == Kind::Detection, x.severity))
            .then(x.name.cmp(&y.name))
    });
    // With --all a parameter applies to the hunts that have it; one that none has is a typo.
    for (k, _) in params {
        if !hunts.iter().any(|h| h.param(k).is_some()) {
            bail!("no hunt has a parameter named {k:?} (`flowlake hunt show NAME` lists a hunt's)");
        }
    }
    let mut summary = Vec::new();
    let mut found = Vec::new();
    let mut failed = 0;
    let mut span: Option<f64> = None;
    let mut detections_not_run = 0usize;
    let total = Instant::now();
    for h in hunts {
        let given: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| h.param(k).is_some())
            .cloned()
            .collect();
        let severity = if h.kind == Kind::Report {
            "report".to_string()
        } else {
            h.severity.to_string()
        };
        let missing: Vec<&str> = h
            .required_params()
            .into_iter()
            .filter(|p| {
                !given
                    .iter()
                    .any(|(k, _)| h.param(k).is_some_and(|(n, _)| n == p))
            })
            .collect();
        // Why the hunt cannot look, if it cannot: its row says so instead of a count.
        let why_not = if missing.is_empty() {
            None
        } else {
            Some(format!(
                "skipped: needs --param {}=...",
                missing.join("=... --param ")
            ))
        }
        .or_else(|| {
            // A hunt that compares the last `recent_hours` with the time before needs more
            // data than that: on less it cannot find anything.
            let (_, p) = h.param("recent_hours")?;
            let recent: f64 = given
                .iter()
                .find(|(k, _)| k.replace('-', "_") == "recent_hours")
                .map(|(_, v)| v.clone())
                .or_else(|| p.default_text())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            let span = *span.get_or_insert_with(|| lake_hours(engine));
            (span <= recent).then(|| {
                format!(
                    "inconclusive: compares the last {recent} hours with the time before, and the lake holds {span:.1} hours; lower --param recent_hours or add history"
                )
            })
        })
        .or_else(|| {
            // A hunt that joins the threat list finds nothing without one.
            (h.ioc.is_some() && engine.indicators() == 0)
                .then(|| "skipped: needs a threat list, --ioc FILE".to_string())
        });
        if let Some(why) = why_not {
            if h.kind == Kind::Detection {
                detections_not_run += 1;
            }
            summary.push(vec![h.name.clone(), severity, "-".into(), "-".into(), why]);
            continue;
        }
        let started = Instant::now();
        let result = h
            .render(&given)
            .map_err(anyhow::Error::from)
            .and_then(|sql| {
                engine.rt.block_on(async {
                    let df = engine.ctx.sql(&sql).await?;
                    anyhow::Ok(df.collect().await?)
                })
            });
        let secs = format!("{:.3}", started.elapsed().as_secs_f64());
        match result {
            Ok(batches) => {
                let rows: usize = batches
                    .iter()
                    .map(datafusion::arrow::array::RecordBatch::num_rows)
                    .sum();
                let status = match (h.kind, rows) {
                    (Kind::Detection, 0) => "quiet",
                    (Kind::Detection, _) => "FOUND",
                    (Kind::Report, _) => "ok",
                };
                summary.push(vec![
                    h.name.clone(),
                    severity,
                    rows.to_string(),
                    secs,
                    status.into(),
                ]);
                if rows > 0 && h.kind == Kind::Detection {
                    found.push((h, batches));
                }
            }
            Err(e) => {
                failed += 1;
                summary.push(vec![
                    h.name.clone(),
                    severity,
                    "-".into(),
                    secs,
                    format!("error: {e:#}"),
                ]);
            }
        }
    }
    let headers = ["hunt", "severity", "rows", "seconds", "status"].map(String::from);
    let mut out = std::io::stdout().lock();
    write_table(&mut out, &headers, &summary, terminal_width())?;
    writeln!(
        out,
        "{} hunts in {:.2} s: {} found something{}",
        summary.len(),
        total.elapsed().as_secs_f64(),
        found.len(),
        if details || found.is_empty() {
            String::new()
        } else {
            "; --details prints their rows".into()
        }
    )?;
    if details {
        for (h, batches) in &found {
            writeln!(out, "\n== {}: {} ({})", h.name, h.title, h.severity)?;
            let Some(first) = batches.first() else {
                continue;
            };
            let mut sink = Sink::new(
                crate::results::Format::Table,
                &first.schema(),
                Box::new(std::io::stdout()),
                None,
                TableStyle {
                    width: terminal_width(),
                    max_rows: None,
                    expanded: false,
                },
            )?;
            for b in batches {
                sink.write(b)?;
            }
            sink.finish()?;
        }
    }
    if failed > 0 {
        bail!("{failed} hunt(s) failed; see the summary");
    }
    if detections_not_run > 0 {
        eprintln!(
            "note: {detections_not_run} detection(s) could not look (skipped or inconclusive, see their status): this is not an all-clear"
        );
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Success)
}

fn export(a: &HuntExportArgs) -> Result<Outcome> {
    let Dialect::Athena = a.dialect;
    let lib = Library::load(&a.queries)?;
    let hunts: Vec<&flowlake_query::Hunt> = if a.names.is_empty() {
        lib.iter().collect()
    } else {
        a.names
            .iter()
            .map(|n| lib.get(n))
            .collect::<Result<_, _>>()?
    };
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    }
    let mut stdout = std::io::stdout().lock();
    for h in &hunts {
        let sql = h.render_with_placeholder(&[], "?")?;
        let text = athena::export_hunt(h, &sql);
        match &a.out {
            Some(dir) => {
                let path = dir.join(format!("{}.sql", h.name));
                std::fs::write(&path, text).with_context(|| path.display().to_string())?;
            }
            None => writeln!(stdout, "{text}")?,
        }
    }
    if let Some(dir) = &a.out {
        eprintln!("wrote {} hunts to {}", hunts.len(), dir.display());
    }
    Ok(Outcome::Success)
}
