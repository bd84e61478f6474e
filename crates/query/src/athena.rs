//! Athena's side of the lake: the `CREATE EXTERNAL TABLE` for it, and hunts rewritten in
//! Athena's SQL (flowlake's functions spelled as Trino expressions).

use std::fmt::Write as _;

use crate::hunt::Hunt;
use flowlog::RecordKind;

/// What the DDL needs to know about a lake.
#[derive(Debug, Clone, Default)]
pub struct DdlOptions {
    /// The lake's root (`s3://bucket/prefix/`), the folder that holds `AWSLogs/`.
    pub location: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// Partitioned by hour as well as by day.
    pub hour: bool,
    /// Table name; the kind's (`vpc_flow_logs`, `tgw_flow_logs`) by default.
    pub table: Option<String>,
    /// VPC or transit gateway flow logs: the columns, and where the table's folder is.
    pub kind: RecordKind,
}

/// The root of `kind`'s table inside the lake at `location`.
fn table_root(location: &str, kind: RecordKind) -> String {
    let mut root = location.trim_end_matches('/').to_string();
    if root.ends_with("/AWSLogs") {
        root.truncate(root.len() - "/AWSLogs".len());
    }
    match flowlake_table::table_dir(kind) {
        Some(dir) if !root.ends_with(&format!("/{dir}")) => format!("{root}/{dir}"),
        _ => root,
    }
}

/// `CREATE EXTERNAL TABLE` with every column in the type flowlake writes, the partition
/// columns of AWS's layout and partition projection, so no crawler and no `MSCK REPAIR
/// TABLE` is needed.
pub fn create_table(o: &DdlOptions) -> String {
    let root = table_root(&o.location, o.kind);
    let table = o.table.as_deref().unwrap_or(o.kind.table_name());
    let mut s = format!("CREATE EXTERNAL TABLE IF NOT EXISTS `{table}` (\n");
    let cols: Vec<String> = o
        .kind
        .fields()
        .iter()
        .map(|f| format!("  `{}` {}", f.column, f.ty.athena_type()))
        .collect();
    s.push_str(&cols.join(",\n"));
    s.push_str("\n)\nPARTITIONED BY (\n");
    let by = if o.hour {
        flowlake_table::PartitionBy::Hour
    } else {
        flowlake_table::PartitionBy::Day
    };
    let p: Vec<String> = by
        .columns()
        .iter()
        .map(|c| format!("  `{c}` string"))
        .collect();
    s.push_str(&p.join(",\n"));
    let _ = write!(
        s,
        "\n)\nSTORED AS PARQUET\nLOCATION '{root}/AWSLogs/'\nTBLPROPERTIES (\n"
    );
    let mut props: Vec<(String, String)> = vec![
        ("projection.enabled".into(), "true".into()),
        ("projection.aws-account-id.type".into(), "enum".into()),
        (
            "projection.aws-account-id.values".into(),
            o.accounts.join(","),
        ),
        ("projection.aws-service.type".into(), "enum".into()),
        ("projection.aws-service.values".into(), "vpcflowlogs".into()),
        ("projection.aws-region.type".into(), "enum".into()),
        ("projection.aws-region.values".into(), o.regions.join(",")),
        ("projection.year.type".into(), "integer".into()),
        ("projection.year.range".into(), "2015,2099".into()),
    ];
    for (part, range) in [("month", "1,12"), ("day", "1,31"), ("hour", "0,23")] {
        if part == "hour" && !o.hour {
            continue;
        }
        props.push((format!("projection.{part}.type"), "integer".into()));
        props.push((format!("projection.{part}.range"), range.into()));
        props.push((format!("projection.{part}.digits"), "2".into()));
    }
    let mut template = format!(
        "{root}/AWSLogs/aws-account-id=${{aws-account-id}}/aws-service=${{aws-service}}/aws-region=${{aws-region}}/year=${{year}}/month=${{month}}/day=${{day}}"
    );
    if o.hour {
        template.push_str("/hour=${hour}");
    }
    props.push(("storage.location.template".into(), template));
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("  '{k}' = '{v}'"))
        .collect();
    s.push_str(&props.join(",\n"));
    s.push_str("\n);\n");
    s.push_str(
        "-- A Hive table over the lake's folders: no table-log support needed, but a query can
-- see some of a commit's files while it is being published, and the old and the new
-- files of a compaction until its grace period ends (`flowlake compact --grace`, 10 s).
-- For one committed version per query, use the Delta table (`--table-type delta`).
",
    );
    s
}

