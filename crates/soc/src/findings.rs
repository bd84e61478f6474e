//! Detection rows as findings: OCSF Detection Finding (class 2004, OCSF 1.1.0) and the AWS
//! Security Finding Format (ASFF 2018-10-08) that Security Hub's `BatchImportFindings`
//! takes.
//!
//! A finding is one row of a detection hunt. Its id is a digest of the hunt's name and the
//! row's *identifying* values: its addresses, ports, protocol and window (every text column
//! but `first_seen`, `last_seen` and `pivot`, and the integer columns that name a port or a
//! protocol). Counts, bytes and last-seen times are evidence, not identity: a daily job that
//! finds the same scan again, with more flows, gives it the same id, so Security Hub updates
//! the finding instead of adding a second one.
//!
//! Sources: OCSF 1.1.0 schema, class `detection_finding` (2004) and objects `finding_info`,
//! `evidences`, `observable`, `resource_details`, `cloud`; AWS Security Hub API reference,
//! `AwsSecurityFinding` and `BatchImportFindings` (at most 100 findings a call).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};
use flowlake_query::hunt::Kind;
use flowlake_query::{Hunt, Severity};
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use crate::attack;

/// OCSF schema version of the findings.
pub const OCSF_VERSION: &str = "1.1.0";
/// ASFF schema version (the only one Security Hub defines).
pub const ASFF_VERSION: &str = "2018-10-08";
/// `BatchImportFindings` takes at most this many findings per call.
pub const ASFF_BATCH: usize = 100;

/// Columns of a detection row that are evidence of a time, not identity.
const TIME_COLUMNS: [&str; 2] = ["first_seen", "last_seen"];
/// Integer columns that identify a finding (the rest are counts).
const KEY_INTEGERS: [&str; 5] = ["port", "dstport", "srcport", "protocol", "protocol_num"];

/// What an address is in the lake: the network interface whose records show it most (an
/// instance's own ENI logs every flow it has; another ENI only the flows with it), read
/// from the records themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    pub address: String,
    pub interface_id: String,
    pub instance_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
}

/// How the findings were produced, for the command that reproduces them.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// `flowlake hunt run NAME` followed by this (`--lake L --since ...`), with the
    /// hunt's name put in front.
    pub arguments: Vec<String>,
    /// flowlake's version, in `metadata.product.version`.
    pub version: String,
    /// The time of a finding whose row has none (milliseconds): the end of the data the
    /// hunt ran on, so the same lake gives the same time.
    pub default_ms: Option<i64>,
}

/// One detection row as a finding.
#[derive(Debug, Clone)]
pub struct Finding<'a> {
    pub hunt: &'a Hunt,
    /// The row: column name to value, as the JSON writer of the results gives it.
    pub row: Map<String, Value>,
    /// Stable id: `flowlake-<hunt>-<32 hex digits>`.
    pub id: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    /// First and last time seen, in milliseconds since the epoch.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Network interfaces of the actor and target, where the lake knows them.
    pub resources: Vec<Resource>,
    /// The command that runs the same hunt the same way.
    pub command: String,
}

/// The findings of one hunt's rows (none for a report). `resources` maps an address to
/// its interface (see [`addresses`] for the ones to look up).
pub fn findings<'a, S: std::hash::BuildHasher>(
    hunt: &'a Hunt,
    rows: &[Map<String, Value>],
    resources: &HashMap<String, Resource, S>,
    run: &Run,
) -> Vec<Finding<'a>> {
    if hunt.kind != Kind::Detection {
        return Vec::new();
    }
    let command = command(hunt, run);
    rows.iter()
        .map(|row| {
            let text = |col: &Option<String>| {
                col.as_ref()
                    .and_then(|c| row.get(c))
                    .and_then(value_text)
                    .filter(|s| !s.is_empty())
            };
            let actor = text(&hunt.actor);
            let target = text(&hunt.target);
            let time = |col: &str| row.get(col).and_then(Value::as_str).and_then(parse_ms);
            let first_ms = time("first_seen")
                .or_else(|| time("window_start"))
                .or_else(|| time("minute"));
            let last_ms = time("last_seen").or(first_ms);
            let mut found: Vec<Resource> = Vec::new();
            for a in [&actor, &target].into_iter().flatten() {
                if let Some(r) = resources.get(a)
                    && !found.iter().any(|f| f.interface_id == r.interface_id)
                {
                    found.push(r.clone());
                }
            }
            Finding {
                hunt,
                id: finding_id(&hunt.name, row),
                row: row.clone(),
                actor,
                target,
                first_ms,
                last_ms,
                resources: found,
                command: command.clone(),
            }
        })
        .collect()
}

