//! Query results on a terminal or in a file: aligned tables (wide ones with middle columns
//! elided), expanded records, CSV, JSON, NDJSON and Parquet.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::{csv, json};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use unicode_width::UnicodeWidthStr;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for reading.
    Table,
    /// Comma-separated, with a header line.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Parquet (files only).
    #[value(skip)]
    Parquet,
}

impl Format {
    /// The format a file name asks for, by its extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "ndjson" | "jsonl" => Some(Self::Ndjson),
            "parquet" => Some(Self::Parquet),
            "txt" => Some(Self::Table),
            _ => None,
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        <Self as ValueEnum>::from_str(name, true).ok()
    }
}

/// Display settings of tables (the terminal's, or unlimited for files and pipes).
#[derive(Debug, Clone, Copy)]
pub struct TableStyle {
    /// Total width to fit in; `None` = no limit.
    pub width: Option<usize>,
    /// Rows to show; the rest are counted, not printed.
    pub max_rows: Option<usize>,
    /// One record per block, `column | value`.
    pub expanded: bool,
    /// `start`, `end` and the like (Unix seconds) shown as UTC times.
    pub times: bool,
}

impl TableStyle {
    pub fn unlimited() -> Self {
        Self {
            width: None,
            max_rows: None,
            expanded: false,
            times: false,
        }
    }
}