/// `CREATE EXTERNAL TABLE` of the lake as a Delta Lake table: Athena reads the columns,
/// the partitions and the files from the lake's table log (`_delta_log/` at `location`).
/// Athena's syntax: "Querying Linux Foundation Delta Lake tables" in the Athena user guide.
pub fn create_delta_table(location: &str, table: Option<&str>, kind: RecordKind) -> String {
    let root = table_root(location, kind);
    let table = table.unwrap_or(kind.table_name());
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS `{table}`
LOCATION '{root}/'
TBLPROPERTIES ('table_type' = 'DELTA');
-- A Delta Lake table: each query reads one committed version of the lake's table log,
-- never part of a commit and never both sides of a compaction. The columns and the
-- partitions come from the log, so there is nothing to project or repair.
"
    )
}

/// A rendered hunt in Athena's dialect, with a header saying what it is.
pub fn export_hunt(hunt: &Hunt, rendered_sql: &str) -> String {
    let mut s = format!("-- {}: {}\n", hunt.name, hunt.title);
    for line in textwrap(&hunt.description, 88) {
        let _ = writeln!(s, "-- {line}");
    }
    if !hunt.mitre.is_empty() {
        let _ = writeln!(s, "-- MITRE ATT&CK: {}", hunt.mitre.join(", "));
    }
    if !hunt.params.is_empty() {
        let defaults: Vec<String> = hunt
            .defaults()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or("? (EXECUTE ... USING)")))
            .collect();
        let _ = writeln!(
            s,
            "-- Parameters (defaults written in): {}",
            defaults.join(" ")
        );
    }
    if hunt.ioc.is_some() {
        s.push_str(
            "-- Needs a table `ioc` (indicator string: CIDR block, category string) holding your\n\
             -- threat-intelligence list.\n",
        );
    }
    s.push_str(&to_athena(rendered_sql));
    s.push_str(";\n");
    s
}

fn textwrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Private and special-purpose blocks, as flowlake's `is_private_ip` defines them.
pub(crate) const PRIVATE_BLOCKS: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
];

const PROTOCOLS: &[(i64, &str)] = &[
    (1, "ICMP"),
    (2, "IGMP"),
    (4, "IPv4"),
    (6, "TCP"),
    (17, "UDP"),
    (41, "IPv6"),
    (47, "GRE"),
    (50, "ESP"),
    (51, "AH"),
    (58, "ICMPv6"),
    (89, "OSPF"),
    (103, "PIM"),
    (112, "VRRP"),
    (132, "SCTP"),
];

