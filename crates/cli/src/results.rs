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
}

impl TableStyle {
    pub fn unlimited() -> Self {
        Self {
            width: None,
            max_rows: None,
            expanded: false,
        }
    }
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
    rows: Vec<Vec<String>>,
    total: usize,
    out: Box<dyn Write>,
    style: TableStyle,
}

impl TableSink {
    fn new(schema: &SchemaRef, out: Box<dyn Write>, style: TableStyle) -> Self {
        Self {
            headers: schema.fields().iter().map(|f| f.name().clone()).collect(),
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
                self.rows
                    .push(formatters.iter().map(|f| f.value(r).to_string()).collect());
            }
        }
        self.total += batch.num_rows();
        Ok(())
    }

    fn finish(mut self) -> Result<Option<String>> {
        if self.style.expanded {
            write_expanded(&mut self.out, &self.headers, &self.rows)?;
        } else {
            write_table(&mut self.out, &self.headers, &self.rows, self.style.width)?;
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

/// An aligned table. When it is wider than `width`, columns from the middle are left out
/// (marked `…`) so the first and last ones stay readable.
pub fn write_table(
    out: &mut dyn Write,
    headers: &[String],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> io::Result<()> {
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
    // Which columns fit: alternately from the left and from the right.
    let n = heads.len();
    let mut shown: Vec<usize> = (0..n).collect();
    let total = |cols: &[usize], elided: bool| {
        cols.iter().map(|&c| widths[c] + 3).sum::<usize>() + 1 + if elided { 4 } else { 0 }
    };
    let mut elided_at = None;
    if let Some(limit) = width
        && total(&shown, false) > limit
        && n > 1
    {
        let (mut left, mut right) = (Vec::new(), Vec::new());
        let (mut l, mut r) = (0usize, n - 1);
        loop {
            let try_left = left.len() <= right.len();
            let c = if try_left { l } else { r };
            let mut cols: Vec<usize> = left.clone();
            cols.push(c);
            cols.extend(right.iter().rev());
            if l > r || total(&cols, true) > limit {
                break;
            }
            if try_left {
                left.push(l);
                l += 1;
            } else {
                right.push(r);
                r = r.saturating_sub(1);
            }
        }
        if left.is_empty() {
            left.push(0);
        }
        elided_at = Some(left.len());
        shown = left;
        shown.extend(right.iter().rev());
    }
    let line = |out: &mut dyn Write, l: &str, m: &str, r: &str| -> io::Result<()> {
        let mut s = String::from(l);
        for (i, &c) in shown.iter().enumerate() {
            if elided_at == Some(i) {
                s.push_str(&"─".repeat(3));
                s.push_str(m);
            }
            s.push_str(&"─".repeat(widths[c] + 2));
            s.push_str(if i + 1 == shown.len() { r } else { m });
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
    let right_align: Vec<bool> = (0..n).map(numeric).collect();
    let row = |out: &mut dyn Write, vals: &[String]| -> io::Result<()> {
        let mut s = String::from("│");
        for (i, &c) in shown.iter().enumerate() {
            if elided_at == Some(i) {
                s.push_str(" … │");
            }
            let pad = widths[c] - vals[c].width();
            if right_align[c] {
                let _ = write!(s, " {}{} │", " ".repeat(pad), vals[c]);
            } else {
                let _ = write!(s, " {}{} │", vals[c], " ".repeat(pad));
            }
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
    if elided_at.is_some() {
        writeln!(
            out,
            "{} of {n} columns shown; \\x shows every column of each row",
            shown.len()
        )?;
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
