//! The push decoder: bytes of flow-log text in, Arrow record batches out.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, Int32Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};

use crate::error::{MAX_RAW_LEN, Reject, RejectReason};
use crate::format::Format;
use crate::schema::{FIELD_COUNT, FIELDS, FieldDef, FieldType, col, null_array, schema};

/// Rows per record batch unless configured otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 32 * 1024;

/// Rows a column builder is sized for before it grows.
const INITIAL_CAPACITY: usize = 1024;

/// `start`/`end` values above this are taken to be milliseconds, as some third-party tools
/// write them (spec section 1), and divided by 1000.
pub const MAX_SECONDS: i64 = i32::MAX as i64;

/// Something worth telling the user that is not a rejected line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A header named fields flowlake does not know; their values are skipped.
    UnknownFields { line: u64, names: Vec<String> },
}

/// Counters for one decoder's input.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DecodeStats {
    /// Physical lines seen, headers, blanks and rejects included.
    pub lines: u64,
    /// Records loaded into batches.
    pub records: u64,
    pub rejected: u64,
    pub headers: u64,
    /// Blank lines and `#` comment lines, skipped.
    pub skipped: u64,
}

enum Column {
    I32(Int32Builder),
    I64(Int64Builder),
    Str(StringBuilder),
}

impl Column {
    fn new(def: &FieldDef, capacity: usize) -> Self {
        match def.ty {
            FieldType::Int32 => Column::I32(Int32Builder::with_capacity(capacity)),
            FieldType::Int64 => Column::I64(Int64Builder::with_capacity(capacity)),
            FieldType::Utf8 => Column::Str(StringBuilder::with_capacity(capacity, capacity * 16)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::I32(b) => b.len(),
            Column::I64(b) => b.len(),
            Column::Str(b) => b.len(),
        }
    }

    fn pad_to(&mut self, rows: usize) {
        let n = rows - self.len();
        if n > 0 {
            match self {
                Column::I32(b) => b.append_nulls(n),
                Column::I64(b) => b.append_nulls(n),
                Column::Str(b) => (0..n).for_each(|_| b.append_null()),
            }
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::I32(b) => Arc::new(b.finish()),
            Column::I64(b) => Arc::new(b.finish()),
            Column::Str(b) => Arc::new(b.finish()),
        }
    }
}

/// Decodes flow-log text into record batches with the canonical 54-column schema.
///
/// It is a push decoder and knows nothing about files: feed it bytes with
/// [`decode`](Self::decode) in chunks of any size (lines may span chunks), call
/// [`finish`](Self::finish) at the end of the input, and take batches with
/// [`next_batch`](Self::next_batch) and rejected lines with
/// [`take_rejects`](Self::take_rejects) as you go.
///
/// The format of the lines comes from the last header line seen (AWS writes one at the top
/// of every file), else from the format the decoder was built with.
///
/// ```
/// use flowlog::Decoder;
///
/// let mut decoder = Decoder::new(None);
/// decoder.decode(b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
/// decoder.decode(b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n");
/// decoder.decode(b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n");
/// decoder.finish();
/// let batch = decoder.next_batch().unwrap();
/// assert_eq!(batch.num_rows(), 2);
/// assert_eq!(batch.num_columns(), 54);
/// assert!(decoder.take_rejects().is_empty());
/// ```
pub struct Decoder {
    format: Format,
    columns: Vec<Column>,
    /// Fields that received a value or a null in the batch being built.
    active: [bool; FIELD_COUNT],
    rows: usize,
    batch_size: usize,
    tail: Vec<u8>,
    spans: Vec<(usize, usize)>,
    ints: Vec<Option<i64>>,
    ready: VecDeque<RecordBatch>,
    rejects: Vec<Reject>,
    notices: Vec<Notice>,
    stats: DecodeStats,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("format", &self.format)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Decoder {
    /// A decoder for lines of `format` (the default v2 format when `None`) until a header
    /// line says otherwise.
    pub fn new(format: Option<Format>) -> Self {
        Self::with_batch_size(format, DEFAULT_BATCH_SIZE)
    }

    pub fn with_batch_size(format: Option<Format>, batch_size: usize) -> Self {
        let batch_size = batch_size.max(1);
        let format = format.unwrap_or_else(Format::default_v2);
        let mut decoder = Self {
            // Builders start small and grow: most inputs (AWS writes a file every five
            // minutes) hold far fewer records than a batch, and a batch's buffers keep
            // whatever capacity they were given for as long as the batch lives.
            columns: FIELDS
                .iter()
                .map(|f| Column::new(f, batch_size.min(INITIAL_CAPACITY)))
                .collect(),
            active: [false; FIELD_COUNT],
            rows: 0,
            batch_size,
            tail: Vec::new(),
            spans: Vec::with_capacity(64),
            ints: Vec::with_capacity(64),
            ready: VecDeque::new(),
            rejects: Vec::new(),
            notices: Vec::new(),
            stats: DecodeStats::default(),
            format: Format::default_v2(),
        };
        decoder.set_format(format);
        decoder
    }

    /// The format lines are currently decoded with.
    pub fn format(&self) -> &Format {
        &self.format
    }

    pub fn stats(&self) -> DecodeStats {
        self.stats
    }

    /// Decode every complete line in `buf`; an incomplete last line waits for more input.
    pub fn decode(&mut self, mut buf: &[u8]) {
        if !self.tail.is_empty() {
            let Some(nl) = memchr::memchr(b'\n', buf) else {
                self.tail.extend_from_slice(buf);
                return;
            };
            let mut tail = std::mem::take(&mut self.tail);
            tail.extend_from_slice(&buf[..nl]);
            self.line(&tail);
            tail.clear();
            self.tail = tail;
            buf = &buf[nl + 1..];
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', buf) {
            self.line(&buf[start..nl]);
            start = nl + 1;
        }
        self.tail.extend_from_slice(&buf[start..]);
    }

    /// End of input: decode a last line that has no newline and close the current batch.
    pub fn finish(&mut self) {
        if !self.tail.is_empty() {
            let tail = std::mem::take(&mut self.tail);
            self.line(&tail);
        }
        self.finish_batch();
    }

    /// End of a broken input (a truncated gzip stream, a read error): the bytes after the
    /// last newline are not a complete line, so they are rejected rather than loaded.
    pub fn finish_truncated(&mut self) {
        if !self.tail.is_empty() {
            let tail = std::mem::take(&mut self.tail);
            self.stats.lines += 1;
            self.reject(&tail, RejectReason::Truncated);
        }
        self.finish_batch();
    }

    /// Take the next complete batch, if any.
    pub fn next_batch(&mut self) -> Option<RecordBatch> {
        self.ready.pop_front()
    }

    /// Take the lines rejected so far.
    pub fn take_rejects(&mut self) -> Vec<Reject> {
        std::mem::take(&mut self.rejects)
    }

    /// Take the notices (such as unknown header fields) raised so far.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    fn set_format(&mut self, format: Format) {
        for def in format.slots().iter().flatten() {
            self.columns[def.id].pad_to(self.rows);
            self.active[def.id] = true;
        }
        self.format = format;
    }