/// Rewrite flowlake's own functions as Athena (Trino) expressions. Everything else
/// (`from_unixtime`, `to_iso8601`, `date_format`, `count_if`, window functions, quoted
/// identifiers) is already Athena's.
pub fn to_athena(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let b = sql.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let end = skip_quoted(b, i);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map_or(b.len(), |n| i + n);
                out.push_str(&sql[i..end]);
                i = end;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &sql[start..i];
                let mut j = i;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let translated = if b.get(j) == Some(&b'(') {
                    let close = matching_paren(b, j);
                    let args: Vec<String> = split_args(&sql[j + 1..close])
                        .iter()
                        .map(|a| to_athena(a.trim()))
                        .collect();
                    translate_call(&word.to_ascii_lowercase(), &args).map(|t| (t, close + 1))
                } else {
                    None
                };
                match translated {
                    Some((text, next)) => {
                        out.push_str(&text);
                        i = next;
                    }
                    None => out.push_str(word),
                }
            }
            _ => {
                let ch = sql[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn translate_call(name: &str, args: &[String]) -> Option<String> {
    let ip = |e: &str| format!("CAST({e} AS IPADDRESS)");
    Some(match (name, args) {
        ("cidr_contains", [cidr, addr]) => format!("contains({cidr}, {})", ip(addr)),
        ("is_private_ip", [addr]) => {
            let tests: Vec<String> = PRIVATE_BLOCKS
                .iter()
                .map(|c| format!("contains('{c}', {})", ip(addr)))
                .collect();
            format!("({})", tests.join(" OR "))
        }
        ("protocol_name", [n]) => {
            let mut s = format!("CASE {n}");
            for (num, label) in PROTOCOLS {
                let _ = write!(s, " WHEN {num} THEN '{label}'");
            }
            let _ = write!(s, " ELSE CAST({n} AS VARCHAR) END");
            s
        }
        ("tcp_flags_names", [n]) => format!(
            "CASE WHEN {n} IS NULL THEN NULL ELSE array_join(filter(ARRAY[\
             CASE WHEN bitwise_and({n}, 18) = 18 THEN 'SYN-ACK' WHEN bitwise_and({n}, 2) <> 0 THEN 'SYN' END, \
             CASE WHEN bitwise_and({n}, 1) <> 0 THEN 'FIN' END, \
             CASE WHEN bitwise_and({n}, 4) <> 0 THEN 'RST' END], x -> x IS NOT NULL), ',') END"
        ),
        ("approx_percentile_cont", [x, p]) => format!("approx_percentile({x}, {p})"),
        _ => return None,
    })
}

/// Index just past the quoted string or identifier starting at `i` (doubled quotes escape).
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// Index of the `)` closing the `(` at `open` (or the end of the text).
fn matching_paren(b: &[u8], open: usize) -> usize {
    let mut depth = 0;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            b'\'' | b'"' => {
                j = skip_quoted(b, j);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len() - 1
}

/// Split a call's argument text at top-level commas.
fn split_args(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut start, mut j) = (0, 0, 0);
    while j < b.len() {
        match b[j] {
            b'\'' | b'"' => {
                j = skip_quoted(b, j);
                continue;
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                out.push(&s[start..j]);
                start = j + 1;
            }
            _ => {}
        }
        j += 1;
    }
    if !s[start..].trim().is_empty() || !out.is_empty() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowlake_functions_become_trino_expressions() {
        assert_eq!(
            to_athena("SELECT srcaddr FROM t WHERE cidr_contains('10.0.0.0/8', srcaddr)"),
            "SELECT srcaddr FROM t WHERE contains('10.0.0.0/8', CAST(srcaddr AS IPADDRESS))"
        );
        let p = to_athena("protocol_name(protocol)");
        assert!(
            p.starts_with("CASE protocol WHEN 1 THEN 'ICMP'")
                && p.ends_with("ELSE CAST(protocol AS VARCHAR) END"),
            "{p}"
        );
        let nested = to_athena("count_if(NOT is_private_ip(split_part(x, ',', 1)))");
        assert!(
            nested.starts_with(
                "count_if(NOT (contains('10.0.0.0/8', CAST(split_part(x, ',', 1) AS IPADDRESS))"
            ),
            "{nested}"
        );
        assert_eq!(
            to_athena("approx_percentile_cont(bytes, 0.5)"),
            "approx_percentile(bytes, 0.5)"
        );
    }

    #[test]
    fn strings_identifiers_and_comments_are_left_alone() {
        let sql = "SELECT 'is_private_ip(x)', \"cidr_contains\" -- protocol_name(p)\nFROM t";
        assert_eq!(to_athena(sql), sql);
    }

    #[test]
    fn the_ddl_projects_every_partition() {
        let ddl = create_table(&DdlOptions {
            location: "s3://bucket/lake/".into(),
            accounts: vec!["111122223333".into(), "444455556666".into()],
            regions: vec!["us-east-1".into()],
            hour: true,
            table: None,
            kind: RecordKind::Vpc,
        });
        assert!(
            ddl.contains("LOCATION 's3://bucket/lake/AWSLogs/'"),
            "{ddl}"
        );
        assert!(ddl.contains("`end` bigint"), "{ddl}");
        assert!(ddl.contains("`tcp_flags` int"), "{ddl}");
        assert!(ddl.contains("'projection.aws-account-id.values' = '111122223333,444455556666'"));
        assert!(ddl.contains("'projection.hour.range' = '0,23'"));
        assert!(ddl.contains("/day=${day}/hour=${hour}'"), "{ddl}");
        assert_eq!(
            ddl.matches(" bigint").count()
                + ddl.matches(" int,").count()
                + ddl.matches(" int\n").count()
                + ddl.matches(" string").count(),
            54 + 7
        );
    }

    #[test]
    fn the_transit_gateway_table_is_in_its_own_folder() {
        let ddl = create_table(&DdlOptions {
            location: "s3://bucket/lake".into(),
            accounts: vec!["444455556666".into()],
            regions: vec!["eu-west-1".into()],
            hour: false,
            table: None,
            kind: RecordKind::TransitGateway,
        });
        assert!(ddl.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS `tgw_flow_logs` ("));
        assert!(
            ddl.contains("LOCATION 's3://bucket/lake/_tgw_flow_logs/AWSLogs/'"),
            "{ddl}"
        );
        assert!(ddl.contains("`packets_lost_blackhole` bigint"), "{ddl}");
        assert!(
            ddl.contains(
                "'s3://bucket/lake/_tgw_flow_logs/AWSLogs/aws-account-id=${aws-account-id}"
            ),
            "{ddl}"
        );
        assert!(!ddl.contains("`vpc_id`"));
        let delta = create_delta_table("s3://bucket/lake/", None, RecordKind::TransitGateway);
        assert!(
            delta.contains("`tgw_flow_logs`\nLOCATION 's3://bucket/lake/_tgw_flow_logs/'"),
            "{delta}"
        );
    }
}
