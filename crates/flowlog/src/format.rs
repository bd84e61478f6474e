//! Record formats: which field each space-separated token of a line holds.

use std::fmt;

use crate::error::FormatError;
use crate::schema::{DEFAULT_FORMAT, FieldDef, RecordKind, field_by_name};

/// The field layout of a flow log: one entry per token of a record line.
///
/// A slot is `None` for a field this version of flowlake does not know (one AWS adds
/// later). Its tokens are skipped so the known fields still load. A format naming any
/// transit-gateway-only field (`tgw-id`, `packets-lost-*` ...) is a transit gateway flow
/// log's: its records belong to `tgw_flow_logs`, with [`TGW_FIELDS`](crate::TGW_FIELDS).
#[derive(Clone, PartialEq, Eq)]
pub struct Format {
    kind: RecordKind,
    slots: Vec<Option<&'static FieldDef>>,
    unknown: Vec<String>,
}

impl Format {
    /// The default format (version 2).
    pub fn default_v2() -> Self {
        Self::from_names(DEFAULT_FORMAT.iter().copied()).expect("default format is valid")
    }

    /// Parse a format as a user writes it: AWS's `${version} ${srcaddr} ...` or plain names
    /// (`version srcaddr ...`), hyphens or underscores, separated by spaces or commas.
    pub fn parse(spec: &str) -> Result<Self, FormatError> {
        Self::from_names(
            spec.split(|c: char| c.is_ascii_whitespace() || c == ',')
                .filter(|t| !t.is_empty()),
        )
    }

    /// Build a format from a header line's tokens. Unknown names become skipped slots.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, FormatError> {
        let names: Vec<&str> = names.into_iter().collect();
        let kind = RecordKind::of_names(names.iter().copied());
        let mut slots = Vec::new();
        let mut unknown = Vec::new();
        let mut seen = vec![false; kind.fields().len()];
        for name in names {
            let def = kind.field(name);
            match def {
                Some(def) if seen[def.id] => {
                    return Err(FormatError::Duplicate(def.name.to_string()));
                }
                Some(def) => seen[def.id] = true,
                None => {
                    let bare = name
                        .strip_prefix("${")
                        .and_then(|n| n.strip_suffix('}'))
                        .unwrap_or(name);
                    if !is_name_token(bare.as_bytes()) {
                        return Err(FormatError::BadName(name.to_string()));
                    }
                    unknown.push(bare.to_string());
                }
            }
            slots.push(def);
        }
        if slots.is_empty() {
            return Err(FormatError::Empty);
        }
        if slots.iter().all(Option::is_none) {
            return Err(FormatError::NoKnownField(unknown.join(" ")));
        }
        Ok(Self {
            kind,
            slots,
            unknown,
        })
    }

    /// Which flow log (and table) the records of this format belong to.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// Is this line (trimmed) a header line rather than a record?
    ///
    /// Headers are the field names of the format. A line is one when every token is
    /// spelled like a field name and at least one is a field flowlake knows. Records never
    /// qualify: they carry numbers, addresses or `-` in at least one position, and resource
    /// ids (`eni-0a1b`) are not field names.
    pub fn is_header_line(line: &[u8]) -> bool {
        let mut known = false;
        let mut any = false;
        for token in line
            .split(|b| *b == b' ' || *b == b'\t')
            .filter(|t| !t.is_empty())
        {
            any = true;
            // Lenient about `${`/`}` (a format string with a brace missing is still a
            // header, an unusable one), strict about the name.
            let bare = token.strip_prefix(b"${").unwrap_or(token);
            let bare = bare.strip_suffix(b"}").unwrap_or(bare);
            if !is_name_token(bare) {
                return false;
            }
            if !known {
                known = std::str::from_utf8(bare).ok().is_some_and(|n| {
                    field_by_name(n).is_some() || RecordKind::TransitGateway.field(n).is_some()
                });
            }
        }
        any && known
    }

    /// Number of tokens a record of this format has.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The field each token holds, `None` for a skipped (unknown) one.
    pub fn slots(&self) -> &[Option<&'static FieldDef>] {
        &self.slots
    }

    /// Names in the format that flowlake does not know; their values are skipped.
    pub fn unknown_fields(&self) -> &[String] {
        &self.unknown
    }

    /// The highest flow-log version among the known fields.
    pub fn version(&self) -> u8 {
        self.slots
            .iter()
            .flatten()
            .map(|f| f.version)
            .max()
            .unwrap_or(2)
    }
}

