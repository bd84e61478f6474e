//! Errors: a format that cannot be used, and the reasons a line is rejected.

use std::fmt;

/// A format string or header line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    #[error("the format names no fields")]
    Empty,
    #[error("field `{0}` appears twice in the format")]
    Duplicate(String),
    #[error("`{0}` is not a field name")]
    BadName(String),
    #[error("the format names no known field ({0})")]
    NoKnownField(String),
}

/// Why one line was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The line has a different number of fields from its format.
    FieldCount { expected: usize, found: usize },
    /// A numeric field holds something that is not a non-negative integer.
    NotAnInteger { field: &'static str, value: String },
    /// A numeric field's value does not fit its type or its documented range.
    OutOfRange {
        field: &'static str,
        value: String,
        min: i64,
        max: i64,
    },
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// A header line that cannot be used as a format.
    BadHeader(FormatError),
    /// The input ended in the middle of this line (a truncated file).
    Truncated,
    /// The line follows a header that could not be used (on line `header`): decoding it
    /// with any other format would put values in the wrong columns.
    UnusableHeader { header: u64 },
    /// The line is longer than the decoder's limit; only its first bytes are kept.
    TooLong { limit: usize },
    /// A line of a CloudWatch Logs export without the event time that starts every line.
    NoEventTime,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::FieldCount { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            RejectReason::NotAnInteger { field, value } => {
                write!(f, "field `{field}`: `{value}` is not an integer")
            }
            RejectReason::OutOfRange {
                field,
                value,
                min,
                max,
            } => write!(f, "field `{field}`: `{value}` is outside {min}..={max}"),
            RejectReason::InvalidUtf8 => f.write_str("the line is not valid UTF-8"),
            RejectReason::BadHeader(e) => write!(f, "unusable header line: {e}"),
            RejectReason::Truncated => f.write_str("the input ends in the middle of this line"),
            RejectReason::UnusableHeader { header } => write!(
                f,
                "follows the unusable header line {header}; not decoded with another format"
            ),
            RejectReason::TooLong { limit } => {
                write!(f, "the line is longer than {limit} bytes (--max-line-length)")
            }
            RejectReason::NoEventTime => f.write_str(
                "no event time at the start of the line, as every line of a CloudWatch Logs export has",
            ),
        }
    }
}

impl RejectReason {
    /// The field the reason names, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            RejectReason::NotAnInteger { field, .. } | RejectReason::OutOfRange { field, .. } => {
                Some(field)
            }
            _ => None,
        }
    }
}

/// A line the decoder did not load, with everything needed to find and fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// 1-based line number within the input.
    pub line: u64,
    pub reason: RejectReason,
    /// The raw line (lossily decoded, at most [`MAX_RAW_LEN`] bytes).
    pub raw: String,
}

/// Longest raw line kept in a [`Reject`]; longer lines are cut (a binary file fed by
/// mistake must not fill memory with one "line").
pub const MAX_RAW_LEN: usize = 4096;

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}
