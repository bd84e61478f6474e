//! The query session behind `flowlake sql` and `flowlake hunt`: a DataFusion context over
//! the lake, the hunt library, the output settings, and the runner of statements and
//! meta-commands shared by one-shot queries, scripts and the interactive shell.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use datafusion::arrow::array::RecordBatch;
use datafusion::common::tree_node::TreeNode;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
use flowlake_query::hunt::Kind;
use flowlake_query::{Library, TimeWindow};
use futures::StreamExt;
use tokio::sync::Notify;

use crate::args::LakeArgs;
use crate::results::{Destination, Format, Paged, PipeWatch, Sink, TableStyle};

/// Rows a table shows on a terminal; the rest are counted.
const TERMINAL_ROWS: usize = 200;

pub struct Engine {
    pub rt: tokio::runtime::Runtime,
    pub ctx: SessionContext,
    pub library: Library,
    pub window: TimeWindow,
    pub lake: flowlake_query::Location,
    /// Where results go (`--output`, `\o`) and in which format.
    pub dest: Destination,
    pub expanded: bool,
    pub timing: bool,
    /// Tables show `start`, `end` and the like as UTC times (`\timefmt`).
    pub times: bool,
    /// Tables taller than the terminal go through a pager (`\pset pager`).
    pub pager: bool,
    /// Entries of the `--ioc` list (the table `ioc`).
    indicators: usize,
    /// What the table reads, for people: `lake lake/`, or `raw logs s3://... (decoded for
    /// this run)` (whose temporary lake is no place to name).
    pub source: String,
    /// Names of the addresses, interfaces and instances `--eni-metadata` knows.
    pub hosts: std::collections::BTreeMap<String, String>,
    /// The decoded logs of `--raw`, deleted when the session ends.
    _raw: Option<tempfile::TempDir>,
    /// Ctrl-C cancels the running statement instead of ending the process (the shell):
    /// set by [`Engine::catch_interrupts`].
    interrupt: Option<Arc<Notify>>,
    /// Set when standard output's reader has gone away.
    pipe_closed: Arc<AtomicBool>,
}

/// How a statement or meta-command ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Continue,
    Quit,
}