    fn reject(&mut self, line: &[u8], reason: RejectReason) {
        self.stats.rejected += 1;
        let raw = &line[..line.len().min(MAX_RAW_LEN)];
        self.rejects.push(Reject {
            line: self.stats.lines,
            reason,
            raw: String::from_utf8_lossy(raw).into_owned(),
        });
    }

    fn line(&mut self, line: &[u8]) {
        self.stats.lines += 1;
        let line = trim(line);
        let Some(&first) = line.first() else {
            self.stats.skipped += 1;
            return;
        };
        if first == b'#' {
            self.stats.skipped += 1;
            return;
        }
        if (first.is_ascii_lowercase() || first == b'$') && Format::is_header_line(line) {
            self.header(line);
            return;
        }

        self.spans.clear();
        let mut i = 0;
        while i < line.len() {
            while i < line.len() && is_sep(line[i]) {
                i += 1;
            }
            let start = i;
            while i < line.len() && !is_sep(line[i]) {
                i += 1;
            }
            if start < i {
                self.spans.push((start, i));
            }
        }
        if self.spans.len() != self.format.len() {
            let reason = RejectReason::FieldCount {
                expected: self.format.len(),
                found: self.spans.len(),
            };
            self.reject(line, reason);
            return;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            self.reject(line, RejectReason::InvalidUtf8);
            return;
        };

        // Pass 1: check every numeric value before appending anything, so a rejected line
        // leaves no partial row behind.
        self.ints.clear();
        for (slot, &(s, e)) in self.format.slots().iter().zip(&self.spans) {
            let value = match slot {
                Some(def) if def.ty != FieldType::Utf8 => match parse_int(def, &line[s..e]) {
                    Ok(v) => v,
                    Err(reason) => {
                        self.reject(line, reason);
                        return;
                    }
                },
                _ => None,
            };
            self.ints.push(value);
        }

        // Pass 2: append.
        for ((slot, &(s, e)), value) in self.format.slots().iter().zip(&self.spans).zip(&self.ints)
        {
            let Some(def) = slot else { continue };
            match &mut self.columns[def.id] {
                Column::I32(b) => b.append_option(value.map(|v| v as i32)),
                Column::I64(b) => b.append_option(*value),
                Column::Str(b) => {
                    let token = &text[s..e];
                    if token == "-" {
                        b.append_null();
                    } else {
                        b.append_value(token);
                    }
                }
            }
        }
        self.rows += 1;
        self.stats.records += 1;
        if self.rows >= self.batch_size {
            self.finish_batch();
        }
    }

