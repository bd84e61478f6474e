//! The push decoder: bytes of flow-log text in, Arrow record batches out.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, Int32Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};

use crate::error::{MAX_RAW_LEN, Reject, RejectReason};
use crate::format::Format;
use crate::schema::{FieldDef, FieldType, RecordKind, null_array};

/// Rows per record batch unless configured otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 32 * 1024;

/// Rows a column builder is sized for before it grows.
const INITIAL_CAPACITY: usize = 1024;

/// Longest line decoded unless configured otherwise: 1 MiB. A flow-log record is at most a
/// few KiB (54 fields, tags included); a longer "line" is a file that is not flow-log
/// text, and holding it whole would make memory depend on the input.
pub const DEFAULT_MAX_LINE: usize = 1024 * 1024;

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
    /// The kind of record (VPC or transit gateway) the columns are built for.
    kind: RecordKind,
    /// Fields that received a value or a null in the batch being built.
    active: Vec<bool>,
    rows: usize,
    batch_size: usize,
    tail: Vec<u8>,
    spans: Vec<(usize, usize)>,
    ints: Vec<Option<i64>>,
    ready: VecDeque<RecordBatch>,
    rejects: Vec<Reject>,
    notices: Vec<Notice>,
    stats: DecodeStats,
    /// Lines longer than this are rejected without being held whole.
    max_line: usize,
    /// Inside a line already rejected as too long: bytes are dropped until its newline.
    skipping: bool,
    /// The line of a header that could not be used; the lines it governs are rejected
    /// until the next usable header.
    unusable_header: Option<u64>,
    /// Lines start with a CloudWatch Logs event time (`2026-01-01T00:01:00.000Z `), as in
    /// an export; `None` until the first record line decides it.
    event_time: Option<bool>,
    /// Stop at the first content line if it is neither a header nor a record.
    strict_start: bool,
    /// Set when `strict_start` found that the input is not flow-log text.
    not_flow_log: Option<Reject>,
    /// Whether a header or a record line has been seen.
    started: bool,
    /// Bytes given to `decode` so far.
    fed: u64,
    /// The last whole line taken (without its newline), for [`Self::last_line_hash`].
    last_line: Vec<u8>,
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
            columns: Vec::new(),
            kind: RecordKind::Vpc,
            active: Vec::new(),
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
            max_line: DEFAULT_MAX_LINE,
            skipping: false,
            unusable_header: None,
            event_time: None,
            strict_start: false,
            not_flow_log: None,
            started: false,
            fed: 0,
            last_line: Vec::new(),
        };
        decoder.set_format(format);
        decoder
    }

    /// Reject lines longer than `bytes` (at least 1 KiB) instead of holding them whole.
    pub fn set_max_line(&mut self, bytes: usize) {
        self.max_line = bytes.max(1024);
    }

    /// Lines carry a CloudWatch Logs event time before the record (`true`, as an export
    /// task writes them) or not (`false`). Without a call, the first record line decides.
    pub fn set_event_time(&mut self, on: bool) {
        self.event_time = Some(on);
    }

    /// Treat an input whose first line is neither a header nor a record of the format as
    /// not flow-log text at all: decoding stops there, and
    /// [`not_flow_log`](Self::not_flow_log) says why, instead of one reject per line.
    pub fn set_strict_start(&mut self, on: bool) {
        self.strict_start = on;
    }

    /// Why the input is not flow-log text, when [`set_strict_start`](Self::set_strict_start)
    /// found so: the first content line and what was wrong with it.
    pub fn not_flow_log(&self) -> Option<&Reject> {
        self.not_flow_log.as_ref()
    }

    /// Bytes of input taken as whole lines so far (loaded, rejected or skipped): where a
    /// later decoder of the same input, grown since, resumes. After
    /// [`finish`](Self::finish), every byte given.
    pub fn consumed_bytes(&self) -> u64 {
        self.fed - self.tail.len() as u64
    }

    /// Count `n` lines that were read elsewhere (the part of an input converted before),
    /// so the line numbers of rejects stay those of the input.
    pub fn skip_lines(&mut self, n: u64) {
        self.stats.lines += n;
        self.started = true;
    }

    /// The format lines are currently decoded with.
    pub fn format(&self) -> &Format {
        &self.format
    }

    pub fn stats(&self) -> DecodeStats {
        self.stats
    }

    /// Decode every complete line in `buf`; an incomplete last line waits for more input
    /// (at most the line limit of it is held).
    pub fn decode(&mut self, mut buf: &[u8]) {
        if self.not_flow_log.is_some() {
            return;
        }
        self.fed += buf.len() as u64;
        if self.skipping {
            let Some(nl) = memchr::memchr(b'\n', buf) else {
                return;
            };
            self.skipping = false;
            buf = &buf[nl + 1..];
        }
        if !self.tail.is_empty() {
            let Some(nl) = memchr::memchr(b'\n', buf) else {
                self.tail.extend_from_slice(buf);
                self.check_tail();
                return;
            };
            let mut tail = std::mem::take(&mut self.tail);
            tail.extend_from_slice(&buf[..nl]);
            self.line(&tail);
            self.last_line.clear();
            self.last_line.extend_from_slice(&tail);
            tail.clear();
            self.tail = tail;
            buf = &buf[nl + 1..];
        }
        let mut start = 0;
        let mut last = None;
        for nl in memchr::memchr_iter(b'\n', buf) {
            if self.not_flow_log.is_some() {
                return;
            }
            self.line(&buf[start..nl]);
            last = Some(start..nl);
            start = nl + 1;
        }
        if let Some(last) = last {
            self.last_line.clear();
            self.last_line.extend_from_slice(&buf[last]);
        }
        self.tail.extend_from_slice(&buf[start..]);
        self.check_tail();
    }

    /// Take `line` as the last whole line so far (one read elsewhere, before this decoder
    /// was given the rest of the input).
    pub fn set_last_line(&mut self, line: &[u8]) {
        self.last_line.clear();
        self.last_line.extend_from_slice(line);
    }

    /// A hash (FNV-1a, 63 bits) of the last whole line taken, without its newline: a later
    /// decoder of the same input, grown since, checks it still ends its part there.
    pub fn last_line_hash(&self) -> i64 {
        line_hash(&self.last_line)
    }

    /// A partial line already over the limit is rejected now, and the rest of it dropped
    /// as it arrives.
    fn check_tail(&mut self) {
        if self.tail.len() > self.max_line {
            let tail = std::mem::take(&mut self.tail);
            self.stats.lines += 1;
            self.reject(
                &tail,
                RejectReason::TooLong {
                    limit: self.max_line,
                },
            );
            self.skipping = true;
        }
    }

    /// End of input: decode a last line that has no newline and close the current batch.
    pub fn finish(&mut self) {
        if !self.tail.is_empty() && self.not_flow_log.is_none() {
            let tail = std::mem::take(&mut self.tail);
            self.line(&tail);
            self.last_line.clone_from(&tail);
        }
        self.finish_batch();
    }

    /// End of a broken input (a truncated gzip stream, a read error): the bytes after the
    /// last newline are not a complete line, so they are rejected rather than loaded.
    pub fn finish_truncated(&mut self) {
        if !self.tail.is_empty() && self.not_flow_log.is_none() {
            let tail = std::mem::take(&mut self.tail);
            // Not consumed: a later decoder of the grown input reads this line whole.
            self.fed -= tail.len() as u64;
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
        if format.kind() != self.kind || self.columns.is_empty() {
            // Records of the other table: close this batch, build the other columns.
            self.finish_batch();
            self.kind = format.kind();
            let capacity = self.batch_size.min(INITIAL_CAPACITY);
            self.columns = self
                .kind
                .fields()
                .iter()
                .map(|f| Column::new(f, capacity))
                .collect();
            self.active = vec![false; self.columns.len()];
        }
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
        if line.len() > self.max_line {
            self.reject(
                line,
                RejectReason::TooLong {
                    limit: self.max_line,
                },
            );
            return;
        }
        let mut line = trim(line);
        if self.stats.lines == 1 {
            // A byte-order mark (an editor's, or a Windows tool's) before the header.
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let Some(&first) = line.first() else {
            self.stats.skipped += 1;
            return;
        };
        if first == b'#' {
            self.stats.skipped += 1;
            return;
        }
        if (first.is_ascii_lowercase() || first == b'$') && Format::is_header_line(line) {
            self.started = true;
            self.header(line);
            return;
        }
        if let Some(header) = self.unusable_header {
            self.reject(line, RejectReason::UnusableHeader { header });
            return;
        }
        let event_time = *self
            .event_time
            .get_or_insert_with(|| starts_with_event_time(line));
        if event_time {
            match line.iter().position(|b| is_sep(*b)) {
                Some(end) if is_event_time(&line[..end]) => line = trim(&line[end..]),
                _ => {
                    if self.strict_start && !self.started {
                        // A forced export whose first line has no event time: not one.
                        self.not_flow_log = Some(Reject {
                            line: self.stats.lines,
                            reason: RejectReason::NoEventTime,
                            raw: String::from_utf8_lossy(&line[..line.len().min(MAX_RAW_LEN)])
                                .into_owned(),
                        });
                        return;
                    }
                    self.started = true;
                    self.reject(line, RejectReason::NoEventTime);
                    return;
                }
            }
        }
        let strict = self.strict_start && !self.started;
        self.started = true;
        let rejected = self.stats.rejected;
        self.record(line);
        // Not flow-log text: the first line does not have the format's shape (a value
        // out of range in a line of the right shape is a bad record, not another file).
        if strict
            && self.stats.rejected > rejected
            && self.rejects.last().is_some_and(|r| {
                matches!(
                    r.reason,
                    RejectReason::FieldCount { .. } | RejectReason::InvalidUtf8
                )
            })
        {
            self.not_flow_log = self.rejects.pop();
            self.stats.rejected -= 1;
        }
    }

    /// Close the batch being built, so the rows decoded so far can be taken with
    /// [`next_batch`](Self::next_batch) (and routed apart from the rows that follow).
    pub fn flush(&mut self) {
        self.finish_batch();
    }

    /// Decode one record line (trimmed, event time removed).
    fn record(&mut self, line: &[u8]) {
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
                self.unusable_header = None;
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
            Err(e) => {
                self.reject(line, RejectReason::BadHeader(e));
                self.unusable_header = Some(self.stats.lines);
            }
        }
    }

    fn finish_batch(&mut self) {
        if self.rows == 0 {
            return;
        }
        let rows = self.rows;
        let columns: Vec<ArrayRef> = self
            .kind
            .fields()
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
        let batch =
            RecordBatch::try_new(self.kind.schema(), columns).expect("columns match the schema");
        self.ready.push_back(batch);
        self.rows = 0;
        self.active.fill(false);
        for def in self.format.slots().iter().flatten() {
            self.active[def.id] = true;
        }
    }
}

