//! Saved hunts: one `.sql` file per hunt, its metadata in a leading `/* ... */` block of
//! TOML, then the query, with `{{name}}` placeholders for its parameters.
//!
//! ```sql
//! /*
//! name = "ssh-brute-force"
//! title = "SSH brute force"
//! severity = "high"
//! mitre = ["T1110"]
//! description = "..."
//! [params.min_sessions]
//! type = "int"
//! default = 100
//! description = "..."
//! */
//! SELECT srcaddr, count(*) AS sessions FROM vpc_flow_logs
//! WHERE dstport = 22 GROUP BY srcaddr HAVING count(*) >= {{min_sessions}}
//! ```
//!
//! A file stays valid SQL with its comment, so any engine can run a rendered hunt.
//! Parameters are typed and validated before they are put into the SQL as literals.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ipnet::IpNet;
use serde::Deserialize;

use crate::error::{QueryError, Result};

include!(concat!(env!("OUT_DIR"), "/builtin_hunts.rs"));

/// How urgent a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        })
    }
}

/// A detection returns rows only when something is wrong; a report always returns rows
/// (top talkers, traffic of one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Detection,
    Report,
}

/// The type of a parameter, which decides how a value is checked and written into SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamType {
    /// An integer, written as is.
    Int,
    /// A number, written as is.
    Float,
    /// Text, written as a quoted SQL string.
    String,
    /// An IPv4 or IPv6 address, written as a quoted string.
    Ip,
    /// An IPv4 or IPv6 block (`10.0.0.0/8`), written as a quoted string.
    Cidr,
    /// Comma-separated integers (`22,3389`), written as a list for `IN (...)`.
    IntList,
    /// Comma-separated addresses, written as a list of quoted strings for `IN (...)`.
    IpList,
}

impl Param {
    /// Whether the rendered literal `value` respects `min`.
    fn check_min(&self, value: &str) -> std::result::Result<(), String> {
        let Ok(n) = value.parse::<i64>() else {
            return Ok(());
        };
        match (self.min, self.max) {
            (Some(min), _) if n < min => Err(format!("must be at least {min}")),
            (_, Some(max)) if n > max => Err(format!("must be at most {max}")),
            _ => Ok(()),
        }
    }

    /// The default as the user would type it; `None` when the parameter is required.
    pub fn default_text(&self) -> Option<String> {
        self.default.as_ref().map(value_text)
    }
}

impl ParamType {
    /// The name hunt files use (`int-list`).
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::String => "string",
            ParamType::Ip => "ip",
            ParamType::Cidr => "cidr",
            ParamType::IntList => "int-list",
            ParamType::IpList => "ip-list",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    #[serde(rename = "type")]
    pub ty: ParamType,
    /// The value used when the user gives none. Without one, the parameter is required
    /// (the address a per-address report is about).
    #[serde(default)]
    pub default: Option<toml::Value>,
    /// The smallest value allowed (an `int`): a window of 0 minutes or a negative history
    /// would make the hunt fail or judge nothing.
    #[serde(default)]
    pub min: Option<i64>,
    /// The largest value allowed (an `int`): a window past a month is a typo, and one
    /// large enough overflows the arithmetic of the SQL.
    #[serde(default)]
    pub max: Option<i64>,
    pub description: String,
}