impl Engine {
    pub fn open(lake: &LakeArgs, dest: Destination) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the query runtime")?;
        let window = TimeWindow::parse(
            lake.since.as_deref(),
            lake.until.as_deref(),
            chrono::Utc::now(),
        )?;
        let ctx = flowlake_query::session()?;
        let (location, raw) = match &lake.raw {
            Some(source) => {
                let dir = decode_raw(source, lake, &window)?;
                let location = flowlake_query::Location::Local(dir.path().join("lake"));
                (location, Some(dir))
            }
            None => (
                flowlake_query::Location::parse(&lake.lake).context("--lake")?,
                None,
            ),
        };
        let info = match rt.block_on(flowlake_query::register_lake_with(
            &ctx,
            &location,
            &lake.s3.options(),
            &window,
        )) {
            Err(flowlake_query::QueryError::NoSuchLake(_)) => bail!(missing_lake(&lake.lake)),
            other => other?,
        };
        if let Some(warning) = flowlake_query::window_warning(&window, info.span) {
            eprintln!("warning: {warning}");
        }
        let indicators = flowlake_query::ioc::register(&ctx, lake.ioc.as_deref())?;
        flowlake_query::inventory::register(&ctx, &lake.eni_metadata)?;
        let hosts = rt.block_on(flowlake_query::inventory::hosts(&ctx))?;
        let library = Library::load(&lake.queries)?;
        if let Some(path) = &dest.file
            && dest.format != Format::Parquet
        {
            // Every result of the run goes into the file, one after the other.
            std::fs::File::create(path).with_context(|| path.display().to_string())?;
        }
        let source = match &lake.raw {
            Some(raw) => format!("raw logs {raw} (decoded for this run)"),
            None => format!("lake {location}"),
        };
        Ok(Self {
            rt,
            ctx,
            library,
            window,
            lake: location,
            dest,
            expanded: false,
            timing: false,
            times: true,
            pager: true,
            indicators,
            source,
            hosts,
            _raw: raw,
            interrupt: None,
            pipe_closed: Arc::new(AtomicBool::new(false)),
        })
    }

    fn style(&self, to_terminal: bool) -> TableStyle {
        if to_terminal {
            TableStyle {
                width: terminal_width(),
                max_rows: Some(TERMINAL_ROWS),
                expanded: self.expanded,
                times: self.times,
            }
        } else {
            TableStyle {
                expanded: self.expanded,
                times: self.times,
                ..TableStyle::unlimited()
            }
        }
    }

    /// A query's error as its writer reads it: DataFusion's errors (whose sources repeat
    /// their message) once, worded by [`flowlake_query::describe_error`]; other errors
    /// keep their chain.
    fn readable(&self, e: anyhow::Error, sql: &str, from: usize) -> anyhow::Error {
        match e.downcast_ref::<datafusion::error::DataFusionError>() {
            Some(df) => anyhow!(flowlake_query::describe_error_at(df, sql, from, &self.ctx)),
            None => e,
        }
    }

    /// Run every statement in `sql`, printing each result; returns the rows of the last.
    pub fn run_sql(&self, sql: &str) -> Result<u64> {
        self.run_sql_keeping(sql, None)
    }

    /// [`Engine::run_sql`], also keeping the batches of the last statement in `keep`.
    pub fn run_sql_keeping(&self, sql: &str, keep: Option<&mut Vec<RecordBatch>>) -> Result<u64> {
        self.run_sql_with(sql, keep, false)
    }

    /// [`Engine::run_sql_keeping`]; with `hosts`, each result gets the column `hosts`
    /// naming the addresses and ids the inventory knows
    /// ([`flowlake_query::inventory::with_hosts`]).
    fn run_sql_with(
        &self,
        sql: &str,
        mut keep: Option<&mut Vec<RecordBatch>>,
        hosts: bool,
    ) -> Result<u64> {
        let statements = DFParser::parse_sql(sql)
            .map_err(|e| anyhow!(flowlake_query::describe_error(&e, sql, &self.ctx)))?;
        let mut rows = 0;
        // Where the statement being run starts, as far as messages need it: after the end
        // of the one before (names of earlier statements are not pointed at).
        let mut from = 0;
        for statement in statements {
            let started = Instant::now();
            let this_from = from;
            if let Some(end) = statement_end(sql, &statement) {
                from = end;
            }
            let df = self
                .block_on_cancellable(async {
                    let plan = self.ctx.state().statement_to_plan(statement).await?;
                    anyhow::Ok(self.ctx.execute_logical_plan(plan).await?)
                })
                .map_err(|e| self.readable(e, sql, this_from))?;
            if df.schema().fields().is_empty() {
                // DDL and `SET` have no result to print. A query with no column (`FROM t`
                // alone, which DataFusion accepts) is a mistake: an empty table, CSV or
                // JSON would pass for an answer.
                let reads_a_table = df
                    .logical_plan()
                    .exists(|node| {
                        Ok(matches!(
                            node,
                            datafusion::logical_expr::LogicalPlan::TableScan(_)
                        ))
                    })
                    .unwrap_or(false);
                if reads_a_table {
                    return Err(anyhow!(
                        "the statement selects no column: write SELECT ... FROM (or SELECT * FROM)"
                    ));
                }
                rows = 0;
                continue;
            }
            let mut schema = df.schema().inner().clone();
            if hosts {
                schema = flowlake_query::inventory::with_hosts(
                    &RecordBatch::new_empty(schema),
                    &self.hosts,
                )?
                .schema();
            }
            let (out, to_terminal) = self.open_output()?;
            let mut sink = Sink::new(
                self.dest.format,
                &schema,
                out,
                self.dest.file.as_deref(),
                self.style(to_terminal),
            )?;
            // The query runs on the runtime's workers, so this thread stays free to notice
            // Ctrl-C even while an operator computes for a long time without yielding.
            let (tx, mut rx) = tokio::sync::mpsc::channel(2);
            // Set when the stream ended by itself: a task that panicked closes the channel
            // too, and its rows so far must not pass for the whole answer.
            let complete = Arc::new(AtomicBool::new(false));
            let completed = Arc::clone(&complete);
            let task = self.rt.spawn(async move {
                let mut stream = match df.execute_stream().await {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                };
                while let Some(batch) = stream.next().await {
                    if tx.send(batch).await.is_err() {
                        return;
                    }
                }
                completed.store(true, Ordering::SeqCst);
            });
            rows = 0;
            if let Some(k) = keep.as_mut() {
                k.clear();
            }
            let written = self.block_on_cancellable(async {
                while let Some(batch) = rx.recv().await {
                    let mut batch = batch?;
                    if hosts {
                        batch = flowlake_query::inventory::with_hosts(&batch, &self.hosts)?;
                    }
                    rows += batch.num_rows() as u64;
                    sink.write(&batch)?;
                    if let Some(k) = keep.as_mut() {
                        k.push(batch);
                    }
                }
                if !complete.load(Ordering::SeqCst) {
                    bail!(
                        "the query stopped before its end (an internal error; the message above \
                         says where): its rows so far are not the answer"
                    );
                }
                anyhow::Ok(())
            });
            task.abort();
            let finished = match written {
                Ok(()) => sink.finish(),
                Err(e) => {
                    sink.abandon();
                    Err(e)
                }
            };
            let note = match finished {
                Ok(note) => note,
                // `| head` has read enough: stop quietly (main exits 0 on a broken pipe).
                Err(_) if self.pipe_closed.load(Ordering::Relaxed) => {
                    return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into());
                }
                Err(e) => return Err(self.readable(e, sql, this_from)),
            };
            let elapsed = started.elapsed().as_secs_f64();
            match (note, self.timing) {
                (Some(note), true) => eprintln!("{note} in {elapsed:.3} s"),
                (Some(note), false) if to_terminal => eprintln!("{note}"),
                (None, true) => eprintln!("Time: {elapsed:.3} s"),
                _ => {}
            }
        }
        Ok(rows)
    }

    /// `batches` with the column `hosts` when `--eni-metadata` named any (else as they are).
    pub fn annotate(&self, batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
        if self.hosts.is_empty() {
            return Ok(batches);
        }
        batches
            .iter()
            .map(|b| Ok(flowlake_query::inventory::with_hosts(b, &self.hosts)?))
            .collect()
    }

    /// Run `sql` and collect its result batches.
    pub fn collect(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.rt.block_on(async {
            let df = self.ctx.sql(sql).await?;
            anyhow::Ok(df.collect().await?)
        })
    }

    /// Block on `fut`; in the shell, Ctrl-C drops it (cancelling the query) and returns an
    /// error instead of ending the process.
    pub fn block_on_cancellable<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let Some(interrupt) = &self.interrupt else {
            return self.rt.block_on(fut);
        };
        self.rt.block_on(async {
            tokio::select! {
                r = fut => r,
                () = interrupt.notified() => Err(anyhow!("cancelled")),
            }
        })
    }

    /// From now on, Ctrl-C cancels the running statement instead of ending the process.
    ///
    /// The signal is watched by a thread of its own: the query runtime's workers may all
    /// be busy computing, and a signal they would have to poll would go unnoticed.
    pub fn catch_interrupts(&mut self) -> Result<()> {
        INTERACTIVE.store(true, Ordering::SeqCst);
        let notify = Arc::new(Notify::new());
        let waker = notify.clone();
        let watcher = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot watch for Ctrl-C")?;
        // The handler is installed here, before the shell reads its first line: the line
        // editor swaps in its own SIGINT handler while it reads and puts back the one it
        // found, so a handler installed later (during a read) would be lost.
        let mut interrupts = {
            let _runtime = watcher.enter();
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .context("cannot watch for Ctrl-C")?
        };
        std::thread::Builder::new()
            .name("ctrl-c".into())
            .spawn(move || {
                watcher.block_on(async {
                    while interrupts.recv().await.is_some() {
                        waker.notify_waiters();
                    }
                });
            })
            .context("cannot watch for Ctrl-C")?;
        self.interrupt = Some(notify);
        Ok(())
    }

    /// The writer for one result: the `--output` / `\o` file, or standard output.
    fn open_output(&self) -> Result<(Box<dyn Write>, bool)> {
        match &self.dest.file {
            // Parquet writes the file itself (each result replaces it).
            Some(_) if self.dest.format == Format::Parquet => {
                Ok((Box::new(std::io::sink()), false))
            }
            // Text results are appended: the file was emptied when it was chosen.
            Some(path) => {
                let f = OpenOptions::new()
                    .append(true)
                    .open(path)
                    .with_context(|| path.display().to_string())?;
                Ok((Box::new(std::io::BufWriter::new(f)), false))
            }
            None => {
                let terminal = std::io::stdout().is_terminal();
                if terminal && self.pager && self.dest.format == Format::Table {
                    let height = terminal_size::terminal_size().map_or(24, |(_, h)| h.0);
                    return Ok((Box::new(Paged::new(usize::from(height))), terminal));
                }
                let out = PipeWatch {
                    inner: std::io::stdout().lock(),
                    closed: self.pipe_closed.clone(),
                };
                Ok((Box::new(out), terminal))
            }
        }
    }

    /// Run a hunt with `params`, printing its rows like any query.
    /// Run one hunt and print its rows; returns how many.
    pub fn run_hunt(&self, name: &str, params: &[(String, String)]) -> Result<u64> {
        self.run_hunt_keeping(name, params, None)
    }

    /// [`Engine::run_hunt`], also keeping the result batches in `keep`.
    pub fn run_hunt_keeping(
        &self,
        name: &str,
        params: &[(String, String)],
        keep: Option<&mut Vec<RecordBatch>>,
    ) -> Result<u64> {
        let hunt = self.library.get(name)?;
        let sql = hunt.render(params)?;
        if hunt.ioc.is_some() && self.indicators == 0 {
            eprintln!(
                "note: {name} joins the threat list and none was given (--ioc FILE): it finds nothing"
            );
        }
        let rows = self
            .run_sql_with(&sql, keep, !self.hosts.is_empty())
            .with_context(|| format!("hunt {name} failed"))?;
        if rows == 0
            && hunt.record_kind() == flowlog::RecordKind::TransitGateway
            && self.table_is_empty(flowlake_query::TGW_TABLE)
        {
            eprintln!(
                "note: {name} reads transit gateway flow logs (tgw_flow_logs); convert a transit gateway flow log's files into the lake to fill it"
            );
        } else if rows == 0 && hunt.min_version > 2 {
            eprintln!(
                "note: {name} reads fields of flow-log version {} ({}); flow logs in the default \
                 (version 2) format have none of them",
                hunt.min_version,
                hunt.fields
                    .iter()
                    .filter(|f| flowlog::field_by_name(f).is_some_and(|d| d.version > 2))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(rows)
    }

    /// Indicators loaded from `--ioc` (0 without a threat list).
    pub fn indicators(&self) -> usize {
        self.indicators
    }

    /// Whether `table` has no rows (`false` when that cannot be told).
    fn table_is_empty(&self, table: &str) -> bool {
        let sql = format!("SELECT 1 FROM {table} LIMIT 1");
        self.rt
            .block_on(async {
                let df = self.ctx.sql(&sql).await?;
                df.collect().await
            })
            .is_ok_and(|batches| batches.iter().all(|b| b.num_rows() == 0))
    }

    /// Run a script: SQL statements ending in `;`, and meta-commands on lines of their own.
    pub fn run_script(&mut self, text: &str, origin: &str) -> Result<Step> {
        let mut buf = String::new();
        let mut first_line = 1;
        for (i, line) in text.lines().enumerate() {
            let at_boundary = is_blank(&buf);
            if at_boundary && line.trim_start().starts_with('\\') {
                let step = self
                    .meta(line.trim())
                    .with_context(|| format!("{origin}:{}", i + 1))?;
                if step == Step::Quit {
                    return Ok(Step::Quit);
                }
                continue;
            }
            if at_boundary && is_blank(line) {
                // Blank lines and comments between statements: a statement's text starts
                // at its first line, so places in it count from there.
                buf.clear();
                continue;
            }
            if at_boundary {
                first_line = i + 1;
            }
            buf.push_str(line);
            buf.push('\n');
            if statement_complete(&buf) {
                self.run_sql(&buf)
                    .with_context(|| format!("{origin}:{first_line}"))?;
                buf.clear();
            }
        }
        if !is_blank(&buf) {
            self.run_sql(&buf)
                .with_context(|| format!("{origin}:{first_line}"))?;
        }
        Ok(Step::Continue)
    }

    /// A backslash command of the shell (also allowed in scripts).
    pub fn meta(&mut self, line: &str) -> Result<Step> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let rest: Vec<&str> = words.collect();
        let on_off = |current: bool| -> Result<bool> {
            match rest.first().copied() {
                None => Ok(!current),
                Some("on") => Ok(true),
                Some("off") => Ok(false),
                Some(other) => bail!("{cmd} takes on or off, not {other:?}"),
            }
        };
        match cmd {
            "\\q" | "\\quit" => return Ok(Step::Quit),
            "\\?" | "\\h" | "\\help" => print!("{}", meta_help()),
            "\\d" => match rest.first() {
                None => self.list_tables()?,
                Some(t) => self.describe(t)?,
            },
            "\\timing" => {
                self.timing = on_off(self.timing)?;
                eprintln!("timing is {}", if self.timing { "on" } else { "off" });
            }
            "\\timefmt" => {
                self.times = match rest.first().copied() {
                    None => !self.times,
                    Some("utc") => true,
                    Some("raw") => false,
                    Some(other) => bail!("\\timefmt takes utc or raw, not {other:?}"),
                };
                eprintln!(
                    "{}",
                    if self.times {
                        "tables show start, end and the like as UTC times (CSV and JSON keep Unix seconds)"
                    } else {
                        "tables show start, end and the like as Unix seconds"
                    }
                );
            }
            "\\pset" => match rest.first().copied() {
                Some("pager") => {
                    let rest = &rest[1..];
                    self.pager = match rest.first().copied() {
                        None => !self.pager,
                        Some("on") => true,
                        Some("off") => false,
                        Some(other) => bail!("\\pset pager takes on or off, not {other:?}"),
                    };
                    eprintln!("pager is {}", if self.pager { "on" } else { "off" });
                }
                _ => bail!("\\pset knows one setting: pager [on|off]"),
            },
            "\\x" => {
                self.expanded = on_off(self.expanded)?;
                eprintln!(
                    "expanded display is {}",
                    if self.expanded { "on" } else { "off" }
                );
            }
            "\\format" => {
                let Some(name) = rest.first() else {
                    bail!("\\format needs one of: table, csv, json, ndjson");
                };
                self.dest.format = Format::parse(name)
                    .filter(|f| *f != Format::Parquet || self.dest.file.is_some())
                    .ok_or_else(|| {
                        anyhow!("unknown format {name:?}: table, csv, json or ndjson")
                    })?;
                eprintln!("output format is {name}");
            }
            "\\o" => match rest.first() {
                None => {
                    self.dest = Destination {
                        file: None,
                        format: if std::io::stdout().is_terminal() {
                            Format::Table
                        } else {
                            Format::Csv
                        },
                    };
                    eprintln!("results go to standard output");
                }
                Some(file) => {
                    let path = PathBuf::from(file);
                    let format = Format::from_path(&path).unwrap_or(self.dest.format);
                    if format != Format::Parquet {
                        // Start the file empty; each result is appended to it.
                        std::fs::File::create(&path).with_context(|| path.display().to_string())?;
                    }
                    eprintln!(
                        "results go to {} ({format:?}{})",
                        path.display(),
                        if format == Format::Parquet {
                            ", each result replaces the file"
                        } else {
                            ""
                        }
                    );
                    self.dest = Destination {
                        file: Some(path),
                        format,
                    };
                }
            },
            "\\i" => {
                let Some(file) = rest.first() else {
                    bail!("\\i needs a file of SQL statements");
                };
                let text = std::fs::read_to_string(file).with_context(|| (*file).to_string())?;
                return self.run_script(&text, file);
            }
            "\\hunts" => self.print_hunt_list()?,
            "\\run" => {
                let Some(name) = rest.first() else {
                    bail!(
                        "\\run needs a hunt name (\\hunts lists them) and optional k=v parameters"
                    );
                };
                if let Err(flowlake_query::QueryError::NoSuchHunt { hint, .. }) =
                    self.library.get(name)
                {
                    let hint = hint.replace("`flowlake hunt list` shows them all", "");
                    bail!(
                        "no hunt named {name:?}; {}\\hunts lists them",
                        if hint.is_empty() {
                            String::new()
                        } else {
                            format!("{hint} ")
                        }
                    );
                }
                let params = rest[1..]
                    .iter()
                    .map(|kv| parse_param(kv))
                    .collect::<Result<Vec<_>>>()?;
                self.run_hunt(name, &params)?;
            }
            other => bail!("unknown command {other}; \\? lists the commands"),
        }
        Ok(Step::Continue)
    }

    fn list_tables(&self) -> Result<()> {
        self.run_sql(
            "SELECT table_name AS name, table_type AS type FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name",
        )?;
        Ok(())
    }

    fn describe(&self, table: &str) -> Result<()> {
        let name = table.trim_matches('"');
        let provider = self
            .rt
            .block_on(self.ctx.table_provider(name))
            .map_err(|_| anyhow!("no table {name:?}; \\d lists them"))?;
        let schema = provider.schema();
        let headers = vec!["column".to_string(), "type".into(), "nullable".into()];
        let rows: Vec<Vec<String>> = schema
            .fields()
            .iter()
            .map(|f| {
                vec![
                    f.name().clone(),
                    f.data_type().to_string(),
                    if f.is_nullable() { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        let mut out = std::io::stdout().lock();
        crate::results::write_table(&mut out, &headers, &rows, terminal_width())?;
        if name == flowlake_query::TABLE {
            writeln!(
                out,
                "lake {}; time window: {}",
                self.lake,
                if self.window.is_unbounded() {
                    "all".to_string()
                } else {
                    self.window.describe()
                }
            )?;
        }
        Ok(())
    }

    pub fn print_hunt_list(&self) -> Result<()> {
        let headers = vec![
            "name".to_string(),
            "severity".into(),
            "ATT&CK".into(),
            "description".into(),
        ];
        let rows: Vec<Vec<String>> = self.library.iter().map(hunt_row).collect();
        let mut out = std::io::stdout().lock();
        crate::results::write_table(&mut out, &headers, &rows, terminal_width())?;
        Ok(())
    }
}

pub fn hunt_row(h: &flowlake_query::Hunt) -> Vec<String> {
    vec![
        h.name.clone(),
        if h.kind == Kind::Report {
            "report".into()
        } else {
            h.severity.to_string()
        },
        h.mitre.join(" "),
        h.title.clone(),
    ]
}

/// Decode the raw flow logs of `--raw SOURCE` (the window's dated folders only) into a
/// temporary lake, with the converter's own reading of every input (gzip, formats, AWS
/// layouts, S3), so the table holds exactly the rows a converted lake would. Inputs that
/// cannot be read and rejected lines are reported, not fatal, as in `convert`.
fn decode_raw(source: &str, lake: &LakeArgs, window: &TimeWindow) -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("flowlake-raw-")
        .tempdir()
        .context("cannot create a temporary folder for --raw (set TMPDIR to one with space)")?;
    remove_on_signal(dir.path().to_path_buf())?;
    let mut options =
        flowlake_convert::ConvertOptions::new(vec![source.to_string()], dir.path().join("lake"));
    options.s3 = lake.s3.options();
    options.since = window.since;
    options.until = window.until;
    let progress = Arc::new(flowlake_convert::Progress::default());
    // The converter drives its own runtime: a thread of its own, outside this one's.
    let summary = std::thread::scope(|s| {
        s.spawn(|| flowlake_convert::convert(&options, &progress))
            .join()
            .map_err(|_| anyhow!("decoding {source} failed"))
    })?
    .with_context(|| format!("--raw {source}"))?;
    eprintln!(
        "--raw {source}: {} records from {} input(s) in {:.2} s, decoded for this run only \
         (`flowlake convert {source} --out lake` keeps them for the next)",
        summary.records_written, summary.inputs_converted, summary.elapsed_seconds
    );
    if summary.records_rejected > 0 {
        eprintln!(
            "warning: {} line(s) of {source} are not flow-log records and were left out{}",
            summary.records_rejected,
            summary
                .reject_samples
                .first()
                .map_or_else(String::new, |r| format!(
                    " (first: {}:{}: {})",
                    r.location, r.line, r.reason
                ))
        );
    }
    for failure in &summary.failures {
        eprintln!("warning: {}: {}", failure.location, failure.error);
    }
    if summary.records_written == 0 {
        bail!(
            "--raw {source}: no flow-log records{}",
            if window.is_unbounded() {
                String::new()
            } else {
                format!(" in the time window {}", window.describe())
            }
        );
    }
    Ok(dir)
}

/// Set once the shell handles Ctrl-C itself (a Ctrl-C there cancels a query, not the run).
static INTERACTIVE: AtomicBool = AtomicBool::new(false);

/// Delete `dir` (the decoded logs of `--raw`) when the run is ended by Ctrl-C or SIGTERM,
/// which would otherwise skip the temporary folder's own clean-up and leave it behind;
/// the run then exits with 130 (143 for SIGTERM), as a shell reports a killed command.
/// In the shell, Ctrl-C is its own (it cancels the query) and the folder goes when the
/// shell ends.
fn remove_on_signal(dir: PathBuf) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let watcher = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot watch for Ctrl-C")?;
    let (mut interrupts, mut terminates) = {
        let _runtime = watcher.enter();
        (
            signal(SignalKind::interrupt()).context("cannot watch for Ctrl-C")?,
            signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?,
        )
    };
    std::thread::Builder::new()
        .name("raw-cleanup".into())
        .spawn(move || {
            let code = watcher.block_on(async {
                loop {
                    tokio::select! {
                        _ = interrupts.recv() => {
                            if !INTERACTIVE.load(Ordering::SeqCst) {
                                break 130;
                            }
                        }
                        _ = terminates.recv() => break 143,
                    }
                }
            });
            let _ = std::fs::remove_dir_all(&dir);
            eprintln!("interrupted; the decoded --raw logs were deleted");
            std::process::exit(code);
        })
        .context("cannot watch for Ctrl-C")?;
    Ok(())
}

/// The byte offset in `sql` just after the last token of `statement` that the parser
/// placed (`None` when it placed none).
fn statement_end(sql: &str, statement: &datafusion::sql::parser::Statement) -> Option<usize> {
    use datafusion::sql::sqlparser::ast::Spanned;
    let datafusion::sql::parser::Statement::Statement(s) = statement else {
        return None;
    };
    let end = s.span().end;
    if end.line == 0 {
        return None;
    }
    let line_start = if end.line == 1 {
        0
    } else {
        sql.match_indices('\n')
            .nth(usize::try_from(end.line).ok()? - 2)?
            .0
            + 1
    };
    let line = &sql[line_start..];
    let column = usize::try_from(end.column).ok()?.saturating_sub(1);
    Some(
        line_start
            + line
                .char_indices()
                .nth(column)
                .map_or(line.len(), |(i, _)| i),
    )
}

/// The message for a local lake folder that does not exist, saying where the name came
/// from: `--lake`, `$FLOWLAKE_LAKE`, or the default `./lake` looked for in the current
/// folder (run from elsewhere, that is the usual cause).
fn missing_lake(lake: &str) -> String {
    let from_env = std::env::var("FLOWLAKE_LAKE").ok();
    let here = std::env::current_dir()
        .map_or_else(|_| lake.to_string(), |d| d.join(lake).display().to_string());
    let convert =
        format!("or convert flow logs into it with `flowlake convert INPUT --out {lake}`");
    match from_env {
        Some(env) if env == lake => format!(
            "no lake at {here} (from $FLOWLAKE_LAKE): set it to the folder `flowlake convert --out` wrote, {convert}"
        ),
        _ if lake == "lake" => format!(
            "no lake at {here}: without --lake (or $FLOWLAKE_LAKE), flowlake looks for the folder `lake` \
             in the current folder; run from the folder that holds it, give --lake DIR, {convert}"
        ),
        _ => format!(
            "no lake at {here}: give --lake the folder `flowlake convert --out` wrote, {convert}"
        ),
    }
}

/// `key=value` of `--param` and `\run`.
pub fn parse_param(kv: &str) -> Result<(String, String)> {
    kv.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| anyhow!("parameter {kv:?} is not key=value"))
}

/// The terminal's width, when standard output is one.
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .or(Some(100))
}