    fn header(&mut self, line: &[u8]) {
        self.stats.headers += 1;
        // is_header_line checked the tokens are ASCII names.
        let text = std::str::from_utf8(line).unwrap_or_default();
        match Format::parse(text) {
            Ok(format) => {
                if !format.unknown_fields().is_empty() {
                    self.notices.push(Notice::UnknownFields {
                        line: self.stats.lines,
                        names: format.unknown_fields().to_vec(),
                    });
                }
                if format != self.format {
                    self.set_format(format);
                }
            }
            Err(e) => self.reject(line, RejectReason::BadHeader(e)),
        }
    }

    fn finish_batch(&mut self) {
        if self.rows == 0 {
            return;
        }
        let rows = self.rows;
        let columns: Vec<ArrayRef> = FIELDS
            .iter()
            .zip(&mut self.columns)
            .map(|(def, column)| {
                if self.active[def.id] {
                    column.pad_to(rows);
                    let mut array: ArrayRef = column.finish();
                    // Builders grow by doubling; give back the slack (a realloc, usually in
                    // place) so batches held for a row group cost what they contain.
                    arrow_array::Array::shrink_to_fit(&mut array);
                    array
                } else {
                    null_array(def.ty, rows)
                }
            })
            .collect();
        let batch = RecordBatch::try_new(schema(), columns).expect("columns match the schema");
        self.ready.push_back(batch);
        self.rows = 0;
        self.active = [false; FIELD_COUNT];
        for def in self.format.slots().iter().flatten() {
            self.active[def.id] = true;
        }
    }
}

#[inline]
fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

#[inline]
fn trim(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t' | b'\r'] = line {
        line = rest;
    }
    while let [b' ' | b'\t', rest @ ..] = line {
        line = rest;
    }
    line
}