/// Integer columns of Unix seconds by their names: the flow-log fields `start` and `end`,
/// and what queries and hunts call them (`first_seen`, `window_start`, `min(start)`).
fn is_time_column(field: &Field) -> bool {
    if !field.data_type().is_integer() {
        return false;
    }
    let name = field.name().to_ascii_lowercase();
    let bare = name.rsplit('.').next().unwrap_or(&name).trim_matches('"');
    matches!(
        bare,
        "start" | "end" | "first_seen" | "last_seen" | "window_start" | "window_end"
    ) || ["(start)", "(end)", ".start)", ".end)"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// The rows of `batches` as text (`NULL` for NULL); the columns `times` marks (Unix
/// seconds) as UTC times, as tables show them.
pub fn text_rows(batches: &[RecordBatch], times: &[bool]) -> Result<Vec<Vec<String>>> {
    let options = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for b in batches {
        let formatters = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for r in 0..b.num_rows() {
            out.push(
                formatters
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let v = f.value(r).to_string();
                        if times.get(i).copied().unwrap_or(false) {
                            utc_time(&v)
                        } else {
                            v
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// Unix seconds as `2026-03-01 14:15:07` (UTC); values before 2000 or past 9999 stay
/// numbers, since they cannot be flow-log times.
fn utc_time(text: &str) -> String {
    text.parse::<i64>()
        .ok()
        .filter(|t| (946_684_800..253_402_300_800).contains(t))
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(
            || text.to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
}

/// Longest value shown in a table cell; longer ones end in `…`.
const MAX_CELL: usize = 48;

/// Where the results of one statement go, fed batch by batch.
pub enum Sink {
    Table(TableSink),
    Csv(csv::Writer<Box<dyn Write>>),
    Json(json::ArrayWriter<Box<dyn Write>>),
    Ndjson(json::LineDelimitedWriter<Box<dyn Write>>),
    /// Written to `partial` beside the file and renamed over it once complete, so a failed
    /// or cancelled query never leaves a truncated Parquet file under the name asked for.
    Parquet {
        writer: ArrowWriter<BufWriter<File>>,
        /// The file's schema: the results' with text as plain strings.
        schema: SchemaRef,
        partial: PathBuf,
        path: PathBuf,
    },
}

impl Sink {
    /// A sink for `schema` in `format` writing to `out` (or to `file` for Parquet).
    pub fn new(
        format: Format,
        schema: &SchemaRef,
        out: Box<dyn Write>,
        file: Option<&Path>,
        style: TableStyle,
    ) -> Result<Self> {
        Ok(match format {
            Format::Table => Sink::Table(TableSink::new(schema, out, style)),
            Format::Csv => {
                let mut w = csv::WriterBuilder::new().with_header(true).build(out);
                // The header line even when no row follows.
                w.write(&RecordBatch::new_empty(schema.clone()))?;
                Sink::Csv(w)
            }
            // Every key in every object, null or not, as other tools expect.
            Format::Json => Sink::Json(
                json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, json::writer::JsonArray>(out),
            ),
            Format::Ndjson => Sink::Ndjson(
                json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, json::writer::LineDelimited>(out),
            ),
            Format::Parquet => {
                let Some(path) = file else {
                    bail!("Parquet can only be written to a file: use --output FILE.parquet");
                };
                let mut name = path.file_name().unwrap_or_default().to_os_string();
                name.push(".partial");
                let partial = path.with_file_name(name);
                let f = File::create(&partial).with_context(|| partial.display().to_string())?;
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
                    .build();
                // Text as plain `string`, whatever the engine held it as (string views):
                // the file's embedded Arrow schema is what PyArrow and others type by.
                let plain = plain_strings(schema);
                Sink::Parquet {
                    writer: ArrowWriter::try_new(BufWriter::new(f), plain.clone(), Some(props))?,
                    schema: plain,
                    partial,
                    path: path.to_path_buf(),
                }
            }
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            Sink::Table(t) => t.push(batch)?,
            Sink::Csv(w) => w.write(batch)?,
            Sink::Json(w) => w.write(batch)?,
            Sink::Ndjson(w) => w.write(batch)?,
            Sink::Parquet { writer, schema, .. } => {
                let columns = batch
                    .columns()
                    .iter()
                    .zip(schema.fields())
                    .map(|(c, f)| cast(c, f.data_type()))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
            }
        }
        Ok(())
    }

    /// Give up on a result that failed: a Parquet file being written is removed.
    pub fn abandon(self) {
        if let Sink::Parquet { partial, .. } = self {
            let _ = std::fs::remove_file(partial);
        }
    }

    /// Flush everything; returns a note for the user (rows not shown), if any.
    pub fn finish(self) -> Result<Option<String>> {
        match self {
            Sink::Table(t) => return t.finish(),
            Sink::Csv(w) => w.into_inner().flush()?,
            Sink::Json(mut w) => {
                w.finish()?;
                let mut out = w.into_inner();
                out.write_all(b"\n")?;
                out.flush()?;
            }
            Sink::Ndjson(mut w) => {
                w.finish()?;
                w.into_inner().flush()?;
            }
            Sink::Parquet {
                writer,
                partial,
                path,
                ..
            } => {
                writer.into_inner()?.into_inner()?.sync_all()?;
                std::fs::rename(&partial, &path).with_context(|| path.display().to_string())?;
            }
        }
        Ok(None)
    }
}

/// Rows kept as text until the end, when the column widths are known.
pub struct TableSink {
    headers: Vec<String>,
    /// Numbers are right-aligned, by their type: text holding digits stays left.
    right: Vec<bool>,
    /// Columns shown as UTC times.
    times: Vec<bool>,
    rows: Vec<Vec<String>>,
    total: usize,
    out: Box<dyn Write>,
    style: TableStyle,
}

impl TableSink {
    fn new(schema: &SchemaRef, out: Box<dyn Write>, style: TableStyle) -> Self {
        let times: Vec<bool> = schema
            .fields()
            .iter()
            .map(|f| style.times && is_time_column(f))
            .collect();
        let right = schema
            .fields()
            .iter()
            .zip(&times)
            .map(|(f, time)| {
                !time
                    && (f.data_type().is_numeric()
                        || matches!(f.data_type(), DataType::Null)
                        || matches!(f.data_type(), DataType::Dictionary(_, v) if v.is_numeric()))
            })
            .collect();
        Self {
            headers: schema.fields().iter().map(|f| f.name().clone()).collect(),
            right,
            times,
            rows: Vec::new(),
            total: 0,
            out,
            style,
        }
    }

    fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        let options = FormatOptions::default().with_null("NULL");
        let keep = self
            .style
            .max_rows
            .map_or(batch.num_rows(), |m| m.saturating_sub(self.rows.len()))
            .min(batch.num_rows());
        if keep > 0 {
            let formatters = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            for r in 0..keep {
                self.rows.push(
                    formatters
                        .iter()
                        .zip(&self.times)
                        .map(|(f, time)| {
                            let v = f.value(r).to_string();
                            if *time { utc_time(&v) } else { v }
                        })
                        .collect(),
                );
            }
        }
        self.total += batch.num_rows();
        Ok(())
    }

    fn finish(mut self) -> Result<Option<String>> {
        if self.style.expanded {
            write_expanded(&mut self.out, &self.headers, &self.rows)?;
        } else {
            write_table_aligned(
                &mut self.out,
                &self.headers,
                &self.rows,
                Some(&self.right),
                self.style.width,
            )?;
        }
        self.out.flush()?;
        let shown = self.rows.len();
        let rows = |n: usize| if n == 1 { "row" } else { "rows" };
        Ok(Some(if shown < self.total {
            format!(
                "{} {} ({shown} shown; write them all with --output FILE, or \\o FILE in the shell)",
                self.total,
                rows(self.total)
            )
        } else {
            format!("{} {}", self.total, rows(self.total))
        }))
    }
}

fn clip(s: &str, max: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.width() <= max {
        return one_line;
    }
    let mut out = String::new();
    for c in one_line.chars() {
        if out.width() + 2 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Columns an analyst reads first, in this order: on a terminal too narrow for every
/// column of a flow-log row (`SELECT *` has 60), these are kept.
const READ_FIRST: &[&str] = &[
    "srcaddr",
    "dstaddr",
    "dstport",
    "action",
    "bytes",
    "start",
    "srcport",
    "protocol",
    "packets",
    "end",
    "interface_id",
];

/// An aligned table, numbers right-aligned when they look like numbers (see
/// [`write_table_aligned`]).
pub fn write_table(
    out: &mut dyn Write,
    headers: &[String],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> io::Result<()> {
    write_table_aligned(out, headers, rows, None, width)
}

/// An aligned table. `right` says which columns are right-aligned (numbers); `None`
/// decides by the values. When it is wider than `width`, columns are left out (each gap
/// marked `…`): the flow-log columns analysts read first ([`READ_FIRST`]) are kept when
/// the table has them, else the first and last columns.
pub fn write_table_aligned(
    out: &mut dyn Write,
    headers: &[String],
    rows: &[Vec<String>],
    right: Option<&[bool]>,
    width: Option<usize>,
) -> io::Result<()> {
    if headers.is_empty() {
        // `FROM t` alone (a DataFusion form) selects no column.
        return writeln!(out, "(no columns selected)");
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|v| clip(v, MAX_CELL)).collect())
        .collect();
    let heads: Vec<String> = headers.iter().map(|h| clip(h, MAX_CELL)).collect();
    let widths: Vec<usize> = (0..heads.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].width())
                .chain(std::iter::once(heads[c].width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Which columns fit, in the order of preference; shown in their own order, with a
    // `…` column wherever some were left out.
    let n = heads.len();
    let gaps = |cols: &[usize]| {
        let mut gaps = Vec::new();
        let mut next = 0;
        for (i, &c) in cols.iter().enumerate() {
            if c != next {
                gaps.push(i);
            }
            next = c + 1;
        }
        if next != n {
            gaps.push(cols.len());
        }
        gaps
    };
    // Flow-log rows keep the columns analysts read, wherever they are, and the footer says
    // so (a `…` at each of their many gaps would take the room of a column); other tables
    // keep their first and last columns with a `…` between.
    let read_first: Vec<usize> = READ_FIRST
        .iter()
        .filter_map(|name| headers.iter().position(|h| h == name))
        .collect();
    let mark_gaps = read_first.is_empty();
    let total = |cols: &[usize]| {
        let marks = if mark_gaps { gaps(cols).len() } else { 0 };
        cols.iter().map(|&c| widths[c] + 3).sum::<usize>() + 1 + 4 * marks
    };
    let mut shown: Vec<usize> = (0..n).collect();
    if let Some(limit) = width
        && total(&shown) > limit
        && n > 1
    {
        let mut preference = read_first.clone();
        // Then alternately from the left and from the right.
        let (mut l, mut r) = (0, n - 1);
        while l <= r {
            for c in [l, r] {
                if !preference.contains(&c) {
                    preference.push(c);
                }
            }
            l += 1;
            if r == 0 {
                break;
            }
            r -= 1;
        }
        shown = Vec::new();
        for c in preference {
            let mut cols = shown.clone();
            cols.push(c);
            cols.sort_unstable();
            if total(&cols) <= limit {
                shown = cols;
            } else if !READ_FIRST.iter().any(|name| headers[c] == *name) {
                // Columns beyond the preferred ones are taken in order until one does not fit.
                break;
            }
        }
        if shown.is_empty() {
            shown.push(0);
        }
    }
    let gap_at = if mark_gaps { gaps(&shown) } else { Vec::new() };
    let line = |out: &mut dyn Write, l: &str, m: &str, r: &str| -> io::Result<()> {
        let mut s = String::from(l);
        for (i, &c) in shown.iter().enumerate() {
            if gap_at.contains(&i) {
                s.push_str(&"─".repeat(3));
                s.push_str(m);
            }
            s.push_str(&"─".repeat(widths[c] + 2));
            let last = i + 1 == shown.len() && !gap_at.contains(&shown.len());
            s.push_str(if last { r } else { m });
        }
        if gap_at.contains(&shown.len()) {
            s.push_str(&"─".repeat(3));
            s.push_str(r);
        }
        writeln!(out, "{s}")
    };
    let numeric = |c: usize| {
        !cells.is_empty()
            && cells.iter().all(|r| {
                let v = &r[c];
                v == "NULL" || v == "-" || v.parse::<f64>().is_ok()
            })
    };
    let right_align: Vec<bool> = match right {
        Some(r) => r.to_vec(),
        None => (0..n).map(numeric).collect(),
    };
    let row = |out: &mut dyn Write, vals: &[String]| -> io::Result<()> {
        let mut s = String::from("│");
        for (i, &c) in shown.iter().enumerate() {
            if gap_at.contains(&i) {
                s.push_str(" … │");
            }
            let pad = widths[c] - vals[c].width();
            if right_align[c] {
                let _ = write!(s, " {}{} │", " ".repeat(pad), vals[c]);
            } else {
                let _ = write!(s, " {}{} │", vals[c], " ".repeat(pad));
            }
        }
        if gap_at.contains(&shown.len()) {
            s.push_str(" … │");
        }
        writeln!(out, "{s}")
    };
    line(out, "┌", "┬", "┐")?;
    row(out, &heads)?;
    line(out, "├", "┼", "┤")?;
    for r in &cells {
        row(out, r)?;
    }
    line(out, "└", "┴", "┘")?;
    if shown.len() < n {
        if mark_gaps {
            writeln!(
                out,
                "{} of {n} columns shown; \\x shows every column of each row",
                shown.len()
            )?;
        } else {
            writeln!(
                out,
                "{} of {n} columns shown, the flow-log fields read first; \\x shows all",
                shown.len()
            )?;
        }
    }
    Ok(())
}

/// One block per record: `column | value`, as psql's `\x`.
pub fn write_expanded(
    out: &mut dyn Write,
    headers: &[String],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let w = headers.iter().map(|h| h.width()).max().unwrap_or(0);
    for (i, r) in rows.iter().enumerate() {
        writeln!(
            out,
            "-[ RECORD {} ]{}",
            i + 1,
            "-".repeat(w.saturating_sub(8))
        )?;
        for (h, v) in headers.iter().zip(r) {
            writeln!(out, "{h:<w$} | {v}")?;
        }
    }
    Ok(())
}

/// A table for the terminal, held until it is complete, then shown through a pager
/// (`$PAGER`, else `less -FRSX`) when it is taller than the terminal, as psql does. A
/// pager that cannot be started is not an error: the table is printed.
pub struct Paged {
    buf: Vec<u8>,
    /// Lines that fit on the terminal.
    height: usize,
}

impl Paged {
    pub fn new(height: usize) -> Self {
        Self {
            buf: Vec::new(),
            height,
        }
    }

    fn show(&mut self) -> io::Result<()> {
        let text = std::mem::take(&mut self.buf);
        if text.is_empty() {
            return Ok(());
        }
        let lines = text.split(|b| *b == b'\n').count() - 1;
        if lines + 2 > self.height {
            let pager = std::env::var("PAGER")
                .ok()
                .filter(|p| !p.trim().is_empty())
                .unwrap_or_else(|| "less -FRSX".into());
            let child = std::process::Command::new("sh")
                .arg("-c")
                .arg(&pager)
                .stdin(std::process::Stdio::piped())
                .spawn();
            if let Ok(mut child) = child {
                if let Some(mut stdin) = child.stdin.take() {
                    // The pager may be quit before it read everything: not an error.
                    let _ = stdin.write_all(&text);
                }
                child.wait()?;
                return Ok(());
            }
        }
        let mut out = io::stdout().lock();
        out.write_all(&text)?;
        out.flush()
    }
}

impl Write for Paged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Paged {
    fn drop(&mut self) {
        let _ = self.show();
    }
}

/// A writer that remembers when its reader went away (`flowlake sql ... | head`): the CSV
/// writer turns I/O errors into plain messages, and a closed pipe is not an error.
pub struct PipeWatch<W> {
    pub inner: W,
    pub closed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<W: Write> PipeWatch<W> {
    fn watch<T>(&self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            self.closed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        r
    }
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.watch(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.watch(r)
    }
}

/// Where `--output` / `\o` sends results, and in which format.
#[derive(Debug, Clone)]
pub struct Destination {
    pub file: Option<PathBuf>,
    pub format: Format,
}

impl Destination {
    /// `--output FILE` picks the format from the extension unless one is given.
    pub fn resolve(file: Option<PathBuf>, format: Option<Format>, terminal: bool) -> Result<Self> {
        let format = match (&file, format) {
            (_, Some(f)) => f,
            (Some(path), None) => Format::from_path(path).with_context(|| {
                format!(
                    "cannot tell the format of {} from its extension: use .csv, .json, .ndjson, .parquet or --format",
                    path.display()
                )
            })?,
            (None, None) if terminal => Format::Table,
            (None, None) => Format::Csv,
        };
        if format == Format::Parquet && file.is_none() {
            bail!("Parquet can only be written to a file: use --output FILE.parquet");
        }
        Ok(Self { file, format })
    }
}

/// `schema` with string and binary views as plain `Utf8` and `Binary`, nested ones too.
fn plain_strings(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema.fields().iter().map(|f| plain_field(f)).collect();
    std::sync::Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

fn plain_field(f: &Field) -> Field {
    f.clone().with_data_type(plain_type(f.data_type()))
}

fn plain_type(t: &DataType) -> DataType {
    let field = |f: &FieldRef| std::sync::Arc::new(plain_field(f));
    match t {
        DataType::Utf8View => DataType::Utf8,
        DataType::BinaryView => DataType::Binary,
        DataType::List(f) => DataType::List(field(f)),
        DataType::LargeList(f) => DataType::LargeList(field(f)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(field(f), *n),
        DataType::Struct(fs) => DataType::Struct(fs.iter().map(field).collect()),
        DataType::Map(f, sorted) => DataType::Map(field(f), *sorted),
        DataType::Dictionary(k, v) => DataType::Dictionary(k.clone(), Box::new(plain_type(v))),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]], width: Option<usize>) -> String {
        let h: Vec<String> = headers.iter().map(ToString::to_string).collect();
        let r: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect();
        let mut out = Vec::new();
        write_table(&mut out, &h, &r, width).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_align_right_and_text_left() {
        let t = table(
            &["srcaddr", "flows"],
            &[&["10.0.0.1", "7"], &["10.0.0.200", "1234"]],
            None,
        );
        assert_eq!(
            t,
            "┌────────────┬───────┐\n\
             │ srcaddr    │ flows │\n\
             ├────────────┼───────┤\n\
             │ 10.0.0.1   │     7 │\n\
             │ 10.0.0.200 │  1234 │\n\
             └────────────┴───────┘\n"
        );
    }

    #[test]
    fn wide_tables_elide_middle_columns_to_fit() {
        let headers: Vec<String> = (0..30).map(|i| format!("column_{i}")).collect();
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        let row: Vec<&str> = h.clone();
        let t = table(&h, &[&row], Some(80));
        for line in t.lines() {
            assert!(line.width() <= 80, "{line}");
        }
        assert!(t.contains("column_0 ") && t.contains("column_29 "), "{t}");
        assert!(t.contains(" … "), "{t}");
        assert!(t.contains("columns shown; \\x"), "{t}");
    }

    /// A table of `batch` as the terminal shows it.
    fn shown(batch: &RecordBatch, style: TableStyle) -> String {
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut sink = TableSink::new(&batch.schema(), Box::new(Shared(buf.clone())), style);
        sink.push(batch).unwrap();
        sink.finish().unwrap();
        String::from_utf8(buf.lock().unwrap().clone()).unwrap()
    }

    fn flows() -> RecordBatch {
        use datafusion::arrow::array::{Int64Array, StringArray};
        let text = |name: &str, v: [&str; 2]| {
            (
                name.to_string(),
                std::sync::Arc::new(StringArray::from(v.to_vec()))
                    as datafusion::arrow::array::ArrayRef,
            )
        };
        let int = |name: &str, v: [i64; 2]| {
            (
                name.to_string(),
                std::sync::Arc::new(Int64Array::from(v.to_vec()))
                    as datafusion::arrow::array::ArrayRef,
            )
        };
        let mut columns = vec![
            text("account_id", ["111122223333", "7"]),
            text("interface_id", ["eni-0a1b2c3d4e5f60718", "eni-1"]),
            text("srcaddr", ["10.0.0.1", "10.0.0.2"]),
            text("dstaddr", ["10.0.1.1", "10.0.1.2"]),
            int("dstport", [443, 22]),
            int("bytes", [1234, 5]),
            int("start", [1_772_374_507, 1_772_374_567]),
        ];
        for i in 0..8 {
            columns.push(text(&format!("extra_field_{i}"), ["something long", "x"]));
        }
        RecordBatch::try_from_iter(columns).unwrap()
    }

    #[test]
    fn text_of_digits_stays_left_and_numbers_go_right_by_type() {
        let t = shown(&flows(), TableStyle::unlimited());
        assert!(t.contains("│ 7            │"), "account_id is text: {t}");
        assert!(t.contains("│      22 │"), "dstport is a number: {t}");
    }

    #[test]
    fn narrow_terminals_keep_the_columns_analysts_read() {
        let style = TableStyle {
            width: Some(80),
            times: true,
            ..TableStyle::unlimited()
        };
        let t = shown(&flows(), style);
        for line in t.lines() {
            assert!(line.width() <= 80, "{line}");
        }
        for kept in ["srcaddr", "dstaddr", "dstport", "bytes", "start"] {
            assert!(t.contains(kept), "{kept} left out: {t}");
        }
        assert!(!t.contains("extra_field_3"), "{t}");
        assert!(
            t.contains("2026-03-01 14:15:07"),
            "start as a UTC time: {t}"
        );
        assert!(
            t.contains("columns shown, the flow-log fields read first"),
            "{t}"
        );
    }

    #[test]
    fn times_are_raw_unless_asked_for() {
        let t = shown(&flows(), TableStyle::unlimited());
        assert!(t.contains("1772374507"), "{t}");
        assert_eq!(utc_time("1772374507"), "2026-03-01 14:15:07");
        assert_eq!(utc_time("7"), "7", "not a flow-log time");
        assert_eq!(utc_time("NULL"), "NULL");
        assert!(is_time_column(&Field::new(
            "min(vpc_flow_logs.start)",
            DataType::Int64,
            true
        )));
        assert!(!is_time_column(&Field::new("start", DataType::Utf8, true)));
        assert!(!is_time_column(&Field::new(
            "restart",
            DataType::Int64,
            true
        )));
    }

    #[test]
    fn long_values_are_clipped() {
        let long = "x".repeat(100);
        let t = table(&["v"], &[&[long.as_str()]], None);
        assert!(t.contains(&format!("{}…", "x".repeat(MAX_CELL - 2))), "{t}");
    }

    #[test]
    fn expanded_rows_list_every_column() {
        let mut out = Vec::new();
        write_expanded(
            &mut out,
            &["srcaddr".into(), "bytes".into()],
            &[vec!["10.0.0.1".into(), "40".into()]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "-[ RECORD 1 ]\nsrcaddr | 10.0.0.1\nbytes   | 40\n"
        );
    }

    #[test]
    fn output_files_pick_their_format_by_extension() {
        let d = Destination::resolve(Some("x.parquet".into()), None, true).unwrap();
        assert_eq!(d.format, Format::Parquet);
        let d = Destination::resolve(Some("x.jsonl".into()), None, true).unwrap();
        assert_eq!(d.format, Format::Ndjson);
        assert!(Destination::resolve(Some("x.xlsx".into()), None, true).is_err());
        assert_eq!(
            Destination::resolve(None, None, false).unwrap().format,
            Format::Csv
        );
        assert_eq!(
            Destination::resolve(None, None, true).unwrap().format,
            Format::Table
        );
    }
}