/// The shell's commands, for `\?`: every line whole, whatever the terminal's width.
pub fn meta_help() -> String {
    let rows = [
        ("\\q", "quit (also Ctrl-D)"),
        ("\\d", "list tables"),
        ("\\d TABLE", "columns of a table, with types"),
        ("\\timing [on|off]", "print how long each statement takes"),
        ("\\x [on|off]", "expanded display: one block per row"),
        ("\\format FORMAT", "table, csv, json or ndjson"),
        (
            "\\timefmt [utc|raw]",
            "tables show start, end, first_seen, ... as UTC times or as Unix seconds",
        ),
        (
            "\\pset pager [on|off]",
            "tables taller than the terminal go through $PAGER (default less -FRSX)",
        ),
        (
            "\\o [FILE]",
            "write results to FILE (by extension, .parquet too); \\o alone: back to the screen",
        ),
        ("\\i FILE", "run the statements in FILE"),
        ("\\hunts", "list the saved hunts"),
        ("\\run HUNT [k=v ...]", "run a hunt with parameters"),
        ("\\?", "this help"),
    ];
    let width = rows.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut s = String::new();
    for (command, what) in rows {
        s.extend([
            "  ",
            command,
            &" ".repeat(width - command.len() + 2),
            what,
            "\n",
        ]);
    }
    s.push_str(
        "End SQL statements with ';' (an unfinished one continues at the -# prompt). \
         Ctrl-C cancels a running query or clears the statement.\n",
    );
    s
}

