//! `--ioc FILE`: the user's threat-intelligence list, as the table `ioc`.
//!
//! One indicator per line: an IPv4 or IPv6 address or block, then optionally a category
//! (`tor`, `c2`, `mining`, `drop-point`, `blackhole`, `malicious`, or any word of the
//! user's) after a comma or blanks. `#` starts a comment. Hunts that need a list join
//! `ioc` with `cidr_contains(ioc.indicator, addr)` and keep the categories they are
//! about; an indicator without a category matches every such hunt.

use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use ipnet::IpNet;

use crate::error::{QueryError, Result};

/// Name of the indicator table.
pub const IOC_TABLE: &str = "ioc";

/// One indicator: a normalised CIDR block and its category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub cidr: String,
    pub category: Option<String>,
}

/// Parse an indicator list; `file` names it in errors.
pub fn parse(file: &Path, text: &str) -> Result<Vec<Indicator>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty());
        let first = parts.next().unwrap_or("");
        let net = IpNet::from_str(first)
            .or_else(|_| IpAddr::from_str(first).map(IpNet::from))
            .map_err(|_| QueryError::Ioc {
                file: file.to_path_buf(),
                line: i + 1,
                msg: format!("{first:?} is not an IP address or CIDR block"),
            })?;
        out.push(Indicator {
            cidr: net.trunc().to_string(),
            category: parts.next().map(str::to_ascii_lowercase),
        });
    }
    Ok(out)
}

/// Register `ioc(indicator, category)`: the list from `file`, or empty without one, so
/// hunts that join it still run (and find nothing).
pub fn register(ctx: &SessionContext, file: Option<&Path>) -> Result<usize> {
    let indicators = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| QueryError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            parse(path, &text)?
        }
        None => Vec::new(),
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("indicator", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(
                indicators.iter().map(|i| i.cidr.as_str()),
            )),
            Arc::new(
                indicators
                    .iter()
                    .map(|i| i.category.as_deref())
                    .collect::<StringArray>(),
            ),
        ],
    )
    .map_err(datafusion::error::DataFusionError::from)?;
    let table = MemTable::try_new(schema, vec![vec![batch]])?;
    ctx.deregister_table(IOC_TABLE)?;
    ctx.register_table(IOC_TABLE, Arc::new(table))?;
    Ok(indicators.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_addresses_blocks_and_categories() {
        let text = "# Tor exits\n185.220.101.5 tor\n10.9.0.0/16, c2 # lab\n\n2001:db8::1\n198.51.100.7/24\n";
        let got = parse(Path::new("iocs.txt"), text).unwrap();
        assert_eq!(
            got,
            vec![
                Indicator {
                    cidr: "185.220.101.5/32".into(),
                    category: Some("tor".into())
                },
                Indicator {
                    cidr: "10.9.0.0/16".into(),
                    category: Some("c2".into())
                },
                Indicator {
                    cidr: "2001:db8::1/128".into(),
                    category: None
                },
                Indicator {
                    cidr: "198.51.100.0/24".into(),
                    category: None
                },
            ]
        );
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse(Path::new("iocs.txt"), "1.2.3.4\nevil.example.com tor\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "iocs.txt:2: \"evil.example.com\" is not an IP address or CIDR block"
        );
    }
}
