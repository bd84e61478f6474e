//! `flowlake hunt`: the saved hunts.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use flowlake_query::hunt::Kind;
use flowlake_query::{Library, athena};

use crate::Outcome;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;

use crate::args::{Dialect, FindingsFormat, HuntCommand, HuntExportArgs, HuntRunArgs};
use crate::engine::{Engine, hunt_row, parse_param, terminal_width};
use crate::results::{Destination, Format, Sink, TableStyle, write_table};

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
    let findings = a
        .findings
        .as_ref()
        .map(|path| FindingsOut::new(a, path))
        .transpose()?;
    let engine = Engine::open(&a.lake, dest)?;
    if let Some(name) = &a.name {
        let hunt = engine.library.get(name)?;
        let mut kept = Vec::new();
        let rows =
            engine.run_hunt_keeping(name, &params, findings.is_some().then_some(&mut kept))?;
        if let Some(out) = &findings {
            out.write(&engine, &[(hunt, params.as_slice(), kept.as_slice())])?;
        }
        if hunt.kind == Kind::Report || rows > 0 {
            return Ok(Outcome::Success);
        }
        // A quiet detection: whether it could have found anything (one more scan of the
        // lake, only now that it is needed).
        let facts = LakeFacts::of(&engine)?;
        let not_ready = readiness(hunt, &params, &facts, engine.indicators()).or_else(|| {
            facts
                .partial(hunt)
                .map(|(field, share)| ("inconclusive", partial_reason(&field, share)))
        });
        return Ok(match not_ready {
            Some((status @ ("skipped" | "inconclusive"), why)) => {
                eprintln!(
                    "note: {name} could not look ({status}: {why}): this is not an all-clear"
                );
                Outcome::Incomplete
            }
            _ => Outcome::Success,
        });
    }
    // The summary is a table unless a format or an output file was asked for.
    let format = if a.output.format.is_none() && a.output.output.is_none() {
        Format::Table
    } else {
        engine.dest.format
    };
    run_all(&engine, &params, a.details, format, findings.as_ref())
}

/// A hunt that ran: the hunt, the parameters it ran with, its result batches.
type HuntResult<'a> = (
    &'a flowlake_query::Hunt,
    &'a [(String, String)],
    &'a [RecordBatch],
);

/// That `path` can be written before any work is done: its folder exists (`-` is
/// standard output). `flag` names the option in the message.
pub(crate) fn check_writable(path: &Path, flag: &str) -> Result<()> {
    if is_stdout(path) || path == Path::new("/dev/stderr") {
        return Ok(());
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && std::fs::metadata(path).is_err()
    {
        bail!(
            "{flag} {}: a link to nothing ({}); give the file itself",
            path.display(),
            std::fs::read_link(path).map_or_else(|_| "?".into(), |t| t.display().to_string())
        );
    }
    if path.is_dir() {
        bail!("{flag} {}: a folder; give a file name", path.display());
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && dir.is_file() => bail!(
            "{flag} {}: {} is a file, not a folder",
            path.display(),
            dir.display()
        ),
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => bail!(
            "{flag} {}: the folder {} does not exist; create it first",
            path.display(),
            dir.display()
        ),
        _ => Ok(()),
    }
}

/// `-` and the names of standard output.
pub(crate) fn is_stdout(path: &Path) -> bool {
    ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]
        .iter()
        .any(|p| path == Path::new(p))
}

/// Where `--findings` goes, in which format, and how to say what reproduces a finding.
struct FindingsOut {
    path: PathBuf,
    format: FindingsFormat,
    /// ASFF: the importing account and region.
    asff: Option<(String, String)>,
    /// `--lake ... --since ...` as given (the parameters are added per hunt).
    arguments: Vec<String>,
}