/// One saved hunt.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hunt {
    /// Stable kebab-case name, the file's name without `.sql`.
    pub name: String,
    pub title: String,
    pub severity: Severity,
    pub kind: Kind,
    /// MITRE ATT&CK technique ids.
    #[serde(default)]
    pub mitre: Vec<String>,
    /// GuardDuty finding types this hunt reproduces from flow logs.
    #[serde(default)]
    pub guardduty: Vec<String>,
    /// The result column holding the address (or resource id) that did what the detection
    /// describes: the scanner, the attacker, the host calling out. Findings name it as
    /// their actor (OCSF `evidences[].src_endpoint`, ASFF `Network.SourceIpV4`).
    #[serde(default)]
    pub actor: Option<String>,
    /// The result column holding what the actor reached: the scanned host, the pool, the
    /// indicator address. Findings name it as their target (`dst_endpoint`).
    #[serde(default)]
    pub target: Option<String>,
    /// The Athena integration's named query this hunt is the equivalent of.
    #[serde(default)]
    pub athena: Option<String>,
    /// The table it reads: `vpc_flow_logs` (the default) or `tgw_flow_logs`.
    #[serde(default = "default_table")]
    pub table: String,
    /// The lowest flow-log version whose default format has every field used.
    pub min_version: u8,
    /// The flow-log fields the hunt reads (of its table's kind).
    pub fields: Vec<String>,
    /// Fields of `fields` the hunt does without when the lake's records lack them
    /// (`interface_id` to count a connection once when both ends log it).
    #[serde(default)]
    pub optional: Vec<String>,
    /// Joins the `ioc` table (`--ioc FILE`), restricted to these categories (any category
    /// when empty).
    #[serde(default)]
    pub ioc: Option<Vec<String>>,
    pub description: String,
    /// What to look at when it fires, and the usual benign explanations.
    pub triage: String,
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    /// Integer parameters, in hours, whose sum is the span of data (first `start` to last
    /// `end`) the hunt needs to judge anything (`["recent_hours", "min_baseline_hours"]`): on a shorter lake it can find
    /// nothing, and `hunt run` says it is inconclusive instead of quiet.
    #[serde(default)]
    pub history: Vec<String>,
    /// The SQL with `{{param}}` placeholders (filled from the file, not the TOML).
    #[serde(skip)]
    pub sql: String,
    /// Where it came from: `built-in` or a file path.
    #[serde(skip)]
    pub origin: String,
}

fn default_table() -> String {
    crate::lake::TABLE.to_string()
}

impl Hunt {
    /// The kind of flow log the hunt reads: VPC, or transit gateway (`tgw_flow_logs`).
    pub fn record_kind(&self) -> flowlog::RecordKind {
        if self.table == crate::lake::TGW_TABLE {
            flowlog::RecordKind::TransitGateway
        } else {
            flowlog::RecordKind::Vpc
        }
    }