/// FNV-1a of `line`, in 63 bits (a non-negative `i64`, as Delta's `txn` versions are).
pub fn line_hash(line: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in line {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 1) as i64
}

/// Does the line start with a CloudWatch Logs event time and a space?
fn starts_with_event_time(line: &[u8]) -> bool {
    line.iter()
        .position(|b| is_sep(*b))
        .is_some_and(|end| is_event_time(&line[..end]))
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, the ISO-8601 UTC time CloudWatch Logs writes before each
/// event of an export (`aws logs create-export-task`).
fn is_event_time(token: &[u8]) -> bool {
    let digits = |r: std::ops::Range<usize>| {
        token
            .get(r)
            .is_some_and(|t| t.iter().all(u8::is_ascii_digit))
    };
    token.len() >= 20
        && digits(0..4)
        && token[4] == b'-'
        && digits(5..7)
        && token[7] == b'-'
        && digits(8..10)
        && token[10] == b'T'
        && digits(11..13)
        && token[13] == b':'
        && digits(14..16)
        && token[16] == b':'
        && digits(17..19)
        && token.last() == Some(&b'Z')
        && token[19..token.len() - 1]
            .strip_prefix(b".")
            .map_or(token.len() == 20, |frac| {
                frac.iter().all(u8::is_ascii_digit)
            })
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
    if token.is_empty() {
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
    if token.len() <= 18 {
        // Eighteen digits cannot overflow an i64: one pass, no overflow checks.
        for &b in token {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return Err(not_int());
            }
            v = v * 10 + i64::from(d);
        }
    } else {
        if !token.iter().all(u8::is_ascii_digit) {
            return Err(not_int());
        }
        for &b in token {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(b - b'0')))
                .ok_or_else(out_of_range)?;
        }
    }
    if v > max {
        return Err(out_of_range());
    }
    if def.seconds && v > MAX_SECONDS {
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
    use crate::schema::{col, schema};

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
        let input = "future-a srcaddr future-b bytes\nx 10.0.0.1 0 50\nx 10.0.0.2 1 60\n";
        let (batches, mut d) = decode_all(None, input.as_bytes());
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2);
        assert_eq!(i64_at(b, col::BYTES, 1), Some(60));
        assert_eq!(
            d.take_notices(),
            [Notice::UnknownFields {
                line: 1,
                names: vec!["future-a".into(), "future-b".into()]
            }]
        );
    }

    #[test]
    fn transit_gateway_records_make_transit_gateway_batches() {
        let tgw = "version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service\n\
            6 TransitGateway 444455556666 tgw-0fedcba9876543210 tgw-attach-01234abcd5678ef90 444455556666 777788889999 vpc-0aa11bb22cc33dd44 vpc-0ee55ff66aa77bb88 subnet-0aa11bb22cc33dd44 subnet-0ee55ff66aa77bb88 eni-0aa11bb22cc33dd44 eni-0ee55ff66aa77bb88 euw1-az1 euw1-az3 - 172.31.4.9 10.20.3.8 51516 5432 6 1 60 1767225600 1767225660 OK IPv4 1 0 0 0 2 eu-west-1 ingress - -\n";
        // A VPC file concatenated after it: its records go to a batch of their own.
        let input = format!("{tgw}{HEADER}\n2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK\n");
        let (batches, mut d) = decode_all(None, input.as_bytes());
        assert!(d.take_rejects().is_empty());
        assert!(d.take_notices().is_empty());
        assert_eq!(batches.len(), 2);
        let t = &batches[0];
        assert_eq!(
            RecordKind::of(&t.schema()),
            Some(RecordKind::TransitGateway)
        );
        assert_eq!(t.num_columns(), 36);
        let by_name = |b: &RecordBatch, n: &str| b.schema().index_of(n).unwrap();
        assert_eq!(
            str_at(t, by_name(t, "tgw_attachment_id"), 0),
            Some("tgw-attach-01234abcd5678ef90")
        );
        assert_eq!(str_at(t, by_name(t, "tgw_pair_attachment_id"), 0), None);
        assert_eq!(i64_at(t, by_name(t, "packets_lost_no_route"), 0), Some(1));
        assert_eq!(i64_at(t, by_name(t, "bytes"), 0), Some(60));
        assert_eq!(i32_at(t, by_name(t, "tcp_flags"), 0), Some(2));
        assert_eq!(str_at(t, by_name(t, "flow_direction"), 0), Some("ingress"));
        assert_eq!(RecordKind::of(&batches[1].schema()), Some(RecordKind::Vpc));
        assert_eq!(batches[1].num_rows(), 1);
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

    #[test]
    fn a_byte_order_mark_does_not_hide_the_header() {
        let input = "\u{feff}srcaddr bytes\n10.0.0.1 5\n";
        let (batches, d) = decode_all(None, input.as_bytes());
        assert_eq!(d.stats().headers, 1);
        assert_eq!(i64_at(&batches[0], col::BYTES, 0), Some(5));
    }

    #[test]
    fn lines_after_an_unusable_header_are_rejected_not_decoded_with_another_format() {
        let input = "srcaddr bytes\n10.0.0.1 5\nsrcaddr srcaddr\n10.0.0.2 6\n10.0.0.3 7\nbytes srcaddr\n8 10.0.0.4\n";
        let (batches, mut d) = decode_all(None, input.as_bytes());
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 2);
        let rejects: Vec<String> = d.take_rejects().iter().map(ToString::to_string).collect();
        assert_eq!(
            rejects,
            [
                "line 3: unusable header line: field `srcaddr` appears twice in the format",
                "line 4: follows the unusable header line 3; not decoded with another format",
                "line 5: follows the unusable header line 3; not decoded with another format",
            ]
        );
        let b = &batches[0];
        assert_eq!(str_at(b, col::SRCADDR, 1), Some("10.0.0.4"));
        assert_eq!(i64_at(b, col::BYTES, 1), Some(8));
    }

    #[test]
    fn long_lines_are_rejected_without_being_held() {
        let mut d = Decoder::with_batch_size(Some(Format::parse("srcaddr").unwrap()), 8);
        d.set_max_line(2048);
        d.decode(b"10.0.0.1\n");
        // A 1 MiB line in small chunks: never more than the limit (and a chunk) is held.
        for _ in 0..256 {
            d.decode(&[b'x'; 4096]);
            assert!(d.tail.len() <= 2048 + 4096);
        }
        d.decode(b"yyy\n10.0.0.2\n");
        // A long line inside one chunk is rejected too.
        let mut one = vec![b'z'; 5000];
        one.extend_from_slice(b"\n10.0.0.3\n");
        d.decode(&one);
        d.finish();
        let b = d.next_batch().unwrap();
        assert_eq!(b.num_rows(), 3);
        assert_eq!(str_at(&b, col::SRCADDR, 2), Some("10.0.0.3"));
        let rejects = d.take_rejects();
        let lines: Vec<(u64, String)> = rejects
            .iter()
            .map(|r| (r.line, r.reason.to_string()))
            .collect();
        let reason = "the line is longer than 2048 bytes (--max-line-length)".to_string();
        assert_eq!(lines, [(2, reason.clone()), (4, reason)]);
        assert!(rejects.iter().all(|r| r.raw.len() <= MAX_RAW_LEN));
        assert_eq!(d.stats().lines, 5);
    }

    #[test]
    fn cloudwatch_export_lines_lose_their_event_time() {
        let input = "2026-01-01T00:01:00.000Z 2 444455556666 eni-1 10.20.3.1 203.0.113.41 443 60001 6 4 200 1767225600 1767225660 ACCEPT OK\n\
                     2026-01-01T00:02:00Z 2 444455556666 eni-2 10.20.3.2 203.0.113.42 443 60002 6 4 400 1767225600 1767225660 ACCEPT OK\n\
                     2 444455556666 eni-3 10.20.3.3 203.0.113.43 443 60003 6 4 600 1767225600 1767225660 ACCEPT OK\n";
        let (batches, mut d) = decode_all(None, input.as_bytes());
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 2);
        assert_eq!(i64_at(&batches[0], col::BYTES, 1), Some(400));
        assert_eq!(
            str_at(&batches[0], col::ACCOUNT_ID, 0),
            Some("444455556666")
        );
        let r = d.take_rejects();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].reason, RejectReason::NoEventTime);
        // Plain lines are not taken for an export, and a forced export needs the time.
        let (batches, _) = decode_all(None, &input.as_bytes()[input.rfind("2 4444").unwrap()..]);
        assert_eq!(batches[0].num_rows(), 1);
        assert!(!is_event_time(b"2026-01-01T00:01:00.000"));
        assert!(!is_event_time(b"2026-01-01 00:01:00Z"));
        assert!(is_event_time(b"2026-01-01T00:01:00.123456Z"));
    }

    #[test]
    fn strict_start_stops_at_a_first_line_that_is_not_flow_log_text() {
        let mut d = Decoder::new(None);
        d.set_strict_start(true);
        d.decode(b"{\"manifest\": true,\n \"files\": []}\nmore\nlines\n");
        d.finish();
        let why = d.not_flow_log().unwrap();
        assert_eq!(why.line, 1);
        assert_eq!(why.to_string(), "line 1: expected 14 fields, found 2");
        assert!(d.take_rejects().is_empty());
        assert_eq!(d.stats().rejected, 0);
        assert!(d.next_batch().is_none());
        // A bad record after a good start is an ordinary reject.
        let mut d = Decoder::new(None);
        d.set_strict_start(true);
        d.decode(b"# comment\n\n2 123 eni-1 1.1.1.1 2.2.2.2 1 2 6 3 4 5 6 ACCEPT OK\nbad\n");
        d.finish();
        assert!(d.not_flow_log().is_none());
        assert_eq!(d.take_rejects().len(), 1);
        assert_eq!(d.next_batch().unwrap().num_rows(), 1);
    }
}