impl FindingsOut {
    fn new(a: &HuntRunArgs, path: &Path) -> Result<Self> {
        check_writable(path, "--findings")?;
        if is_stdout(path) && a.output.output.is_none() {
            bail!(
                "--findings {}: standard output, where the results go too; write the results to a file with --output FILE (or the findings to a file)",
                path.display()
            );
        }
        let asff = match a.findings_format {
            FindingsFormat::Ocsf => {
                if a.account.is_some() || a.securityhub_region.is_some() {
                    bail!("--account and --securityhub-region are for --findings-format asff");
                }
                None
            }
            FindingsFormat::Asff => {
                let (Some(account), Some(region)) = (&a.account, &a.securityhub_region) else {
                    bail!(
                        "--findings-format asff needs --account ACCOUNT_ID and --securityhub-region REGION: \
                         the Security Hub account and region that import the findings \
                         (their product ARN is arn:aws:securityhub:REGION:ACCOUNT_ID:product/ACCOUNT_ID/default)"
                    );
                };
                if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                    bail!("--account {account:?}: an AWS account id is 12 digits");
                }
                if region.is_empty()
                    || !region
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    bail!("--securityhub-region {region:?}: a region is like us-east-1");
                }
                Some((account.clone(), region.clone()))
            }
        };
        let arguments = a.lake.command_arguments();
        Ok(Self {
            path: path.to_path_buf(),
            format: a.findings_format,
            asff,
            arguments,
        })
    }

    /// Write the findings of every (hunt, its parameters, its result batches): one JSON
    /// document per line, complete or not at all (a temporary file renamed over `path`).
    fn write(&self, engine: &Engine, results: &[HuntResult]) -> Result<()> {
        use flowlake_soc::findings;
        let mut rows_of = Vec::new();
        let mut wanted = Vec::new();
        for (hunt, params, batches) in results {
            let rows = batch_rows(batches)?;
            wanted.extend(findings::addresses(hunt, &rows));
            rows_of.push((*hunt, *params, rows));
        }
        wanted.sort();
        wanted.dedup();
        let resources = match findings::resources_sql(&wanted) {
            Some(sql) => {
                let batches = engine
                    .collect(&sql)
                    .context("looking up the network interfaces of the findings' addresses")?;
                findings::resources_from_rows(&batch_rows(&batches)?)
            }
            None => std::collections::HashMap::new(),
        };
        // A row without times (a custom hunt's) is dated at the end of the data.
        let needs_time = rows_of.iter().any(|(_, _, rows)| {
            rows.iter().any(|r| {
                !["first_seen", "last_seen", "window_start", "minute"]
                    .iter()
                    .any(|c| r.contains_key(*c))
            })
        });
        let default_ms = if needs_time {
            let end = engine
                .collect("SELECT max(\"end\") * 1000 AS t FROM vpc_flow_logs")
                .context("finding the end of the data")?;
            batch_rows(&end)?
                .first()
                .and_then(|r| r.get("t"))
                .and_then(serde_json::Value::as_i64)
        } else {
            None
        };
        let now = chrono::Utc::now();
        let mut documents = Vec::new();
        let mut count = 0;
        let mut ids = std::collections::HashMap::new();
        for (hunt, params, rows) in &rows_of {
            let mut arguments = self.arguments.clone();
            for (k, v) in *params {
                arguments.extend(["--param".to_string(), format!("{k}={v}")]);
            }
            let run = findings::Run {
                arguments,
                version: env!("CARGO_PKG_VERSION").to_string(),
                default_ms,
            };
            for f in findings::findings(hunt, rows, &resources, &run) {
                count += 1;
                *ids.entry(f.id.clone()).or_insert(0) += 1;
                documents.push(match &self.asff {
                    None => f.to_ocsf(&run),
                    Some((account, region)) => f.to_asff(account, region, now, &run),
                });
            }
        }
        // Rows that differ only in counts (a custom hunt without text or port columns to
        // tell them apart) would overwrite each other where findings are kept by id.
        let shared = ids.values().filter(|n| **n > 1).count();
        if shared > 0 {
            eprintln!(
                "warning: {shared} finding id(s) name more than one row: a hunt's rows must differ in a text, port or protocol column (docs/soc.md, \"The id\")"
            );
        }
        if self.asff.is_some() {
            documents = findings::asff_batches(documents);
        }
        let mut text = String::new();
        for d in &documents {
            text.push_str(&serde_json::to_string(d)?);
            text.push('\n');
        }
        write_atomically(&self.path, text.as_bytes())?;
        let shape = match self.format {
            FindingsFormat::Ocsf => "OCSF Detection Findings".to_string(),
            FindingsFormat::Asff => format!(
                "ASFF findings in {} BatchImportFindings request(s)",
                documents.len()
            ),
        };
        eprintln!("{count} {shape} written to {}", self.path.display());
        Ok(())
    }
}