impl fmt::Display for Format {
    /// Writes the format as AWS's header line spells it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut unknown = self.unknown.iter();
        for (i, slot) in self.slots.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match slot {
                Some(def) => f.write_str(def.name)?,
                None => f.write_str(unknown.next().map_or("?", String::as_str))?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Format({self})")
    }
}

/// `[a-z][a-z0-9_-]*`: how every flow-log field name is spelled.
fn is_name_token(t: &[u8]) -> bool {
    match t.split_first() {
        Some((first, rest)) => {
            first.is_ascii_lowercase()
                && rest.iter().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_'
                })
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::col;

    #[test]
    fn parses_aws_and_plain_spellings() {
        let aws = Format::parse("${version} ${account-id} ${log-status}").unwrap();
        let plain = Format::parse("version account_id,log-status").unwrap();
        assert_eq!(aws, plain);
        assert_eq!(aws.slots()[2].unwrap().id, col::LOG_STATUS);
        assert_eq!(aws.to_string(), "version account-id log-status");
    }

    #[test]
    fn unknown_fields_are_kept_as_skipped_slots() {
        let f = Format::parse("future-field srcaddr").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f.kind(), RecordKind::Vpc);
        assert_eq!(f.unknown_fields(), ["future-field"]);
        assert!(f.slots()[0].is_none());
        assert_eq!(f.to_string(), "future-field srcaddr");
    }

    #[test]
    fn transit_gateway_formats() {
        let f = Format::parse("resource-type tgw-id srcaddr packets-lost-blackhole").unwrap();
        assert_eq!(f.kind(), RecordKind::TransitGateway);
        assert!(f.unknown_fields().is_empty());
        assert_eq!(f.slots()[3].unwrap().column, "packets_lost_blackhole");
        assert!(Format::is_header_line(
            b"resource-type tgw-id tgw-attachment-id"
        ));
        // A VPC-only field in a transit gateway format is unknown there.
        let f = Format::parse("tgw-id vpc-id").unwrap();
        assert_eq!(f.unknown_fields(), ["vpc-id"]);
    }

    #[test]
    fn rejects_bad_formats() {
        assert_eq!(
            Format::parse("srcaddr srcaddr").unwrap_err().to_string(),
            "field `srcaddr` appears twice in the format"
        );
        assert_eq!(
            Format::parse("").unwrap_err().to_string(),
            "the format names no fields"
        );
        assert_eq!(
            Format::parse("srcaddr 10.0.0.1").unwrap_err().to_string(),
            "`10.0.0.1` is not a field name"
        );
        assert_eq!(
            Format::parse("foo bar").unwrap_err().to_string(),
            "the format names no known field (foo bar)"
        );
    }

    #[test]
    fn header_detection() {
        assert!(Format::is_header_line(
            b"version account-id interface-id srcaddr"
        ));
        assert!(Format::is_header_line(
            b"instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr"
        ));
        assert!(Format::is_header_line(b"${version} ${srcaddr}"));
        assert!(!Format::is_header_line(
            b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
        ));
        assert!(!Format::is_header_line(
            b"- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5"
        ));
        assert!(!Format::is_header_line(
            b"version 123456789012 eni-1 1.2.3.4"
        ));
        assert!(!Format::is_header_line(b"i-01234 eni-1235b8ca"));
        assert!(!Format::is_header_line(b""));
        // A brace missing: still a header (one that cannot be used).
        assert!(Format::is_header_line(b"${version} ${srcaddr"));
        assert!(Format::parse("${version} ${srcaddr").is_err());
    }

    #[test]
    fn version_is_the_highest_field_version() {
        assert_eq!(Format::default_v2().version(), 2);
        assert_eq!(
            Format::parse("srcaddr flow-direction").unwrap().version(),
            5
        );
    }
}