/// The addresses the rows name as actor or target, to look up as network interfaces (an
/// address outside the VPCs finds none; a VPC's own IPv6 addresses are public ones).
pub fn addresses(hunt: &Hunt, rows: &[Map<String, Value>]) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .flat_map(|row| {
            [&hunt.actor, &hunt.target]
                .into_iter()
                .flatten()
                .filter_map(|c| row.get(c).and_then(Value::as_str))
                .filter(|a| a.parse::<IpAddr>().is_ok())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The SQL that finds the interface of each address (`addresses`). For every interface
/// whose records show one of them, per address: the records showing it (`records`), those
/// where the flow direction says it is the interface's own end (`own`: the source of an
/// egress record, the destination of an ingress one), and for the interface the most
/// records any one address has (`top`) and whether its records have directions
/// (`directed`). [`resources_from_rows`] decides from these which addresses are the
/// interface's own.
pub fn resources_sql(addresses: &[String]) -> Option<String> {
    if addresses.is_empty() {
        return None;
    }
    let list = addresses
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let side = |ip: &str, direction: &str| {
        format!(
            "SELECT interface_id, {ip} AS ip, flow_direction = '{direction}' AS own, instance_id, \
             vpc_id, subnet_id, coalesce(account_id, \"aws-account-id\") AS account_id, \
             coalesce(region, \"aws-region\") AS region FROM vpc_flow_logs \
             WHERE interface_id IN (SELECT interface_id FROM candidates)"
        )
    };
    Some(format!(
        "WITH candidates AS ( \
           SELECT DISTINCT interface_id FROM vpc_flow_logs \
           WHERE (srcaddr IN ({list}) OR dstaddr IN ({list})) \
             AND interface_id IS NOT NULL AND interface_id <> '-'), \
         seen AS ( \
           SELECT interface_id, ip, count(*) AS records, count_if(own) AS own, \
                  max(instance_id) AS instance_id, max(vpc_id) AS vpc_id, \
                  max(subnet_id) AS subnet_id, max(account_id) AS account_id, \
                  max(region) AS region \
           FROM ({} UNION ALL {}) WHERE ip IS NOT NULL GROUP BY interface_id, ip), \
         per_interface AS ( \
           SELECT interface_id, max(records) AS top, sum(own) AS directed \
           FROM seen GROUP BY interface_id), \
         at_top AS ( \
           SELECT s.interface_id, count(*) AS at_top, \
                  count_if(is_private_ip(s.ip)) AS private_at_top \
           FROM seen s JOIN per_interface p ON s.interface_id = p.interface_id \
           WHERE s.records = p.top GROUP BY s.interface_id) \
         SELECT s.*, p.top, p.directed, t.at_top, t.private_at_top \
         FROM seen s JOIN per_interface p ON s.interface_id = p.interface_id \
           JOIN at_top t ON s.interface_id = t.interface_id \
         WHERE s.ip IN ({list})",
        side("srcaddr", "egress"),
        side("dstaddr", "ingress")
    ))
}

/// The interface of each address from the rows of [`resources_sql`] (as JSON objects).
/// An address belongs to an interface when the records say it is the interface's end: by
/// flow direction where the interface's records have one (version 5 formats); else when it
/// is the address the interface's records show most (an instance's own address is in all
/// of them) and no other address is shown as often, or it is the only private one of
/// those that are. Without directions, an interface that talks to one peer only shows
/// both addresses equally often, and gives neither. Of several interfaces, the one with
/// the most records wins, ties to the smallest id.
pub fn resources_from_rows(rows: &[Map<String, Value>]) -> HashMap<String, Resource> {
    let mut best: HashMap<String, (i64, Resource)> = HashMap::new();
    for row in rows {
        let s = |k: &str| {
            row.get(k)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty() && *v != "-")
                .map(str::to_string)
        };
        let n = |k: &str| row.get(k).and_then(Value::as_i64).unwrap_or(0);
        let (Some(ip), Some(interface_id)) = (s("ip"), s("interface_id")) else {
            continue;
        };
        let records = n("records");
        let own = if n("directed") > 0 {
            n("own") > 0
        } else {
            let private = ip
                .parse::<IpAddr>()
                .is_ok_and(flowlake_query::udf::is_private);
            records == n("top") && (n("at_top") == 1 || (private && n("private_at_top") == 1))
        };
        if !own {
            continue;
        }
        let r = Resource {
            address: ip.clone(),
            interface_id,
            instance_id: s("instance_id"),
            vpc_id: s("vpc_id"),
            subnet_id: s("subnet_id"),
            account_id: s("account_id").filter(|a| a != "unknown"),
            region: s("region"),
        };
        match best.get(&ip) {
            Some((n, old))
                if *n > records || (*n == records && old.interface_id <= r.interface_id) => {}
            _ => {
                best.insert(ip, (records, r));
            }
        }
    }
    best.into_iter().map(|(k, (_, r))| (k, r)).collect()
}

/// `flowlake-<hunt>-<md5 of the hunt and the row's identifying values>`.
pub fn finding_id(hunt: &str, row: &Map<String, Value>) -> String {
    let key: BTreeMap<&str, String> = row
        .iter()
        .filter(|(k, v)| is_identity(k, v))
        .map(|(k, v)| (k.as_str(), value_text(v).unwrap_or_default()))
        .collect();
    let mut h = Md5::new();
    h.update(hunt.as_bytes());
    for (k, v) in key {
        h.update([0]);
        h.update(k.as_bytes());
        h.update([b'=']);
        h.update(v.as_bytes());
    }
    let digest = h.finalize();
    let hex = digest.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!("flowlake-{hunt}-{hex}")
}

fn is_identity(column: &str, value: &Value) -> bool {
    if column == "pivot" || TIME_COLUMNS.contains(&column) {
        return false;
    }
    match value {
        Value::String(_) => true,
        Value::Number(_) => KEY_INTEGERS.contains(&column),
        _ => false,
    }
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_ms(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn command(hunt: &Hunt, run: &Run) -> String {
    let mut words = vec![
        "flowlake".to_string(),
        "hunt".into(),
        "run".into(),
        hunt.name.clone(),
    ];
    words.extend(run.arguments.iter().cloned());
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `w` as one shell word: as is when it is plain, else in single quotes.
pub fn shell_quote(w: &str) -> String {
    if !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@+".contains(&b))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

fn severity_id(s: Severity) -> (u8, &'static str, &'static str) {
    // OCSF severity_id / caption, ASFF Severity.Label.
    match s {
        Severity::Info => (1, "Informational", "INFORMATIONAL"),
        Severity::Low => (2, "Low", "LOW"),
        Severity::Medium => (3, "Medium", "MEDIUM"),
        Severity::High => (4, "High", "HIGH"),
    }
}

/// The AWS partition of a region: `aws-cn` for China, `aws-us-gov` for the `GovCloud`
/// regions.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn is_ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

impl Finding<'_> {
    /// A port the row names (`port`, else `dstport`).
    fn port(&self) -> Option<i64> {
        ["port", "dstport"]
            .iter()
            .find_map(|c| self.row.get(*c).and_then(Value::as_i64))
            .filter(|p| (0..=65_535).contains(p))
            .filter(|_| self.target.as_deref().and_then(is_ip).is_some())
    }

    /// The row's pivot with the run's `--lake`, window and lists, so it runs as is.
    fn pivot(&self, run: &Run) -> Option<String> {
        let pivot = self.row.get("pivot").and_then(Value::as_str)?;
        let lake_args: Vec<String> = run
            .arguments
            .chunks(2)
            .filter(|kv| kv[0] != "--param")
            .flat_map(|kv| kv.iter().map(|w| shell_quote(w)))
            .collect();
        Some(if lake_args.is_empty() {
            pivot.to_string()
        } else {
            format!("{pivot} {}", lake_args.join(" "))
        })
    }

    fn first_resource_with(&self, f: impl Fn(&Resource) -> bool) -> Option<&Resource> {
        self.resources.iter().find(|r| f(r))
    }

    fn message(&self) -> String {
        match (&self.actor, &self.target) {
            (Some(a), Some(t)) => format!("{}: {a} -> {t}", self.hunt.title),
            (Some(a), None) => format!("{}: {a}", self.hunt.title),
            (None, Some(t)) => format!("{}: {t}", self.hunt.title),
            (None, None) => self.hunt.title.clone(),
        }
    }

    /// The OCSF 1.1.0 Detection Finding (class 2004) of this row.
    pub fn to_ocsf(&self, run: &Run) -> Value {
        let (sev_id, sev, _) = severity_id(self.hunt.severity);
        let time = self
            .last_ms
            .or(self.first_ms)
            .or(run.default_ms)
            .unwrap_or_default();
        let mut attacks = Vec::new();
        for id in &self.hunt.mitre {
            let Some(t) = attack::technique(id) else {
                continue;
            };
            let mut a = Map::new();
            a.insert(
                "tactic".into(),
                json!({"uid": t.tactic_id, "name": t.tactic}),
            );
            match id.split_once('.') {
                Some((parent, _)) => {
                    let parent_name = attack::technique(parent)
                        .map_or_else(|| t.name.split(':').next().unwrap_or(t.name), |p| p.name);
                    a.insert(
                        "technique".into(),
                        json!({"uid": parent, "name": parent_name}),
                    );
                    a.insert("sub_technique".into(), json!({"uid": id, "name": t.name}));
                }
                None => {
                    a.insert("technique".into(), json!({"uid": id, "name": t.name}));
                }
            }
            attacks.push(Value::Object(a));
        }
        let types: Vec<String> = if self.hunt.guardduty.is_empty() {
            vec![format!("flowlake:{}", self.hunt.name)]
        } else {
            self.hunt.guardduty.clone()
        };
        let mut info = json!({
            "uid": self.id,
            "title": self.hunt.title,
            "desc": self.hunt.description.trim(),
            "types": types,
            "analytic": {"uid": self.hunt.name, "name": self.hunt.name, "type_id": 1, "type": "Rule"},
            "data_sources": ["Amazon VPC Flow Logs"],
        });
        if !attacks.is_empty() {
            info["attacks"] = Value::Array(attacks);
        }
        if let Some(ms) = self.first_ms {
            info["first_seen_time"] = json!(ms);
        }
        if let Some(ms) = self.last_ms {
            info["last_seen_time"] = json!(ms);
        }
        let mut evidence = Map::new();
        let endpoint = |addr: &str, port: Option<i64>| {
            let mut e = Map::new();
            if is_ip(addr).is_some() {
                e.insert("ip".into(), json!(addr));
            } else {
                e.insert("uid".into(), json!(addr));
            }
            if let Some(p) = port {
                e.insert("port".into(), json!(p));
            }
            Value::Object(e)
        };
        let mut observables = Vec::new();
        let mut observe = |name: &str, value: &str| {
            let (type_id, ty) = if is_ip(value).is_some() {
                (2, "IP Address")
            } else {
                (10, "Resource UID")
            };
            observables.push(json!({"name": name, "type_id": type_id, "type": ty, "value": value}));
        };
        if let Some(a) = &self.actor {
            evidence.insert("src_endpoint".into(), endpoint(a, None));
            let field = if is_ip(a).is_some() { "ip" } else { "uid" };
            observe(&format!("evidences[0].src_endpoint.{field}"), a);
        }
        if let Some(t) = &self.target {
            evidence.insert("dst_endpoint".into(), endpoint(t, self.port()));
            let field = if is_ip(t).is_some() { "ip" } else { "uid" };
            observe(&format!("evidences[0].dst_endpoint.{field}"), t);
        }
        evidence.insert("data".into(), Value::Object(self.row.clone()));
        let resources: Vec<Value> = self
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| {
                observe(&format!("resources[{i}].uid"), &r.interface_id);
                let mut data = Map::new();
                data.insert("address".into(), json!(r.address));
                for (k, v) in [
                    ("instance_id", &r.instance_id),
                    ("vpc_id", &r.vpc_id),
                    ("subnet_id", &r.subnet_id),
                    ("account_id", &r.account_id),
                ] {
                    if let Some(v) = v {
                        data.insert(k.into(), json!(v));
                    }
                }
                let mut o = json!({
                    "uid": r.interface_id,
                    "type": "AWS::EC2::NetworkInterface",
                    "cloud_partition": "aws",
                    "data": data,
                });
                if let Some(region) = &r.region {
                    o["region"] = json!(region);
                }
                o
            })
            .collect();
        let mut f = json!({
            "activity_id": 1,
            "activity_name": "Create",
            "category_uid": 2,
            "category_name": "Findings",
            "class_uid": 2004,
            "class_name": "Detection Finding",
            "type_uid": 200_401,
            "type_name": "Detection Finding: Create",
            "severity_id": sev_id,
            "severity": sev,
            "status_id": 1,
            "status": "New",
            "time": time,
            "message": self.message(),
            "metadata": {
                "version": OCSF_VERSION,
                "uid": self.id,
                "profiles": ["cloud"],
                "product": {"name": "flowlake", "vendor_name": "flowlake", "version": run.version},
            },
            "finding_info": info,
            "remediation": {"desc": self.hunt.triage.trim()},
            "observables": observables,
            "evidences": [Value::Object(evidence)],
            "unmapped": {"flowlake_command": self.command},
        });
        if let Some(ms) = self.first_ms {
            f["start_time"] = json!(ms);
        }
        if let Some(ms) = self.last_ms {
            f["end_time"] = json!(ms);
        }
        if let Some(p) = self.pivot(run) {
            f["unmapped"]["flowlake_pivot"] = json!(p);
        }
        if !resources.is_empty() {
            f["resources"] = Value::Array(resources);
        }
        if let Some(r) = self.first_resource_with(|r| r.account_id.is_some()) {
            let account = r.account_id.clone().unwrap_or_default();
            let mut cloud = json!({
                "provider": "AWS",
                "account": {"uid": account, "name": account, "type_id": 10, "type": "AWS Account"},
            });
            if let Some(region) = &r.region {
                cloud["region"] = json!(region);
            }
            f["cloud"] = cloud;
        }
        f
    }

    /// The ASFF finding of this row, for the custom-integration product of `account` in
    /// `region` (`arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`). With
    /// that product, Security Hub takes only findings of the calling account, so
    /// `AwsAccountId` is `account`; the flow log's own account is in `ProductFields`.
    pub fn to_asff(&self, account: &str, region: &str, now: DateTime<Utc>, run: &Run) -> Value {
        let (_, _, label) = severity_id(self.hunt.severity);
        let partition = partition_of(region);
        let now = now.to_rfc3339_opts(SecondsFormat::Millis, true);
        let first = self
            .first_ms
            .or(run.default_ms)
            .map_or_else(|| now.clone(), iso);
        let last = self.last_ms.map_or_else(|| first.clone(), iso);
        let category = attack::asff_category(&self.hunt.mitre, &self.hunt.guardduty);
        let classifiers: Vec<String> = if self.hunt.guardduty.is_empty() {
            vec![format!("flowlake-{}", self.hunt.name)]
        } else {
            self.hunt
                .guardduty
                .iter()
                .map(|g| g.replace('/', "-"))
                .collect()
        };
        let types: Vec<String> = classifiers
            .iter()
            .map(|c| format!("{category}/{c}"))
            .collect();
        // Security Hub refuses blank text: a hunt without a description or triage notes
        // gives its title.
        let or_title = |s: &str| -> String {
            if s.trim().is_empty() {
                self.hunt.title.clone()
            } else {
                s.trim().to_string()
            }
        };
        // ProductFields: non-blank string values, at most 50 entries, keys of at most 128
        // characters.
        let mut fields = Map::new();
        fields.insert("flowlake/hunt".into(), json!(self.hunt.name));
        fields.insert(
            "flowlake/command".into(),
            json!(truncate(&self.command, 2048)),
        );
        if let Some(p) = self.pivot(run) {
            fields.insert("flowlake/pivot".into(), json!(truncate(&p, 2048)));
        }
        if let Some(a) = self
            .first_resource_with(|r| r.account_id.is_some())
            .and_then(|r| r.account_id.clone())
        {
            fields.insert("flowlake/flow_log_account".into(), json!(a));
        }
        for (k, v) in &self.row {
            if fields.len() >= 50 {
                break;
            }
            if let Some(text) = value_text(v).filter(|t| !t.trim().is_empty()) {
                let key: String = format!("flowlake/row/{k}").chars().take(128).collect();
                fields.insert(key, json!(truncate(&text, 2048)));
            }
        }
        let mut network = Map::new();
        let mut put_ip = |which: &str, addr: &Option<String>| {
            if let Some(ip) = addr.as_deref().and_then(is_ip) {
                let key = match ip {
                    IpAddr::V4(_) => format!("{which}IpV4"),
                    IpAddr::V6(_) => format!("{which}IpV6"),
                };
                network.insert(key, json!(ip.to_string()));
            }
        };
        put_ip("Source", &self.actor);
        put_ip("Destination", &self.target);
        if !network.is_empty() {
            // Inbound when the lake knows the target's interface but not the actor's, or
            // the actor is outside private ranges.
            let known = |a: &Option<String>| {
                a.as_ref()
                    .is_some_and(|a| self.resources.iter().any(|r| &r.address == a))
            };
            let inbound = (known(&self.target) && !known(&self.actor))
                || self
                    .actor
                    .as_deref()
                    .and_then(is_ip)
                    .is_some_and(|ip| !flowlake_query::udf::is_private(ip));
            network.insert(
                "Direction".into(),
                json!(if inbound { "IN" } else { "OUT" }),
            );
            if let Some(p) = self.port() {
                network.insert("DestinationPort".into(), json!(p));
            }
            if let Some(p) = self
                .row
                .get("protocol")
                .and_then(Value::as_str)
                .filter(|p| !p.trim().is_empty())
            {
                network.insert("Protocol".into(), json!(p));
            }
        }
        let mut resources = Vec::new();
        for r in &self.resources {
            let acct = r.account_id.as_deref().unwrap_or(account);
            let reg = r.region.as_deref().unwrap_or(region);
            let partition = partition_of(reg);
            resources.push(json!({
                "Type": "AwsEc2NetworkInterface",
                "Id": format!("arn:{partition}:ec2:{reg}:{acct}:network-interface/{}", r.interface_id),
                "Partition": partition,
                "Region": reg,
            }));
            if let Some(i) = &r.instance_id {
                resources.push(json!({
                    "Type": "AwsEc2Instance",
                    "Id": format!("arn:{partition}:ec2:{reg}:{acct}:instance/{i}"),
                    "Partition": partition,
                    "Region": reg,
                }));
            }
        }
        for a in [&self.actor, &self.target].into_iter().flatten() {
            if !self.resources.iter().any(|r| &r.address == a) {
                resources.push(
                    json!({"Type": "Other", "Id": a, "Partition": partition, "Region": region}),
                );
            }
        }
        if resources.is_empty() {
            resources.push(json!({"Type": "Other", "Id": self.hunt.name, "Partition": partition, "Region": region}));
        }
        resources.truncate(32);
        let mut f = json!({
            "SchemaVersion": ASFF_VERSION,
            "Id": self.id,
            "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
            "ProductName": "flowlake",
            "CompanyName": "flowlake",
            "GeneratorId": format!("flowlake/{}", self.hunt.name),
            "AwsAccountId": account,
            "Region": region,
            "Types": types,
            "CreatedAt": first,
            "UpdatedAt": now,
            "FirstObservedAt": first,
            "LastObservedAt": last,
            "Severity": {"Label": label, "Original": self.hunt.severity.to_string()},
            "Title": truncate(&self.message(), 256),
            "Description": truncate(&or_title(&self.hunt.description), 1024),
            "Remediation": {"Recommendation": {"Text": truncate(&or_title(&self.hunt.triage), 512)}},
            "ProductFields": fields,
            "Resources": resources,
            "RecordState": "ACTIVE",
        });
        if !network.is_empty() {
            f["Network"] = Value::Object(network);
        }
        f
    }
}

/// Findings in `BatchImportFindings` request bodies: `{"Findings": [...]}` of at most
/// [`ASFF_BATCH`] findings each.
pub fn asff_batches(findings: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut batch = Vec::new();
    for f in findings {
        batch.push(f);
        if batch.len() == ASFF_BATCH {
            out.push(json!({"Findings": std::mem::take(&mut batch)}));
        }
    }
    if !batch.is_empty() {
        out.push(json!({"Findings": batch}));
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib() -> flowlake_query::Library {
        flowlake_query::Library::load(&[]).unwrap()
    }

    fn row(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn every_detection_names_who_did_it_or_what_was_reached() {
        for h in lib().iter().filter(|h| h.kind == Kind::Detection) {
            assert!(
                h.actor.is_some() || h.target.is_some(),
                "{} names neither an actor nor a target column",
                h.name
            );
        }
    }

    #[test]
    fn the_id_is_the_hunt_and_the_identifying_values_only() {
        let a = row(
            json!({"scanner": "10.0.0.5", "target": "198.51.100.7", "window_start": "2026-03-01T01:00:00.000Z",
            "ports": 30, "first_seen": "2026-03-01T01:02:00.000Z", "last_seen": "2026-03-01T01:09:00.000Z", "pivot": "x"}),
        );
        let mut more = a.clone();
        more.insert("ports".into(), json!(900));
        more.insert("last_seen".into(), json!("2026-03-01T01:59:00.000Z"));
        assert_eq!(finding_id("port-scan", &a), finding_id("port-scan", &more));
        let mut other_window = a.clone();
        other_window.insert("window_start".into(), json!("2026-03-01T02:00:00.000Z"));
        assert_ne!(
            finding_id("port-scan", &a),
            finding_id("port-scan", &other_window)
        );
        let mut other_port = row(json!({"attacker": "1.2.3.4", "port": 22}));
        let ssh = finding_id("ssh-brute-force", &other_port);
        other_port.insert("port".into(), json!(2222));
        assert_ne!(ssh, finding_id("ssh-brute-force", &other_port));
        assert_ne!(finding_id("port-scan", &a), finding_id("port-sweep", &a));
    }

    #[test]
    fn an_ocsf_finding_carries_the_row_the_roles_and_the_times() {
        let lib = lib();
        let hunt = lib.get("port-scan").unwrap();
        let r = row(
            json!({"scanner": "10.0.0.5", "target": "198.51.100.7", "window_start": "2026-03-01T01:00:00.000Z",
            "ports": 30, "first_seen": "2026-03-01T01:02:00.000Z", "last_seen": "2026-03-01T01:09:00.500Z", "pivot": "p"}),
        );
        let mut res = HashMap::new();
        res.insert(
            "10.0.0.5".to_string(),
            Resource {
                address: "10.0.0.5".into(),
                interface_id: "eni-1".into(),
                instance_id: Some("i-1".into()),
                account_id: Some("111122223333".into()),
                region: Some("eu-west-1".into()),
                ..Resource::default()
            },
        );
        let run = Run {
            arguments: vec!["--lake".into(), "my lake".into()],
            version: "0.1.0".into(),
            default_ms: None,
        };
        let f = &findings(hunt, &[r], &res, &run)[0];
        let o = f.to_ocsf(&run);
        assert_eq!(o["class_uid"], 2004);
        assert_eq!(o["severity_id"], 4);
        assert_eq!(o["start_time"], 1_772_326_920_000_i64);
        assert_eq!(o["time"], 1_772_327_340_500_i64);
        assert_eq!(o["evidences"][0]["src_endpoint"]["ip"], "10.0.0.5");
        assert_eq!(o["evidences"][0]["dst_endpoint"]["ip"], "198.51.100.7");
        assert_eq!(o["evidences"][0]["data"]["ports"], 30);
        assert_eq!(o["resources"][0]["uid"], "eni-1");
        assert_eq!(o["cloud"]["account"]["uid"], "111122223333");
        assert_eq!(o["finding_info"]["attacks"][0]["technique"]["uid"], "T1046");
        assert_eq!(
            o["unmapped"]["flowlake_command"],
            "flowlake hunt run port-scan --lake 'my lake'"
        );
        let a = f.to_asff("123456789012", "us-east-1", Utc::now(), &run);
        assert_eq!(a["Id"], o["finding_info"]["uid"]);
        assert_eq!(a["Types"][0], "TTPs/Discovery/Recon:EC2-Portscan");
        assert_eq!(a["Network"]["Direction"], "OUT");
        assert_eq!(
            a["Resources"][0]["Id"],
            "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-1"
        );
        assert_eq!(a["Resources"][1]["Type"], "AwsEc2Instance");
        assert_eq!(a["Resources"][2]["Id"], "198.51.100.7");
    }

    #[test]
    fn batches_hold_at_most_a_hundred() {
        let b = asff_batches((0..250).map(|i| json!(i)).collect());
        let sizes: Vec<usize> = b
            .iter()
            .map(|x| x["Findings"].as_array().unwrap().len())
            .collect();
        assert_eq!(sizes, [100, 100, 50]);
        assert!(asff_batches(Vec::new()).is_empty());
    }

    #[test]
    fn an_address_gets_an_interface_only_where_it_is_the_interfaces_own() {
        let j = |ip: &str,
                 eni: &str,
                 records: i64,
                 top: i64,
                 directed: i64,
                 own: i64,
                 at_top: i64,
                 private_at_top: i64| {
            row(
                json!({"ip": ip, "interface_id": eni, "records": records, "top": top,
                       "directed": directed, "own": own, "at_top": at_top,
                       "private_at_top": private_at_top, "instance_id": format!("i-{eni}")}),
            )
        };
        let rows = [
            // Without directions: the address an interface's records show most is its own.
            j("10.0.0.5", "eni-a", 90, 90, 0, 0, 1, 1),
            j("10.0.0.5", "eni-b", 3, 50, 0, 0, 1, 1),
            // With directions: an attacker seen only by its victim's interface gets none.
            j("10.9.9.9", "eni-victim", 600, 600, 600, 0, 2, 2),
            j("10.0.1.11", "eni-victim", 600, 600, 600, 600, 2, 2),
            // Without directions, an interface that only talks to one peer shows both
            // addresses in every record: neither is given it...
            j("10.9.9.8", "eni-v2", 600, 600, 0, 0, 2, 2),
            j("10.0.2.11", "eni-v2", 600, 600, 0, 0, 2, 2),
            // ...unless only one of them is private.
            j("203.0.113.9", "eni-v2p", 600, 600, 0, 0, 2, 1),
            j("10.0.3.11", "eni-v2p", 600, 600, 0, 0, 2, 1),
            j("10.0.0.6", "-", 5, 5, 0, 0, 1, 1),
        ];
        let r = resources_from_rows(&rows);
        assert_eq!(r["10.0.0.5"].interface_id, "eni-a");
        assert_eq!(r["10.0.0.5"].instance_id.as_deref(), Some("i-eni-a"));
        assert_eq!(r["10.0.1.11"].interface_id, "eni-victim");
        assert!(!r.contains_key("10.9.9.9"), "{r:?}");
        assert!(
            !r.contains_key("10.9.9.8") && !r.contains_key("10.0.2.11"),
            "{r:?}"
        );
        assert!(!r.contains_key("203.0.113.9"), "{r:?}");
        assert_eq!(r["10.0.3.11"].interface_id, "eni-v2p");
        assert!(!r.contains_key("10.0.0.6"));
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition_of("us-east-1"), "aws");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
    }
}
