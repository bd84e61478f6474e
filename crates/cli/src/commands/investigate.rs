//! `flowlake investigate IP|ENI|INSTANCE`: the page an analyst builds by hand when a
//! finding names a host.
//!
//! Everything on it is a query over `vpc_flow_logs` (shown with `--show-sql`), so each
//! number can be checked and taken further in `flowlake sql`.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::net::IpAddr;

use anyhow::{Result, bail};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::Outcome;
use crate::args::InvestigateArgs;
use crate::engine::{Engine, terminal_width};
use crate::results::{Destination, write_table_aligned};

/// What is investigated.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    /// An IPv4 or IPv6 address: the flows it is an end of.
    Address(String),
    /// A network interface (`eni-...`): the flows logged on it.
    Interface(String),
    /// An instance (`i-...`, flow-log version 3 and later): the flows of its interfaces.
    Instance(String),
}

impl Subject {
    fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(Subject::Address(ip.to_string()));
        }
        // AWS writes ids in lower case.
        let lower = t.to_ascii_lowercase();
        let id = |prefix: &str| {
            lower
                .strip_prefix(prefix)
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit()))
        };
        if id("eni-") {
            return Ok(Subject::Interface(lower));
        }
        if id("i-") {
            return Ok(Subject::Instance(lower));
        }
        bail!(
            "{t:?} is not an IP address, a network interface id (eni-0123456789abcdef0) or an instance id (i-0123456789abcdef0)"
        )
    }

    /// The records that belong to the subject, as a SQL condition.
    fn condition(&self) -> String {
        match self {
            Subject::Address(a) => {
                let list = spellings(a)
                    .iter()
                    .map(|x| format!("'{x}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("(srcaddr IN ({list}) OR dstaddr IN ({list}))")
            }
            Subject::Interface(id) => format!("interface_id = '{id}'"),
            Subject::Instance(id) => format!("instance_id = '{id}'"),
        }
    }

    fn id(&self) -> &str {
        match self {
            Subject::Address(a) | Subject::Interface(a) | Subject::Instance(a) => a,
        }
    }
}

/// Two addresses the flows cannot tell apart as the host's own: (the one taken, the other).
type Tie = (String, String);

/// Blocks of the activity line, lowest to highest.
const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn run(a: &InvestigateArgs) -> Result<Outcome> {
    let subject = Subject::parse(&a.subject)?;
    let engine = Engine::open(&a.lake, Destination::resolve(None, None, false)?)?;
    let mut page = Page {
        engine: &engine,
        out: Box::new(std::io::stdout().lock()),
        show_sql: a.show_sql,
        width: terminal_width(),
    };
    let condition = subject.condition();
    let (own, unsure) = match &subject {
        Subject::Address(addr) => (spellings(addr), Vec::new()),
        _ => page.own_addresses(&subject, &condition)?,
    };
    let own_list = own
        .iter()
        .map(|x| format!("'{x}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let own_list = if own_list.is_empty() {
        "NULL".to_string()
    } else {
        own_list
    };
    let from = format!("FROM vpc_flow_logs WHERE {condition}");

    let overview = page.query(&format!(
        "SELECT count(*) AS flows, min(\"start\") AS first_seen, max(\"end\") AS last_seen, \
         sum(CASE WHEN srcaddr IN ({own_list}) THEN bytes END) AS bytes_out, \
         sum(CASE WHEN dstaddr IN ({own_list}) THEN bytes END) AS bytes_in, \
         count_if(action = 'ACCEPT') AS accepted, count_if(action = 'REJECT') AS rejected, \
         count(DISTINCT interface_id) AS interfaces {from}"
    ))?;
    let flows = first_i64(&overview, 0).unwrap_or(0);
    let window = if engine.window.is_unbounded() {
        "the whole lake".to_string()
    } else {
        engine.window.describe()
    };
    writeln!(page.out, "# {} ({})", subject.id(), kind_name(&subject))?;
    writeln!(page.out, "{}, time window: {window}", engine.source)?;
    if flows == 0 {
        writeln!(
            page.out,
            "\nNo flow-log record names {} in {window}.{}",
            subject.id(),
            match subject {
                Subject::Instance(_) =>
                    " Instance ids are in flow logs of version 3 and later (the default format has none): try the instance's interface (eni-...) or address.",
                _ => "",
            }
        )?;
        return Ok(Outcome::Success);
    }
    if !matches!(subject, Subject::Address(_)) {
        writeln!(
            page.out,
            "addresses: {}",
            if own.is_empty() {
                "(none found)".to_string()
            } else {
                // Each address once, whatever spellings of it are matched.
                let mut shown: Vec<String> = own.iter().map(|a| canonical(a)).collect();
                shown.dedup();
                shown.join(", ")
            }
        )?;
        for (chosen, other) in &unsure {
            writeln!(
                page.out,
                "  ({chosen} or {other}: the flows cannot tell which end is its own; \
                 --eni-metadata knows)"
            )?;
        }
    }
    writeln!(page.out, "\n## Overview")?;
    page.table(&overview, true)?;
    if !engine.hosts.is_empty() {
        page.section(
            "Inventory (--eni-metadata)",
            &format!(
                "SELECT interface_id, address, address_kind, instance_id, instance_name, \
                 subnet_id, subnet_name, subnet_cidr, vpc_name, security_groups, tags \
                 FROM network_interfaces WHERE address IN ({own_list}) \
                 OR interface_id = '{id}' OR instance_id = '{id}' ORDER BY interface_id, address",
                id = subject.id()
            ),
        )?;
    }

    // Who opened each connection, by ports (the hunts' rule, docs/querying.md "Who opened
    // a connection"): a flow from a well-known port to the same or a higher one, or into
    // the ephemeral range from a lower port, is a reply.
    let reply =
        "((srcport < 1024 AND dstport >= srcport) OR (dstport >= 32768 AND srcport < dstport))";
    for (title, own_end, peer_end) in [
        ("Connections it opened (outbound)", "srcaddr", "dstaddr"),
        ("Connections opened to it (inbound)", "dstaddr", "srcaddr"),
    ] {
        page.section(
            title,
            &format!(
                "WITH c AS (SELECT {peer_end} AS peer, dstport AS port, count(*) AS n, \
                 count_if(action = 'ACCEPT') AS acc, count_if(action = 'REJECT') AS rej \
                 {from} AND {own_end} IN ({own_list}) AND NOT {reply} GROUP BY 1, 2), \
                 peers AS (SELECT peer, sum(n) AS flows, sum(acc) AS accepted, sum(rej) AS rejected, \
                 count(*) AS ports, array_to_string(array_slice(array_agg(port ORDER BY n DESC, port), 1, 5), ' ') AS top_ports \
                 FROM c GROUP BY peer), \
                 volume AS (SELECT CASE WHEN srcaddr IN ({own_list}) THEN dstaddr ELSE srcaddr END AS peer, \
                 sum(CASE WHEN srcaddr IN ({own_list}) THEN bytes END) AS bytes_out, \
                 sum(CASE WHEN dstaddr IN ({own_list}) THEN bytes END) AS bytes_in {from} GROUP BY 1) \
                 SELECT p.peer, CASE WHEN is_private_ip(p.peer) THEN 'internal' ELSE 'external' END AS scope, \
                 p.flows, p.accepted, p.rejected, p.ports, p.top_ports, v.bytes_out, v.bytes_in \
                 FROM peers p LEFT JOIN volume v ON p.peer = v.peer \
                 ORDER BY p.flows DESC, v.bytes_out DESC, p.peer LIMIT {}",
                a.top
            ),
        )?;
    }
    page.section(
        "Accepted and rejected",
        &format!(
            "SELECT CASE WHEN srcaddr IN ({own_list}) THEN 'outbound' ELSE 'inbound' END AS direction, \
             action, count(*) AS flows, sum(bytes) AS bytes, \
             count(DISTINCT CASE WHEN srcaddr IN ({own_list}) THEN dstaddr ELSE srcaddr END) AS peers \
             {from} AND action IS NOT NULL GROUP BY 1, 2 ORDER BY 1 DESC, 2"
        ),
    )?;
    // Accepted from public addresses to a port that was not a reply to its own client
    // (the rule the hunts use: docs/querying.md, "Who opened a connection").
    page.section(
        "Ports opened to it from outside (accepted from public addresses)",
        &format!(
            "SELECT dstport AS port, protocol_name(protocol) AS protocol, \
             count(DISTINCT srcaddr) AS sources, count(*) AS flows, sum(bytes) AS bytes, \
             min(\"start\") AS first_seen, max(\"end\") AS last_seen \
             {from} AND dstaddr IN ({own_list}) AND action = 'ACCEPT' \
             AND is_private_ip(srcaddr) = false \
             AND NOT (dstport >= 32768 AND srcport < dstport) \
             AND NOT (srcport < 1024 AND dstport >= srcport) \
             GROUP BY 1, 2 ORDER BY sources DESC, flows DESC, port LIMIT {}",
            a.top
        ),
    )?;
    page.activity(&from)?;
    if a.no_hunts {
        writeln!(page.out, "\n## Hunt findings\n(not run: --no-hunts)")?;
    } else {
        let mut names: HashSet<String> = own.iter().cloned().collect();
        names.insert(subject.id().to_string());
        page.findings(&names)?;
    }

    writeln!(page.out, "\n## Going deeper")?;
    let lake_args = a.lake.command_arguments().join(" ");
    let mut commands = vec![format!(
        "flowlake sql {lake_args} -e \"SELECT * FROM vpc_flow_logs WHERE {condition} ORDER BY \\\"start\\\" LIMIT 100\""
    )];
    for addr in own.iter().take(3) {
        commands.push(format!(
            "flowlake hunt run traffic-from-src-addr --param ip={addr} {lake_args}"
        ));
    }
    commands.push(format!("flowlake hunt run --all --details {lake_args}"));
    commands.push(format!(
        "flowlake investigate PEER {lake_args}     # any address above"
    ));
    for c in commands {
        writeln!(page.out, "  {c}")?;
    }
    Ok(Outcome::Success)
}

/// `addr` in the standard form `IpAddr` prints (as typed when it is no address).
fn canonical(addr: &str) -> String {
    addr.parse::<IpAddr>()
        .map_or_else(|_| addr.to_string(), |ip| ip.to_string())
}

/// The ways a flow log may write `addr` (already in the standard form of RFC 5952, as
/// `IpAddr` prints it): that form and, for IPv6, all eight groups without `::`
/// compression, with and without leading zeros, each in lower and upper case. Flows are
/// matched by text, and the converter keeps an address as the log wrote it.
fn spellings(addr: &str) -> Vec<String> {
    let mut out = vec![addr.to_string()];
    if let Ok(IpAddr::V6(v6)) = addr.parse::<IpAddr>() {
        let groups = v6.segments();
        let join = |width: usize| {
            groups
                .iter()
                .map(|g| format!("{g:0width$x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        for form in [addr.to_string(), join(1), join(4)] {
            for spelling in [form.clone(), form.to_ascii_uppercase()] {
                if !out.contains(&spelling) {
                    out.push(spelling);
                }
            }
        }
    }
    out
}

fn kind_name(subject: &Subject) -> &'static str {
    match subject {
        Subject::Address(_) => "address",
        Subject::Interface(_) => "network interface",
        Subject::Instance(_) => "instance",
    }
}

struct Page<'a> {
    engine: &'a Engine,
    out: Box<dyn Write + 'a>,
    show_sql: bool,
    width: Option<usize>,
}

impl Page<'_> {
    fn query(&mut self, sql: &str) -> Result<Vec<RecordBatch>> {
        if self.show_sql {
            writeln!(self.out, "-- {sql};")?;
        }
        self.engine.collect(sql)
    }

    fn section(&mut self, title: &str, sql: &str) -> Result<()> {
        writeln!(self.out, "\n## {title}")?;
        let batches = self.query(sql)?;
        // Peers named from the inventory (not the inventory's own rows again).
        let batches = if title.starts_with("Connections") {
            self.engine.annotate(batches)?
        } else {
            batches
        };
        if batches.iter().all(|b| b.num_rows() == 0) {
            writeln!(self.out, "(none)")?;
            return Ok(());
        }
        self.table(&batches, false)
    }

    /// `batches` as a table, times as UTC; `transpose` shows one row as `name | value`
    /// lines.
    fn table(&mut self, batches: &[RecordBatch], transpose: bool) -> Result<()> {
        let Some(first) = batches.first() else {
            return Ok(());
        };
        let schema = first.schema();
        let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let times: Vec<bool> = headers
            .iter()
            .map(|h| h == "first_seen" || h == "last_seen")
            .collect();
        let right: Vec<bool> = schema
            .fields()
            .iter()
            .zip(&times)
            .map(|(f, t)| !t && f.data_type().is_numeric())
            .collect();
        let rows = crate::results::text_rows(batches, &times)?;
        if transpose {
            let w = headers.iter().map(String::len).max().unwrap_or(0);
            for row in &rows {
                for (h, v) in headers.iter().zip(row) {
                    writeln!(self.out, "{h:<w$}  {v}")?;
                }
            }
            return Ok(());
        }
        write_table_aligned(&mut self.out, &headers, &rows, Some(&right), self.width)?;
        Ok(())
    }

    /// The addresses of an interface or instance: from `--eni-metadata` when it knows
    /// them, else the fewest that are an end of every record logged on it (the
    /// interface's own address is an end of all of them; a peer it talks to most, of
    /// many). The second value names an address the flows cannot tell from the first one
    /// (an interface that talked to a single peer).
    fn own_addresses(
        &mut self,
        subject: &Subject,
        condition: &str,
    ) -> Result<(Vec<String>, Vec<Tie>)> {
        if !self.engine.hosts.is_empty() {
            let column = match subject {
                Subject::Instance(_) => "instance_id",
                _ => "interface_id",
            };
            let batches = self.query(&format!(
                "SELECT DISTINCT address FROM network_interfaces WHERE {column} = '{}' \
                 AND address IS NOT NULL ORDER BY address",
                subject.id()
            ))?;
            // In every spelling a flow log may use for them.
            let known: Vec<String> = batches
                .iter()
                .map(|b| text_column(b, 0))
                .collect::<Result<Vec<_>>>()?
                .concat()
                .iter()
                .flat_map(|a| spellings(&canonical(a)))
                .collect();
            if !known.is_empty() {
                return Ok((known, Vec::new()));
            }
        }
        let batches = self.query(&format!(
            "SELECT srcaddr, dstaddr, count(*) AS n FROM vpc_flow_logs WHERE {condition} \
             AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL GROUP BY 1, 2"
        ))?;
        let mut pairs: Vec<(String, String, i64)> = Vec::new();
        for b in &batches {
            let src = text_column(b, 0)?;
            let dst = text_column(b, 1)?;
            let n = b
                .column(2)
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            for r in 0..b.num_rows() {
                pairs.push((src[r].clone(), dst[r].clone(), n.value(r)));
            }
        }
        // As `is_private_ip` has it.
        let private = |a: &str| {
            a.parse::<IpAddr>()
                .is_ok_and(flowlake_query::udf::is_private)
        };
        let mut own: Vec<String> = Vec::new();
        let mut unsure = Vec::new();
        // Greedy cover: the address in most uncovered records (a private one first, on a
        // tie), until every record has one.
        loop {
            let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
            for (s, d, n) in &pairs {
                if own.contains(s) || own.contains(d) {
                    continue;
                }
                *counts.entry(s).or_default() += n;
                if d != s {
                    *counts.entry(d).or_default() += n;
                }
            }
            let mut ranked: Vec<(&str, i64)> = counts.into_iter().collect();
            ranked.sort_by(|x, y| {
                y.1.cmp(&x.1)
                    .then(private(y.0).cmp(&private(x.0)))
                    .then(x.0.cmp(y.0))
            });
            let Some(&(best, n)) = ranked.first() else {
                break;
            };
            // An address that is the other end of every one of those records could as well
            // be the host's own.
            let mut with_best: BTreeMap<&str, i64> = BTreeMap::new();
            for (s, d, count) in &pairs {
                if own.contains(s) || own.contains(d) || (s == best) == (d == best) {
                    continue;
                }
                let other = if s == best { d } else { s };
                *with_best.entry(other.as_str()).or_default() += count;
            }
            if let Some((other, _)) = with_best
                .into_iter()
                .find(|(other, count)| *count == n && private(other) == private(best))
            {
                unsure.push((best.to_string(), other.to_string()));
            }
            own.push(best.to_string());
        }
        own.sort();
        Ok((own, unsure))
    }

    /// Flows per hour (per day over more than two weeks) from first to last seen, as a line
    /// of blocks.
    fn activity(&mut self, from: &str) -> Result<()> {
        let span = self.query(&format!(
            "SELECT min(\"start\"), max(\"start\") {from} AND \"start\" IS NOT NULL"
        ))?;
        let (Some(lo), Some(hi)) = (first_i64(&span, 0), first_i64(&span, 1)) else {
            return Ok(());
        };
        let step = if hi - lo > 14 * 86_400 { 86_400 } else { 3_600 };
        let unit = if step == 3_600 { "hour" } else { "day" };
        let lo = lo - lo.rem_euclid(step);
        let batches = self.query(&format!(
            "SELECT \"start\" - \"start\" % {step} AS t, count(*) AS n {from} \
             AND \"start\" IS NOT NULL GROUP BY 1 ORDER BY 1"
        ))?;
        let slots = usize::try_from((hi - lo) / step + 1).unwrap_or(1);
        let mut counts = vec![0i64; slots];
        for b in &batches {
            let t = b
                .column(0)
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            let n = b
                .column(1)
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            for r in 0..b.num_rows() {
                if let Ok(i) = usize::try_from((t.value(r) - lo) / step)
                    && i < slots
                {
                    counts[i] += n.value(r);
                }
            }
        }
        let max = counts.iter().copied().max().unwrap_or(0).max(1);
        writeln!(
            self.out,
            "\n## Activity (flows per {unit}, from {} UTC; highest {max})",
            utc(lo)
        )?;
        // A line per week of hours (or per 168 days).
        for chunk in counts.chunks(168) {
            let line: String = chunk
                .iter()
                .map(|&n| {
                    if n == 0 {
                        ' '
                    } else {
                        let i = usize::try_from((n * 7 + max - 1) / max).unwrap_or(7);
                        BLOCKS[i.min(7)]
                    }
                })
                .collect();
            writeln!(self.out, "  |{line}|")?;
        }
        let busiest = counts
            .iter()
            .enumerate()
            .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
            .map_or(lo, |(i, _)| lo + i as i64 * step);
        writeln!(
            self.out,
            "  busiest {unit}: {} UTC; silent {unit}s: {}",
            utc(busiest),
            counts.iter().filter(|n| **n == 0).count()
        )?;
        Ok(())
    }

    /// Every detection's rows that name one of `names` (an address, the interface or the
    /// instance).
    fn findings(&mut self, names: &HashSet<String>) -> Result<()> {
        writeln!(self.out, "\n## Hunt findings that name it")?;
        let hunts: Vec<&flowlake_query::Hunt> = self
            .engine
            .library
            .iter()
            .filter(|h| h.kind == flowlake_query::hunt::Kind::Detection)
            .collect();
        let entries = super::hunt::evaluate(self.engine, hunts, &[])?;
        let mut any = false;
        for e in entries.iter().filter(|e| e.status == "found") {
            let matching: Vec<RecordBatch> = e
                .batches
                .iter()
                .map(|b| rows_naming(b, names))
                .collect::<Result<_>>()?;
            let n: usize = matching.iter().map(RecordBatch::num_rows).sum();
            if n == 0 {
                continue;
            }
            any = true;
            writeln!(
                self.out,
                "\n### {} ({}): {} row{}: {}",
                e.hunt.name,
                e.hunt.severity,
                n,
                if n == 1 { "" } else { "s" },
                e.hunt.title
            )?;
            self.table(&matching, false)?;
        }
        let not_looked = entries
            .iter()
            .filter(|e| !matches!(e.status, "found" | "quiet"))
            .count();
        if !any {
            writeln!(self.out, "(no detection's findings name it)")?;
        }
        if not_looked > 0 {
            writeln!(
                self.out,
                "{not_looked} detection(s) could not look (`flowlake hunt run --all` says why)"
            )?;
        }
        Ok(())
    }
}

/// The rows of `batch` with a text cell equal to one of `names`.
fn rows_naming(batch: &RecordBatch, names: &HashSet<String>) -> Result<RecordBatch> {
    let mut keep = vec![false; batch.num_rows()];
    for (i, field) in batch.schema().fields().iter().enumerate() {
        if !matches!(
            field.data_type(),
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
        ) {
            continue;
        }
        let values = text_column(batch, i)?;
        for (r, v) in values.iter().enumerate() {
            if names.contains(v) {
                keep[r] = true;
            }
        }
    }
    let mask = datafusion::arrow::array::BooleanArray::from(keep);
    Ok(datafusion::arrow::compute::filter_record_batch(
        batch, &mask,
    )?)
}

/// Column `i` of `batch` as text (empty for NULL).
fn text_column(batch: &RecordBatch, i: usize) -> Result<Vec<String>> {
    let column = batch.column(i);
    let options = FormatOptions::default().with_null("");
    let f = ArrayFormatter::try_new(column.as_ref(), &options)?;
    Ok((0..column.len()).map(|r| f.value(r).to_string()).collect())
}

fn first_i64(batches: &[RecordBatch], column: usize) -> Option<i64> {
    let b = batches.iter().find(|b| b.num_rows() > 0)?;
    let c = b.column(column);
    if c.is_null(0) {
        return None;
    }
    let c = datafusion::arrow::compute::cast(c, &DataType::Int64).ok()?;
    Some(
        c.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .value(0),
    )
}

fn utc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(
        || t.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_addresses_interfaces_or_instances() {
        assert_eq!(
            Subject::parse("10.0.2.23").unwrap(),
            Subject::Address("10.0.2.23".into())
        );
        // IPv6 in any spelling, as flow logs write it (RFC 5952), or in full.
        assert_eq!(
            Subject::parse(" 2001:DB8:0:0::1 ").unwrap(),
            Subject::Address("2001:db8::1".into())
        );
        assert_eq!(
            spellings("2001:db8::1"),
            [
                "2001:db8::1",
                "2001:DB8::1",
                "2001:db8:0:0:0:0:0:1",
                "2001:DB8:0:0:0:0:0:1",
                "2001:0db8:0000:0000:0000:0000:0000:0001",
                "2001:0DB8:0000:0000:0000:0000:0000:0001"
            ]
        );
        assert_eq!(spellings("10.0.0.1"), ["10.0.0.1"]);
        assert_eq!(
            Subject::parse("ENI-0A1B2C3D4E5F60718").unwrap(),
            Subject::Interface("eni-0a1b2c3d4e5f60718".into())
        );
        assert_eq!(
            Subject::parse("eni-0a1b2c3d4e5f60718").unwrap(),
            Subject::Interface("eni-0a1b2c3d4e5f60718".into())
        );
        assert_eq!(
            Subject::parse("i-0123456789abcdef0").unwrap(),
            Subject::Instance("i-0123456789abcdef0".into())
        );
        // Quotes cannot reach the SQL.
        let e = Subject::parse("10.0.0.1' OR '1'='1").unwrap_err();
        assert!(e.to_string().contains("is not an IP address"), "{e}");
        assert!(Subject::parse("eni-").is_err());
    }
}