/// SQL's tokens, as DataFusion's parser reads them; `None` while a string, quoted name or
/// comment is still open.
fn tokens(sql: &str) -> Option<Vec<Token>> {
    Tokenizer::new(&GenericDialect {}, sql).tokenize().ok()
}

/// Does `sql` end with a `;` outside strings, quoted names and comments?
pub fn statement_complete(sql: &str) -> bool {
    tokens(sql).is_some_and(|t| {
        t.iter()
            .rev()
            .find(|t| !matches!(t, Token::Whitespace(_)))
            .is_some_and(|t| *t == Token::SemiColon)
    })
}

/// Is `sql` only blanks and comments?
fn is_blank(sql: &str) -> bool {
    tokens(sql).is_some_and(|t| t.iter().all(|t| matches!(t, Token::Whitespace(_))))
}

/// The default place of the shell's history.
pub fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLOWLAKE_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::home_dir().map(|h| h.join(".local/state")))?;
    Some(state.join("flowlake").join("history"))
}

/// Read a file of SQL for `-f`, naming it on failure.
pub fn read_script(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_a_semicolon_outside_strings_and_comments() {
        assert!(statement_complete("SELECT 1;"));
        assert!(statement_complete("SELECT 1; -- done\n"));
        assert!(!statement_complete("SELECT ';'"));
        assert!(!statement_complete("SELECT 1 -- ;"));
        assert!(!statement_complete("SELECT 'it''s"));
        assert!(statement_complete("SELECT 'it''s';"));
        assert!(!statement_complete("SELECT 1 /* ; */"));
        assert!(statement_complete("SELECT \"a;b\" FROM t;"));
        assert!(!statement_complete("SELECT 1; /* still open"));
        assert!(is_blank("  -- a comment\n/* another */\n"));
        assert!(!is_blank("-- a comment\nSELECT"));
    }

    #[test]
    fn parameters_are_key_value() {
        assert_eq!(
            parse_param("min_ports=50").unwrap(),
            ("min_ports".into(), "50".into())
        );
        assert!(parse_param("min_ports").is_err());
        assert!(parse_param("=3").is_err());
    }
}