/// Parse a numeric token: `-` is NULL, otherwise decimal digits that fit the field.
#[inline]
fn parse_int(def: &FieldDef, token: &[u8]) -> Result<Option<i64>, RejectReason> {
    if token == b"-" {
        return Ok(None);
    }
    let not_int = || RejectReason::NotAnInteger {
        field: def.name,
        value: String::from_utf8_lossy(token).into_owned(),
    };
    if token.is_empty() || !token.iter().all(u8::is_ascii_digit) {
        return Err(not_int());
    }
    let (min, max) = def.range.unwrap_or(match def.ty {
        FieldType::Int32 => (0, i64::from(i32::MAX)),
        _ => (0, i64::MAX),
    });
    let out_of_range = || RejectReason::OutOfRange {
        field: def.name,
        value: String::from_utf8_lossy(token).into_owned(),
        min,
        max,
    };
    let mut v: i64 = 0;
    for &b in token {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(out_of_range)?;
    }
    if v > max {
        return Err(out_of_range());
    }
    if (def.id == col::START || def.id == col::END) && v > MAX_SECONDS {
        v /= 1000;
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int32Type, Int64Type};
    use arrow_array::{Array, RecordBatch};

    use super::*;

    const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

    fn decode_all(format: Option<Format>, input: &[u8]) -> (Vec<RecordBatch>, Decoder) {
        let mut d = Decoder::with_batch_size(format, 3);
        d.decode(input);
        d.finish();
        let mut batches = Vec::new();
        while let Some(b) = d.next_batch() {
            batches.push(b);
        }
        (batches, d)
    }

    fn str_at(b: &RecordBatch, col: usize, row: usize) -> Option<&str> {
        let a = b.column(col).as_string::<i32>();
        a.is_valid(row).then(|| a.value(row))
    }

    fn i64_at(b: &RecordBatch, col: usize, row: usize) -> Option<i64> {
        let a = b.column(col).as_primitive::<Int64Type>();
        a.is_valid(row).then(|| a.value(row))
    }

    fn i32_at(b: &RecordBatch, col: usize, row: usize) -> Option<i32> {
        let a = b.column(col).as_primitive::<Int32Type>();
        a.is_valid(row).then(|| a.value(row))
    }

    #[test]
    fn default_format_and_dash_is_null() {
        let input = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
                     2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n";
        let (batches, d) = decode_all(None, input.as_bytes());
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.schema(), schema());
        assert_eq!(i32_at(b, col::VERSION, 0), Some(2));
        assert_eq!(str_at(b, col::ACCOUNT_ID, 0), Some("123456789010"));
        assert_eq!(i32_at(b, col::DSTPORT, 0), Some(22));
        assert_eq!(i64_at(b, col::BYTES, 0), Some(4249));
        assert_eq!(i64_at(b, col::END, 0), Some(1_418_530_070));
        assert_eq!(str_at(b, col::ACTION, 0), Some("ACCEPT"));
        assert_eq!(str_at(b, col::SRCADDR, 1), None);
        assert_eq!(i32_at(b, col::PROTOCOL, 1), None);
        assert_eq!(i64_at(b, col::PACKETS, 1), None);
        assert_eq!(str_at(b, col::LOG_STATUS, 1), Some("NODATA"));
        // Fields absent from the format are NULL columns.
        assert_eq!(b.column(14).null_count(), 2);
        assert_eq!(d.stats().records, 2);
    }

    #[test]
    fn header_sets_the_format_and_lines_span_chunks() {
        let input = "srcaddr bytes\n10.0.0.1 100\n10.0.0.2 200\n";
        let mut d = Decoder::new(None);
        for chunk in input.as_bytes().chunks(3) {
            d.decode(chunk);
        }
        d.finish();
        let b = d.next_batch().unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(str_at(&b, col::SRCADDR, 1), Some("10.0.0.2"));
        assert_eq!(i64_at(&b, col::BYTES, 1), Some(200));
        assert_eq!(i32_at(&b, col::VERSION, 0), None);
        assert_eq!(d.stats().headers, 1);
    }

    #[test]
    fn tolerates_runs_of_spaces_tabs_trailing_space_and_crlf() {
        let input = format!(
            "{HEADER}\r\n2  123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK \r\n\t2 123 eni-1 1.1.1.1\t2.2.2.2 1 2 6 3 4 5 6 REJECT OK"
        );
        let (batches, d) = decode_all(None, input.as_bytes());
        assert!(d.rejects.is_empty(), "{:?}", d.rejects);
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2);
        assert_eq!(str_at(b, col::LOG_STATUS, 0), Some("OK"));
        assert_eq!(str_at(b, col::ACTION, 1), Some("REJECT"));
        assert_eq!(str_at(b, col::DSTADDR, 1), Some("2.2.2.2"));
    }

    #[test]
    fn rejects_name_line_field_value_and_reason() {
        let input = format!(
            "{HEADER}\n\
             2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK\n\
             2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 abc 4 5 6 ACCEPT OK\n\
             2 123 eni-1 1.1.1.1 2.2.2.2 1 70000 6 3 4 5 6 ACCEPT OK\n\
             2 123 eni-1\n\
             2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 20.5 5 6 ACCEPT OK\n\
             2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 99999999999999999999 5 6 ACCEPT OK\n\
             2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK\n"
        );
        let (batches, mut d) = decode_all(None, input.as_bytes());
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 2);
        let rejects: Vec<String> = d.take_rejects().iter().map(ToString::to_string).collect();
        assert_eq!(
            rejects,
            [
                "line 3: field `packets`: `abc` is not an integer",
                "line 4: field `dstport`: `70000` is outside 0..=65535",
                "line 5: expected 14 fields, found 3",
                "line 6: field `bytes`: `20.5` is not an integer",
                "line 7: field `bytes`: `99999999999999999999` is outside 0..=9223372036854775807",
            ]
        );
        assert_eq!(d.stats().rejected, 5);
    }

    #[test]
    fn rejected_line_keeps_its_raw_text() {
        let (_, mut d) = decode_all(None, b"not a flow log\n");
        let r = d.take_rejects();
        assert_eq!(r[0].raw, "not a flow log");
        assert_eq!(r[0].line, 1);
    }

    #[test]
    fn invalid_utf8_is_rejected() {
        let (_, mut d) = decode_all(Some(Format::parse("srcaddr").unwrap()), b"ok\n\xff\xfe\n");
        let r = d.take_rejects();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].reason, RejectReason::InvalidUtf8);
        assert_eq!(d.stats().records, 1);
    }

    #[test]
    fn unknown_header_fields_are_skipped_and_reported_once() {
        let input = "tgw-id srcaddr packets-lost-mtu-exceeded bytes\ntgw-1 10.0.0.1 0 50\ntgw-1 10.0.0.2 1 60\n";
        let (batches, mut d) = decode_all(None, input.as_bytes());
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2);
        assert_eq!(i64_at(b, col::BYTES, 1), Some(60));
        assert_eq!(
            d.take_notices(),
            [Notice::UnknownFields {
                line: 1,
                names: vec!["tgw-id".into(), "packets-lost-mtu-exceeded".into()]
            }]
        );
    }

    #[test]
    fn format_can_change_mid_batch() {
        // Two concatenated files of different formats: columns line up, absent ones NULL.
        let input = "srcaddr bytes\n10.0.0.1 100\ndstaddr packets\n10.0.0.9 7\n";
        let mut d = Decoder::new(None);
        d.decode(input.as_bytes());
        d.finish();
        let b = d.next_batch().unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(str_at(&b, col::SRCADDR, 0), Some("10.0.0.1"));
        assert_eq!(str_at(&b, col::SRCADDR, 1), None);
        assert_eq!(str_at(&b, col::DSTADDR, 0), None);
        assert_eq!(str_at(&b, col::DSTADDR, 1), Some("10.0.0.9"));
        assert_eq!(i64_at(&b, col::PACKETS, 1), Some(7));
        assert_eq!(i64_at(&b, col::BYTES, 1), None);
    }

    #[test]
    fn batches_split_at_batch_size() {
        let line = "2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK\n";
        let (batches, _) = decode_all(None, line.repeat(7).as_bytes());
        let sizes: Vec<_> = batches.iter().map(RecordBatch::num_rows).collect();
        assert_eq!(sizes, [3, 3, 1]);
    }

    #[test]
    fn milliseconds_become_seconds() {
        let f = Format::parse("start end").unwrap();
        let (batches, _) = decode_all(
            Some(f),
            b"1512564058000 1512564059000\n1512564058 2147483647\n",
        );
        let b = &batches[0];
        assert_eq!(i64_at(b, col::START, 0), Some(1_512_564_058));
        assert_eq!(i64_at(b, col::END, 0), Some(1_512_564_059));
        assert_eq!(i64_at(b, col::END, 1), Some(2_147_483_647));
    }

    #[test]
    fn truncated_tail_is_rejected_not_loaded() {
        let line = "2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK\n";
        let mut d = Decoder::new(None);
        d.decode(format!("{line}2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5").as_bytes());
        d.finish_truncated();
        assert_eq!(d.next_batch().unwrap().num_rows(), 1);
        let r = d.take_rejects();
        assert_eq!(
            r[0].to_string(),
            "line 2: the input ends in the middle of this line"
        );
    }

    #[test]
    fn small_inputs_make_small_batches_and_absent_columns_share_one_buffer() {
        let line = "2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK\n";
        let (batches, _) = decode_all(None, line.repeat(2).as_bytes());
        let mut d = Decoder::new(None);
        d.decode(line.repeat(2).as_bytes());
        d.finish();
        let b = d.next_batch().unwrap();
        assert_eq!(b.num_rows(), batches[0].num_rows());
        // A two-row batch must not carry buffers sized for a full 32 Ki-row batch.
        let present: usize = b.columns()[..14]
            .iter()
            .map(Array::get_array_memory_size)
            .sum();
        assert!(present < 256 * 1024, "{present} bytes for two rows");
        // The 40 absent columns are slices of shared NULL arrays, not 40 allocations.
        let vpc = b.column(14).to_data();
        let subnet = b.column(15).to_data();
        assert_eq!(vpc.buffers()[0].as_ptr(), subnet.buffers()[0].as_ptr());
    }

    #[test]
    fn blank_and_comment_lines_are_skipped() {
        let (batches, d) = decode_all(None, b"\n# comment\n   \n\t\n");
        assert!(batches.is_empty());
        assert_eq!(d.stats().skipped, 4);
        assert_eq!(d.stats().rejected, 0);
    }
}