    /// Parse a hunt file. `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self> {
        let bad = |msg: String| QueryError::Hunt {
            file: file.to_string(),
            msg,
        };
        let body = text.trim_start();
        let rest = body
            .strip_prefix("/*")
            .ok_or_else(|| bad("must start with a /* ... */ block of TOML metadata".into()))?;
        let close = rest
            .find("*/")
            .ok_or_else(|| bad("the metadata block has no closing */".into()))?;
        let mut hunt: Hunt = toml::from_str(&rest[..close]).map_err(|e| bad(e.to_string()))?;
        hunt.sql = rest[close + 2..]
            .trim()
            .trim_end_matches(';')
            .trim()
            .to_string();
        hunt.origin = file.to_string();
        hunt.validate().map_err(bad)?;
        Ok(hunt)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let kebab = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !kebab(&self.name) {
            return Err(format!(
                "name {:?} must be kebab-case (a-z, 0-9, -)",
                self.name
            ));
        }
        if self.sql.is_empty() {
            return Err("no SQL after the metadata block".into());
        }
        if self.table != crate::lake::TABLE && self.table != crate::lake::TGW_TABLE {
            return Err(format!(
                "table {:?} must be {} or {}",
                self.table,
                crate::lake::TABLE,
                crate::lake::TGW_TABLE
            ));
        }
        for field in &self.fields {
            if self.record_kind().field(field).is_none() {
                return Err(format!(
                    "fields: {field:?} is not a field of {}",
                    self.table
                ));
            }
        }
        if self.kind == Kind::Report && (self.actor.is_some() || self.target.is_some()) {
            return Err("actor and target are for detections".into());
        }
        for column in self.actor.iter().chain(&self.target) {
            if !self.sql.contains(column.as_str()) {
                return Err(format!(
                    "actor/target: the SQL never names a column {column:?}"
                ));
            }
        }
        for field in &self.optional {
            if !self.fields.contains(field) {
                return Err(format!("optional: {field:?} is not in fields"));
            }
        }
        let used = placeholders(&self.sql);
        for p in &used {
            if !self.params.contains_key(p) {
                return Err(format!(
                    "the SQL uses {{{{{p}}}}} but [params.{p}] is not declared"
                ));
            }
        }
        for name in &self.history {
            match self.params.get(name) {
                Some(p) if p.ty == ParamType::Int && p.default.is_some() => {}
                _ => {
                    return Err(format!(
                        "history: {name:?} must be an int parameter with a default"
                    ));
                }
            }
        }
        for (name, param) in &self.params {
            if !used.contains(name) {
                return Err(format!(
                    "[params.{name}] is declared but the SQL never uses {{{{{name}}}}}"
                ));
            }
            if let Some(default) = &param.default {
                render_value(param.ty, &value_text(default))
                    .and_then(|l| param.check_min(&l))
                    .map_err(|e| format!("[params.{name}] default: {e}"))?;
            }
            if (param.min.is_some() || param.max.is_some()) && param.ty != ParamType::Int {
                return Err(format!(
                    "[params.{name}]: min and max are for int parameters"
                ));
            }
        }
        Ok(())
    }

    /// The SQL with every placeholder replaced: values from `given` (`name=value`),
    /// defaults for the rest.
    pub fn render(&self, given: &[(String, String)]) -> Result<String> {
        self.render_inner(given, None)
    }

    /// Like [`Hunt::render`], but a required parameter nobody gave becomes `placeholder`
    /// (Athena's `?` for a prepared statement) instead of an error.
    pub fn render_with_placeholder(
        &self,
        given: &[(String, String)],
        placeholder: &str,
    ) -> Result<String> {
        self.render_inner(given, Some(placeholder))
    }

    fn render_inner(
        &self,
        given: &[(String, String)],
        placeholder: Option<&str>,
    ) -> Result<String> {
        let mut values: BTreeMap<&str, String> = BTreeMap::new();
        for (k, v) in given {
            let Some((name, param)) = self.param(k) else {
                let known: Vec<&str> = self.params.keys().map(String::as_str).collect();
                return Err(QueryError::Param(format!(
                    "hunt {} has no parameter {k:?}; its parameters: {}",
                    self.name,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            };
            let literal = render_value(param.ty, v)
                .and_then(|l| param.check_min(&l).map(|()| l))
                .map_err(|e| {
                    QueryError::Param(format!("{}: --param {name}={v}: {e}", self.name))
                })?;
            values.insert(name, literal);
        }
        for (name, param) in &self.params {
            if values.contains_key(name.as_str()) {
                continue;
            }
            let Some(default) = &param.default else {
                if let Some(p) = placeholder {
                    values.insert(name, p.to_string());
                    continue;
                }
                return Err(QueryError::Param(format!(
                    "hunt {} needs --param {name}=... ({})",
                    self.name, param.description
                )));
            };
            let literal = render_value(param.ty, &value_text(default))
                .map_err(|e| QueryError::Param(format!("{}: {name}: {e}", self.name)))?;
            values.insert(name, literal);
        }
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let close = after.find("}}").unwrap_or(after.len());
            let name = after[..close].trim();
            out.push_str(&values[name]);
            rest = after.get(close + 2..).unwrap_or("");
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The parameter `key` names; `min-ports` and `min_ports` are the same.
    pub fn param(&self, key: &str) -> Option<(&String, &Param)> {
        let key = key.replace('-', "_");
        self.params.iter().find(|(n, _)| n.replace('-', "_") == key)
    }

    /// The default of every parameter as the user would type it (`None`: required).
    pub fn defaults(&self) -> Vec<(String, Option<String>)> {
        self.params
            .iter()
            .map(|(k, p)| (k.clone(), p.default_text()))
            .collect()
    }

    /// Hours of data the hunt needs to judge anything, with `given` values (`name=value`)
    /// over the defaults; `None` when it needs no history.
    pub fn history_hours(&self, given: &[(String, String)]) -> Option<i64> {
        if self.history.is_empty() {
            return None;
        }
        let value = |name: &str| -> i64 {
            given
                .iter()
                .rev()
                .find(|(k, _)| self.param(k).is_some_and(|(n, _)| n == name))
                .and_then(|(_, v)| v.trim().parse().ok())
                .or_else(|| self.params.get(name)?.default.as_ref()?.as_integer())
                .unwrap_or(0)
        };
        Some(self.history.iter().map(|n| value(n)).sum())
    }

    /// Parameters without a default, which `--param` must give.
    pub fn required_params(&self) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(_, p)| p.default.is_none())
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// The names inside `{{...}}` in `sql`.
fn placeholders(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let name = after[..close].trim().to_string();
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &after[close + 2..];
    }
    out
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(","),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(f) => format!("{f:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Table(_) => String::new(),
    }
}

/// Check `text` against `ty` and write it as a SQL literal.
pub fn render_value(ty: ParamType, text: &str) -> std::result::Result<String, String> {
    let t = text.trim();
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match ty {
        ParamType::Int => t
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| format!("{t:?} is not an integer")),
        ParamType::Float => t
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| format!("{f:?}"))
            .ok_or_else(|| format!("{t:?} is not a number")),
        ParamType::String => Ok(quote(t)),
        ParamType::Ip => IpAddr::from_str(t)
            .map(|ip| quote(&ip.to_string()))
            .map_err(|_| format!("{t:?} is not an IP address")),
        ParamType::Cidr => IpNet::from_str(t)
            .or_else(|_| IpAddr::from_str(t).map(IpNet::from))
            .map(|net| quote(&net.to_string()))
            .map_err(|_| format!("{t:?} is not a CIDR block (10.0.0.0/8, 2600:1f18::/32)")),
        ParamType::IntList => {
            let items: std::result::Result<Vec<i64>, _> = t
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<i64>())
                .collect();
            match items {
                Ok(v) if !v.is_empty() => Ok(v
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")),
                _ => Err(format!("{t:?} is not a comma-separated list of integers")),
            }
        }
        ParamType::IpList => {
            let items: std::result::Result<Vec<IpAddr>, _> = t
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| IpAddr::from_str(s.trim()))
                .collect();
            match items {
                Ok(v) if !v.is_empty() => Ok(v
                    .iter()
                    .map(|ip| quote(&ip.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")),
                _ => Err(format!(
                    "{t:?} is not a comma-separated list of IP addresses"
                )),
            }
        }
    }
}

/// The built-in hunts plus those of the user's folders, by name.
#[derive(Debug, Clone)]
pub struct Library {
    hunts: BTreeMap<String, Hunt>,
}

impl Library {
    /// The built-in library only.
    pub fn builtin() -> Self {
        let mut hunts = BTreeMap::new();
        for (file, text) in BUILTIN {
            let mut hunt = Hunt::parse(&format!("queries/{file}"), text)
                .unwrap_or_else(|e| panic!("built-in hunt: {e}"));
            hunt.origin = "built-in".into();
            hunts.insert(hunt.name.clone(), hunt);
        }
        Self { hunts }
    }

    /// The built-in library and every `*.sql` hunt in `dirs`; a user's hunt of the same
    /// name replaces the built-in one.
    pub fn load(dirs: &[PathBuf]) -> Result<Self> {
        let mut lib = Self::builtin();
        for dir in dirs {
            lib.add_dir(dir)?;
        }
        Ok(lib)
    }

    fn add_dir(&mut self, dir: &Path) -> Result<()> {
        let io = |source| QueryError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(std::result::Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| QueryError::Io {
                path: path.clone(),
                source,
            })?;
            let hunt = Hunt::parse(&path.display().to_string(), &text)?;
            self.hunts.insert(hunt.name.clone(), hunt);
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Result<&Hunt> {
        self.hunts.get(name).ok_or_else(|| {
            let close: Vec<&str> = self
                .hunts
                .keys()
                .filter(|k| {
                    k.contains(name)
                        || name.contains(k.as_str())
                        || datafusion::common::utils::datafusion_strsim::levenshtein(k, name) <= 2
                })
                .map(String::as_str)
                .collect();
            QueryError::NoSuchHunt {
                name: name.to_string(),
                hint: if close.is_empty() {
                    "`flowlake hunt list` shows them all".into()
                } else {
                    format!("did you mean {}?", close.join(", "))
                },
            }
        })
    }

    /// Every hunt, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Hunt> {
        self.hunts.values()
    }

    pub fn len(&self) -> usize {
        self.hunts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hunts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUNT: &str = r#"
/*
name = "demo"
title = "Demo"
severity = "low"
kind = "detection"
min_version = 2
fields = ["srcaddr", "dstport"]
description = "d"
triage = "t"
[params.min_flows]
type = "int"
default = 10
min = 1
description = "m"
[params.net]
type = "cidr"
default = "10.0.0.0/8"
description = "n"
[params.ports]
type = "int-list"
default = [22, 3389]
description = "p"
*/
SELECT srcaddr FROM vpc_flow_logs
WHERE cidr_contains({{net}}, srcaddr) AND dstport IN ({{ports}})
GROUP BY srcaddr HAVING count(*) >= {{ min_flows }};
"#;

    #[test]
    fn renders_defaults_and_given_values_as_literals() {
        let h = Hunt::parse("demo.sql", HUNT).unwrap();
        let sql = h.render(&[]).unwrap();
        assert!(
            sql.contains("cidr_contains('10.0.0.0/8', srcaddr)"),
            "{sql}"
        );
        assert!(sql.contains("IN (22, 3389)"), "{sql}");
        assert!(sql.ends_with(">= 10"), "{sql}");
        let sql = h
            .render(&[
                ("min-flows".into(), "3".into()),
                ("net".into(), "2600:1f18::/32".into()),
            ])
            .unwrap();
        assert!(sql.ends_with(">= 3"), "{sql}");
        assert!(sql.contains("'2600:1f18::/32'"), "{sql}");
    }

    #[test]
    fn bad_values_and_unknown_parameters_are_refused() {
        let h = Hunt::parse("demo.sql", HUNT).unwrap();
        let e = h
            .render(&[("min_flows".into(), "1; DROP TABLE x".into())])
            .unwrap_err();
        assert!(e.to_string().contains("not an integer"), "{e}");
        let e = h
            .render(&[("net".into(), "10.0.0.0/33".into())])
            .unwrap_err();
        assert!(e.to_string().contains("CIDR"), "{e}");
        let e = h.render(&[("min_flows".into(), "0".into())]).unwrap_err();
        assert!(e.to_string().contains("must be at least 1"), "{e}");
        let e = h.render(&[("nope".into(), "1".into())]).unwrap_err();
        assert!(e.to_string().contains("min_flows, net, ports"), "{e}");
        assert_eq!(
            render_value(ParamType::String, "o'neil").unwrap(),
            "'o''neil'"
        );
    }

    #[test]
    fn malformed_hunt_files_name_the_problem() {
        let e = Hunt::parse("x.sql", "SELECT 1").unwrap_err();
        assert!(e.to_string().contains("x.sql"), "{e}");
        let undeclared = HUNT.replace("{{net}}", "{{network}}");
        let e = Hunt::parse("x.sql", &undeclared).unwrap_err();
        assert!(e.to_string().contains("{{network}}"), "{e}");
        let bad_field = HUNT.replace("\"dstport\"]", "\"dst_port\"]");
        let e = Hunt::parse("x.sql", &bad_field).unwrap_err();
        assert!(e.to_string().contains("dst_port"), "{e}");
        let bad_severity = HUNT.replace("\"low\"", "\"urgent\"");
        assert!(Hunt::parse("x.sql", &bad_severity).is_err());
    }

    /// The flow-log columns `sql` reads: bare lower-case words that are column names, and
    /// `"start"` / `"end"` quoted (bare, `end` is the keyword closing a `CASE`).
    fn columns_read(sql: &str, kind: flowlog::RecordKind) -> std::collections::BTreeSet<String> {
        let b = sql.as_bytes();
        let mut out = std::collections::BTreeSet::new();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_lowercase() || b[i] == b'_' {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &sql[start..i];
                let quoted = start > 0 && b[start - 1] == b'"' && b.get(i) == Some(&b'"');
                if let Some(f) = kind.fields().iter().find(|f| f.column == word)
                    && (quoted || !matches!(word, "start" | "end"))
                {
                    out.insert(f.column.to_string());
                }
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn fields_metadata_lists_exactly_the_columns_each_hunt_reads() {
        for hunt in Library::builtin().iter() {
            let kind = hunt.record_kind();
            let declared: std::collections::BTreeSet<String> = hunt
                .fields
                .iter()
                .map(|f| kind.field(f).unwrap().column.to_string())
                .collect();
            assert_eq!(
                declared,
                columns_read(&hunt.sql, kind),
                "{}: fields",
                hunt.name
            );
            assert!(
                hunt.sql.contains(&hunt.table),
                "{}: reads {}",
                hunt.name,
                hunt.table
            );
            let newest = hunt
                .fields
                .iter()
                .map(|f| kind.field(f).unwrap().version)
                .max()
                .unwrap_or(2);
            assert_eq!(
                hunt.min_version,
                newest.max(2),
                "{}: min_version",
                hunt.name
            );
        }
    }

    #[test]
    fn every_builtin_hunt_parses_and_is_named_after_its_file() {
        for (file, text) in BUILTIN {
            let h = Hunt::parse(file, text).unwrap();
            assert_eq!(format!("{}.sql", h.name), *file);
            let given: Vec<(String, String)> = h
                .required_params()
                .iter()
                .map(|p| ((*p).to_string(), "10.0.1.10".to_string()))
                .collect();
            h.render(&given).unwrap();
        }
        let lib = Library::builtin();
        for name in [
            "port-scan",
            "port-sweep",
            "ssh-brute-force",
            "rdp-brute-force",
            "data-exfiltration",
            "beaconing",
            "crypto-mining",
            "lateral-movement",
            "top-talkers",
            "rejected-traffic",
        ] {
            lib.get(name).unwrap();
        }
        assert!(
            lib.get("port")
                .unwrap_err()
                .to_string()
                .contains("port-scan"),
            "near names are suggested"
        );
    }
}

/// The catalogue of a library as Markdown (`docs/hunts.md` is this, for the built-in one).
pub fn catalogue_markdown(lib: &Library) -> String {
    use std::fmt::Write as _;
    let mut s = String::from(
        "# Hunt catalogue\n\n\
         Generated from the metadata of the hunts in `queries/` (the test suite fails when this\n\
         file is out of date; `FLOWLAKE_UPDATE_DOCS=1 cargo test -p flowlake-query --lib`\n\
         rewrites it). Run one with `flowlake hunt run NAME [--param k=v]...`, all of them with\n\
         `flowlake hunt run --all`.\n\n\
         Every detection returns no rows on the benign traffic of `flowlake gen --benign\n\
         --no-attacks` (CDN browsing, NAT gateways, load balancers, public web and DNS servers,\n\
         health checks, internet scanners, a busy bastion, nightly backups, hourly updates,\n\
         Kubernetes, DNS to the VPC's resolvers), and the [sensitivity table](#sensitivity) at\n\
         the end says what each one finds of attacks injected at several intensities.\n\n",
    );
    let groups = [
        ("Detections", Kind::Detection),
        (
            "Reports (the Athena integration's named queries)",
            Kind::Report,
        ),
    ];
    for (title, kind) in groups {
        let _ = writeln!(s, "## {title}\n");
        s.push_str("| hunt | severity | ATT&CK | GuardDuty / Athena | what it finds |\n");
        s.push_str("|---|---|---|---|---|\n");
        for h in lib.iter().filter(|h| h.kind == kind) {
            let source = if h.guardduty.is_empty() {
                h.athena.clone().unwrap_or_default()
            } else {
                h.guardduty.join(", ")
            };
            let _ = writeln!(
                s,
                "| [`{0}`](#{0}) | {1} | {2} | {3} | {4} |",
                h.name,
                h.severity,
                h.mitre.join(", "),
                source,
                h.title
            );
        }
        s.push('\n');
    }
    for h in lib.iter() {
        let _ = writeln!(
            s,
            "## {}\n\n**{}**. {}\n",
            h.name,
            h.title,
            one_line(&h.description)
        );
        let _ = writeln!(s, "- Severity: {} ({:?})", h.severity, h.kind);
        if !h.mitre.is_empty() {
            let _ = writeln!(s, "- MITRE ATT&CK: {}", h.mitre.join(", "));
        }
        if !h.guardduty.is_empty() {
            let _ = writeln!(s, "- GuardDuty: {}", h.guardduty.join(", "));
        }
        if let Some(a) = &h.athena {
            let _ = writeln!(s, "- Athena named query: {a}");
        }
        if h.record_kind() == flowlog::RecordKind::TransitGateway {
            let _ = writeln!(
                s,
                "- Needs: transit gateway flow logs, table `tgw_flow_logs` (`{}`)",
                h.fields.join("`, `")
            );
        } else {
            let _ = writeln!(
                s,
                "- Needs: flow-log version {}+ (`{}`)",
                h.min_version,
                h.fields.join("`, `")
            );
        }
        if !h.history.is_empty() {
            let _ = writeln!(
                s,
                "- History: {} hours of data (`{}`); on less, `hunt run` reports it inconclusive",
                h.history_hours(&[]).unwrap_or(0),
                h.history.join("` + `")
            );
        }
        if let Some(c) = &h.ioc {
            let _ = writeln!(
                s,
                "- Threat list: `--ioc FILE`, categories {}",
                if c.is_empty() {
                    "any".to_string()
                } else {
                    c.join(", ")
                }
            );
        }
        let _ = writeln!(s, "- Triage: {}", one_line(&h.triage));
        if !h.params.is_empty() {
            s.push_str("\n| parameter | type | default | meaning |\n|---|---|---|---|\n");
            for (name, p) in &h.params {
                let _ = writeln!(
                    s,
                    "| `{name}` | {} | {} | {} |",
                    p.ty.name(),
                    p.default.as_ref().map_or_else(
                        || "(required)".to_string(),
                        |d| format!("`{}`", value_text(d))
                    ),
                    p.description
                );
            }
        }
        s.push('\n');
    }
    s
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod catalogue {
    use super::*;

    const SENSITIVITY_MARK: &str = "<!-- sensitivity:";

    #[test]
    fn docs_hunts_md_is_the_catalogue_of_the_library() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/hunts.md");
        let want = catalogue_markdown(&Library::builtin());
        // The sensitivity section after the catalogue is measured by the hunts' tests.
        let split = |text: &str| -> (String, String) {
            let at = text.find(SENSITIVITY_MARK).unwrap_or(text.len());
            (text[..at].to_string(), text[at..].to_string())
        };
        if std::env::var_os("FLOWLAKE_UPDATE_DOCS").is_some() {
            let (_, measured) = split(&std::fs::read_to_string(&path).unwrap_or_default());
            std::fs::write(&path, format!("{want}{measured}")).unwrap();
        }
        let (have, _) = split(&std::fs::read_to_string(&path).unwrap_or_default());
        assert!(
            have == want,
            "docs/hunts.md is out of date: run FLOWLAKE_UPDATE_DOCS=1 cargo test -p flowlake-query --lib"
        );
    }
}