/// The rows of `batches` as JSON objects (NULLs left out), as `--format json` prints them.
fn batch_rows(batches: &[RecordBatch]) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let mut buf = Vec::new();
    {
        let mut w = datafusion::arrow::json::ArrayWriter::new(&mut buf);
        for b in batches {
            w.write(b)?;
        }
        w.finish()?;
    }
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&buf)?;
    Ok(rows
        .into_iter()
        .filter_map(|v| match v {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        })
        .collect())
}

/// `bytes` in `path`, whole or not at all: a temporary file beside it, synced, renamed.
///
/// `-` is standard output. A path that is not a regular file (a device, a FIFO such as
/// `/dev/stdout`) is written to in place; a symbolic link is followed to the file it names.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_stdout(path) {
        std::io::stdout().lock().write_all(bytes)?;
        return Ok(());
    }
    if path == Path::new("/dev/stderr") {
        std::io::stderr().lock().write_all(bytes)?;
        return Ok(());
    }
    let resolved;
    let path = match std::fs::metadata(path) {
        // A device or a pipe: written in place, after what it holds.
        Ok(m) if !m.is_file() && !m.is_dir() => {
            std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .and_then(|mut f| f.write_all(bytes))
                .with_context(|| format!("writing {}", path.display()))?;
            return Ok(());
        }
        // A link (or a chain of them) to a file: that file is replaced.
        Ok(_) if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            resolved = std::fs::canonicalize(path)
                .with_context(|| format!("following {}", path.display()))?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

/// What `hunt run` needs to know about the lake (within --since/--until) to tell whether a
/// hunt could have found anything.
struct LakeFacts {
    /// VPC flow-log records.
    records: i64,
    /// The highest `version` among them.
    newest_version: Option<i64>,
    /// Hours that hold traffic from internal hosts to public addresses (distinct hours of
    /// `start`): what the baselines of the hunts that need history learn from.
    hours: i64,
    /// Records with addresses (not NODATA or SKIPDATA).
    addressed: i64,
    /// Values of each column of `vpc_flow_logs` a hunt reads (non-null counts).
    values: std::collections::BTreeMap<String, i64>,
    /// Whether the transit gateway table has any record.
    tgw: bool,
    /// Categories of the threat list (`None` for entries without one).
    ioc_categories: Vec<Option<String>>,
}

impl LakeFacts {
    fn of(engine: &Engine) -> Result<Self> {
        use datafusion::arrow::array::{Array, AsArray};
        use datafusion::arrow::datatypes::Int64Type;
        // Every VPC column a hunt reads, counted in one scan.
        let mut columns: Vec<String> = engine
            .library
            .iter()
            .filter(|h| h.record_kind() == flowlog::RecordKind::Vpc)
            .flat_map(|h| h.fields.iter())
            .filter_map(|f| flowlog::field_by_name(f).map(|d| d.column.to_string()))
            .collect();
        columns.sort();
        columns.dedup();
        let counts = columns
            .iter()
            .enumerate()
            .fold(String::new(), |mut acc, (i, c)| {
                let _ = write!(acc, ", count(\"{c}\") AS c{i}");
                acc
            });
        let sql = format!(
            "SELECT count(*), CAST(max(version) AS BIGINT), \
             count(DISTINCT CASE WHEN is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr) \
             THEN \"start\" - \"start\" % 3600 END), count(srcaddr) AS addressed{counts} FROM vpc_flow_logs"
        );
        let batches = |sql: &str| engine.collect(sql);
        let mut facts = Self {
            records: 0,
            newest_version: None,
            hours: 0,
            addressed: 0,
            values: std::collections::BTreeMap::new(),
            tgw: false,
            ioc_categories: Vec::new(),
        };
        let counted = batches(&sql).context("counting what the lake holds")?;
        if let Some(b) = counted.into_iter().find(|b| b.num_rows() > 0) {
            let int = |i: usize| {
                let col = datafusion::arrow::compute::cast(
                    b.column(i),
                    &datafusion::arrow::datatypes::DataType::Int64,
                )
                .ok()?;
                let col = col.as_primitive::<Int64Type>();
                col.is_valid(0).then(|| col.value(0))
            };
            facts.records = int(0).unwrap_or(0);
            facts.newest_version = int(1);
            facts.hours = int(2).unwrap_or(0);
            facts.addressed = int(3).unwrap_or(0);
            for (i, c) in columns.iter().enumerate() {
                facts.values.insert(c.clone(), int(4 + i).unwrap_or(0));
            }
        }
        facts.tgw = batches(&format!(
            "SELECT 1 FROM {} LIMIT 1",
            flowlake_query::TGW_TABLE
        ))
        .is_ok_and(|b| b.iter().any(|b| b.num_rows() > 0));
        if engine.indicators() > 0
            && let Ok(v) = batches("SELECT DISTINCT category FROM ioc")
        {
            for b in v {
                let col = b.column(0).as_string::<i32>();
                for i in 0..b.num_rows() {
                    facts
                        .ioc_categories
                        .push(col.is_valid(i).then(|| col.value(i).to_string()));
                }
            }
        }
        Ok(facts)
    }
}

/// Whether the hunt is `skipped` (it lacks an input: a parameter, the threat list or its
/// categories, fields the lake's records do not carry), `inconclusive` (less data than its
/// baseline needs, or no records in the time window) or `not-applicable` (the lake has no
/// flow logs of its kind), and why; `None` when it can look.
fn readiness(
    h: &flowlake_query::Hunt,
    given: &[(String, String)],
    facts: &LakeFacts,
    indicators: usize,
) -> Option<(&'static str, String)> {
    let missing: Vec<&str> = h
        .required_params()
        .into_iter()
        .filter(|p| {
            !given
                .iter()
                .any(|(k, _)| h.param(k).is_some_and(|(n, _)| n == p))
        })
        .collect();
    if !missing.is_empty() {
        return Some((
            "skipped",
            format!("needs --param {}=...", missing.join("=... --param ")),
        ));
    }
    if h.record_kind() == flowlog::RecordKind::TransitGateway {
        if !facts.tgw {
            // Nothing of its kind to miss: not a gap in the all-clear of the VPC hunts.
            return Some((
                "not-applicable",
                "no transit gateway flow-log records in the lake for this time window".into(),
            ));
        }
    } else {
        if facts.records == 0 {
            return Some(if facts.tgw {
                (
                    "not-applicable",
                    "no VPC flow-log records in the lake for this time window".into(),
                )
            } else {
                (
                    "inconclusive",
                    "no flow-log records in the lake for this time window".into(),
                )
            });
        }
        let absent: Vec<&str> = h
            .fields
            .iter()
            .filter(|f| !h.optional.contains(f))
            .filter(|f| {
                flowlog::field_by_name(f)
                    .is_some_and(|d| facts.values.get(d.column).copied().unwrap_or(0) == 0)
            })
            .map(String::as_str)
            .collect();
        if !absent.is_empty() {
            let newest = facts.newest_version.unwrap_or(2);
            let why = if i64::from(h.min_version) > newest {
                format!(
                    "reads fields of flow-log version {} ({}) and the lake's newest records are version {newest}",
                    h.min_version,
                    absent.join(", ")
                )
            } else {
                let (list, them) = match absent.as_slice() {
                    [one] => ((*one).to_string(), "it"),
                    [rest @ .., last] => (format!("{} and {last}", rest.join(", ")), "them"),
                    [] => (String::new(), "them"),
                };
                format!(
                    "reads {list}, and no record of the lake has a value for {them} (a format without {them}, or only NODATA/SKIPDATA records)"
                )
            };
            return Some(("skipped", why));
        }
    }
    if let Some(categories) = &h.ioc {
        if indicators == 0 {
            return Some(("skipped", "needs a threat list, --ioc FILE".into()));
        }
        let covered = categories.is_empty()
            || facts.ioc_categories.iter().any(|c| {
                c.as_ref()
                    .is_none_or(|c| categories.iter().any(|want| want == c))
            });
        if !covered {
            return Some((
                "skipped",
                format!(
                    "the threat list has no entry of category {} (nor any without a category)",
                    categories.join(" or ")
                ),
            ));
        }
    }
    if let Some(needed) = h.history_hours(given)
        && facts.hours < needed
    {
        return Some((
            "inconclusive",
            format!(
                "needs {needed} hours of data ({}) and the lake holds {} hours of traffic from internal hosts to public addresses; lower {} or add history",
                h.history.join(" + "),
                facts.hours,
                h.history
                    .iter()
                    .map(|p| format!("--param {p}"))
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
        ));
    }
    None
}

impl LakeFacts {
    /// When some addressed records lack a field the hunt needs (flow logs of several
    /// formats, one without it), the hunt saw only the others: which field, and the share
    /// of records it could look at. Only the fields every record of a format that has them
    /// carries (version 2) are judged.
    fn partial(&self, h: &flowlake_query::Hunt) -> Option<(String, f64)> {
        if h.record_kind() != flowlog::RecordKind::Vpc || self.addressed == 0 {
            return None;
        }
        h.fields
            .iter()
            .filter(|f| !h.optional.contains(f))
            .filter_map(|f| {
                let d = flowlog::field_by_name(f)?;
                let n = *self.values.get(d.column)?;
                (d.version == 2 && n < self.addressed)
                    .then(|| (f.clone(), n as f64 / self.addressed as f64))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// The note for a detection that found nothing on part of the records.
fn partial_reason(field: &str, share: f64) -> String {
    format!(
        "quiet on the {:.0}% of records that have {field}; the others (flow logs whose format lacks it) could not be looked at",
        share * 100.0
    )
}

/// Run every hunt of `hunts` that can look (with the parameters of `params` each has), and
/// say of the others why not. Detections that found rows keep their batches.
pub(crate) fn evaluate<'a>(
    engine: &Engine,
    hunts: Vec<&'a flowlake_query::Hunt>,
    params: &[(String, String)],
) -> Result<Vec<Entry<'a>>> {
    let facts = LakeFacts::of(engine)?;
    let mut entries = Vec::new();
    for h in hunts {
        let given: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| h.param(k).is_some())
            .cloned()
            .collect();
        if let Some((status, why)) = readiness(h, &given, &facts, engine.indicators()) {
            entries.push(Entry {
                hunt: h,
                status,
                reason: Some(why),
                rows: None,
                seconds: None,
                batches: Vec::new(),
            });
            continue;
        }
        let started = Instant::now();
        let result = h
            .render(&given)
            .map_err(anyhow::Error::from)
            .and_then(|sql| engine.collect(&sql))
            .and_then(|batches| engine.annotate(batches));
        let seconds = Some(started.elapsed().as_secs_f64());
        entries.push(match result {
            Ok(batches) => {
                let rows: usize = batches
                    .iter()
                    .map(datafusion::arrow::array::RecordBatch::num_rows)
                    .sum();
                let status = match (h.kind, rows) {
                    (Kind::Detection, 0) => "quiet",
                    (Kind::Detection, _) => "found",
                    (Kind::Report, _) => "ok",
                };
                let partial = facts.partial(h);
                let (status, reason) = match (status, partial) {
                    ("quiet", Some((field, share))) => {
                        ("inconclusive", Some(partial_reason(&field, share)))
                    }
                    (status, _) => (status, None),
                };
                Entry {
                    hunt: h,
                    status,
                    reason,
                    rows: Some(rows),
                    seconds,
                    batches: if status == "found" {
                        batches
                    } else {
                        Vec::new()
                    },
                }
            }
            Err(e) => Entry {
                hunt: h,
                status: "error",
                reason: Some(format!("{e:#}")),
                rows: None,
                seconds,
                batches: Vec::new(),
            },
        });
    }
    Ok(entries)
}

/// What became of one hunt of `--all`.
pub(crate) struct Entry<'a> {
    pub hunt: &'a flowlake_query::Hunt,
    /// `found`, `quiet`, `ok` (a report ran), `skipped`, `inconclusive`, `not-applicable`
    /// or `error`.
    pub status: &'static str,
    pub reason: Option<String>,
    pub rows: Option<usize>,
    pub seconds: Option<f64>,
    pub batches: Vec<datafusion::arrow::array::RecordBatch>,
}

/// Every hunt that can run; a summary (a table, or JSON with `--format json|ndjson`),
/// then details on request.
fn run_all(
    engine: &Engine,
    params: &[(String, String)],
    details: bool,
    format: Format,
    findings: Option<&FindingsOut>,
) -> Result<Outcome> {
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
    if format == Format::Parquet {
        bail!(
            "hunt run --all writes its summary as a table, CSV or JSON: use --output FILE.json (with --details, the rows of every finding)"
        );
    }
    if details && format == Format::Csv {
        eprintln!("note: CSV holds the summary only; the rows of each finding need --format json");
    }
    let total = Instant::now();
    let entries = evaluate(engine, hunts, params)?;
    if let Some(out) = findings {
        let given: Vec<Vec<(String, String)>> = entries
            .iter()
            .map(|e| {
                params
                    .iter()
                    .filter(|(k, _)| e.hunt.param(k).is_some())
                    .cloned()
                    .collect()
            })
            .collect();
        let results: Vec<_> = entries
            .iter()
            .zip(&given)
            .filter(|(e, _)| e.status == "found")
            .map(|(e, g)| (e.hunt, g.as_slice(), e.batches.as_slice()))
            .collect();
        out.write(engine, &results)?;
    }
    let found = entries.iter().filter(|e| e.status == "found").count();
    let failed = entries.iter().filter(|e| e.status == "error").count();
    let not_run = entries
        .iter()
        .filter(|e| {
            e.hunt.kind == Kind::Detection && matches!(e.status, "skipped" | "inconclusive")
        })
        .count();
    match format {
        Format::Json | Format::Ndjson => write_json(engine, &entries, details, format)?,
        Format::Csv => write_csv(engine, &entries)?,
        Format::Parquet | Format::Table => write_summary(
            engine,
            &entries,
            details,
            total.elapsed().as_secs_f64(),
            found,
        )?,
    }
    if failed > 0 {
        bail!("{failed} hunt(s) failed; see the summary");
    }
    if not_run > 0 {
        eprintln!(
            "note: {not_run} detection(s) could not look (skipped or inconclusive, see their status): this is not an all-clear"
        );
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Success)
}

/// Where `--all` writes: `--output FILE` (replaced), else standard output.
fn summary_output(engine: &Engine) -> Result<Box<dyn Write>> {
    Ok(match &engine.dest.file {
        Some(path) => {
            let context = || path.display().to_string();
            std::fs::File::create(path).with_context(context)?;
            // Appending: the rows of each finding are appended by their own writer.
            let file = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .with_context(context)?;
            Box::new(std::io::BufWriter::new(file))
        }
        None => Box::new(std::io::stdout()),
    })
}

/// `--all` as CSV: one line per hunt (the rows of findings need JSON: `--format json`).
fn write_csv(engine: &Engine, entries: &[Entry]) -> Result<()> {
    let mut out = summary_output(engine)?;
    let field = |v: &str| {
        if v.contains([',', '"', '\n']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    writeln!(out, "hunt,kind,severity,status,reason,rows,seconds")?;
    for e in entries {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            e.hunt.name,
            if e.hunt.kind == Kind::Report {
                "report"
            } else {
                "detection"
            },
            e.hunt.severity,
            e.status,
            field(e.reason.as_deref().unwrap_or("")),
            e.rows.map(|n| n.to_string()).unwrap_or_default(),
            e.seconds.map(|s| format!("{s:.3}")).unwrap_or_default()
        )?;
    }
    out.flush()?;
    Ok(())
}

/// The summary table of `--all`, then with `--details` the rows of each finding.
fn write_summary(
    engine: &Engine,
    entries: &[Entry],
    details: bool,
    seconds: f64,
    found: usize,
) -> Result<()> {
    let summary: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let severity = if e.hunt.kind == Kind::Report {
                "report".to_string()
            } else {
                e.hunt.severity.to_string()
            };
            let status = match (&e.reason, e.status) {
                (Some(why), status) => format!("{status}: {why}"),
                (None, "found") => "FOUND".to_string(),
                (None, status) => status.to_string(),
            };
            vec![
                e.hunt.name.clone(),
                severity,
                e.rows.map_or_else(|| "-".into(), |n| n.to_string()),
                e.seconds.map_or_else(|| "-".into(), |s| format!("{s:.3}")),
                status,
            ]
        })
        .collect();
    let headers = ["hunt", "severity", "rows", "seconds", "status"].map(String::from);
    let to_file = engine.dest.file.is_some();
    let width = if to_file { None } else { terminal_width() };
    let mut out = summary_output(engine)?;
    write_table(&mut out, &headers, &summary, width)?;
    writeln!(
        out,
        "{} hunts in {seconds:.2} s: {found} found something{}",
        summary.len(),
        if details || found == 0 {
            String::new()
        } else {
            "; --details prints their rows".into()
        }
    )?;
    if details {
        for e in entries.iter().filter(|e| e.status == "found") {
            let h = e.hunt;
            writeln!(out, "\n== {}: {} ({})", h.name, h.title, h.severity)?;
            let Some(first) = e.batches.first() else {
                continue;
            };
            out.flush()?;
            let sink_out: Box<dyn Write> = match &engine.dest.file {
                Some(path) => Box::new(
                    std::fs::OpenOptions::new()
                        .append(true)
                        .open(path)
                        .with_context(|| path.display().to_string())?,
                ),
                None => Box::new(std::io::stdout()),
            };
            let mut sink = Sink::new(
                Format::Table,
                &first.schema(),
                sink_out,
                None,
                TableStyle {
                    width,
                    max_rows: None,
                    expanded: false,
                    times: true,
                },
            )?;
            for b in &e.batches {
                sink.write(b)?;
            }
            sink.finish()?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `--all` as JSON: one object per hunt (`--format ndjson`: one per line), with its
/// status, the reason when it could not look, and with `--details` the rows it found.
fn write_json(engine: &Engine, entries: &[Entry], details: bool, format: Format) -> Result<()> {
    let mut objects = Vec::new();
    for e in entries {
        let mut o = serde_json::json!({
            "hunt": e.hunt.name,
            "title": e.hunt.title,
            "kind": if e.hunt.kind == Kind::Report { "report" } else { "detection" },
            "severity": e.hunt.severity.to_string(),
            "status": e.status,
            "reason": e.reason,
            "rows": e.rows,
            "seconds": e.seconds,
        });
        if details && e.status == "found" {
            o["results"] = serde_json::Value::Array(
                batch_rows(&e.batches)?
                    .into_iter()
                    .map(serde_json::Value::Object)
                    .collect(),
            );
        }
        objects.push(o);
    }
    let mut text = String::new();
    if format == Format::Ndjson {
        for o in &objects {
            text.push_str(&serde_json::to_string(o)?);
            text.push('\n');
        }
    } else {
        text = serde_json::to_string_pretty(&serde_json::Value::Array(objects))?;
        text.push('\n');
    }
    match &engine.dest.file {
        Some(path) => std::fs::write(path, text).with_context(|| path.display().to_string())?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(())
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
