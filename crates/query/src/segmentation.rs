//! Segmentation validation: does the traffic the flow logs recorded keep to a zone policy?
//!
//! A policy names zones (CIDR blocks, and subnets or tags resolved to addresses through
//! `--eni-metadata`) and the flows allowed between them. Every flow between two zones
//! that no rule allows is a crossing: accepted, the policy is not enforced (a finding);
//! rejected, a control stopped it (evidence for an audit, PCI DSS requirement 1.3 or a zero
//! trust review). Rules are stateful, as security groups are: the replies of an allowed
//! connection (from its port, to the other side) are allowed too.
//!
//! ```toml
//! [zones.web]
//! cidrs = ["10.0.1.0/24"]
//! [zones.db]
//! cidrs = ["10.0.3.0/24"]
//! subnets = ["subnet-0abc"]         # needs --eni-metadata
//! tags = ["tier=db"]                # interface or instance tags; needs --eni-metadata
//!
//! [[allow]]
//! from = "internet"                 # public addresses in no zone
//! to = "web"
//! protocol = "tcp"                  # tcp, udp, icmp, icmpv6 or any (default: tcp)
//! ports = ["443", "80"]             # ports or ranges ("8080-8089"); omitted: every port
//! ```
//!
//! Addresses in no zone are in `internet` (public) or `unzoned` (private). Flows inside one
//! zone are allowed unless `intra_zone = "deny"`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::athena::PRIVATE_BLOCKS;
use crate::error::{QueryError, Result};
use crate::window::TimeWindow;

/// How long before a window's start a reply's request is looked for, in seconds.
const REQUEST_BEFORE: i64 = 3_600;

/// The zone of public addresses that no zone of the policy holds.
pub const INTERNET: &str = "internet";
/// The zone of private addresses that no zone of the policy holds.
pub const UNZONED: &str = "unzoned";

/// A zone policy, as read from its TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Zones by name (an address in two zones is in the one that holds it most
    /// specifically: see [`Checked::zone_of`]).
    #[serde(default)]
    pub zones: toml::map::Map<String, toml::Value>,
    #[serde(default)]
    pub allow: Vec<Rule>,
    /// `allow` (default) or `deny`: flows between two addresses of one zone.
    #[serde(default = "allow_word")]
    pub intra_zone: String,
}

fn allow_word() -> String {
    "allow".into()
}

/// One zone: where its addresses are.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    #[serde(default)]
    pub cidrs: Vec<String>,
    #[serde(default)]
    pub subnets: Vec<String>,
    /// `key=value` tags of interfaces or their instances.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Flows allowed from one zone to another.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub from: String,
    pub to: String,
    #[serde(default = "tcp")]
    pub protocol: String,
    /// Ports or ranges as text (`"443"`, `"8080-8089"`); empty: every port.
    #[serde(default)]
    pub ports: Vec<toml::Value>,
}

fn tcp() -> String {
    "tcp".into()
}

/// A rule with its protocol number and port ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRule {
    pub from: String,
    pub to: String,
    /// IANA protocol number; `None` is any.
    pub protocol: Option<u8>,
    /// Inclusive ranges; empty: every port.
    pub ports: Vec<(u16, u16)>,
}

/// A checked policy: zones in order, rules with numbers.
#[derive(Debug, Clone)]
pub struct Checked {
    pub zones: Vec<(String, Zone)>,
    pub rules: Vec<CheckedRule>,
    pub intra_zone_denied: bool,
}

impl Policy {
    /// Read and check the policy at `path`; errors name the file and what is wrong.
    pub fn load(path: &Path) -> Result<Checked> {
        let text = std::fs::read_to_string(path).map_err(|source| QueryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|e| QueryError::Policy(format!("{}: {e}", path.display())))
    }

    /// Parse and check a policy's text.
    pub fn parse(text: &str) -> std::result::Result<Checked, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut zones = Vec::new();
        for (name, value) in policy.zones {
            if name == INTERNET || name == UNZONED {
                return Err(format!(
                    "zone {name:?} is built in (public, resp. private addresses in no zone): name yours otherwise"
                ));
            }
            let zone: Zone = value
                .try_into()
                .map_err(|e| format!("zone {name:?}: {e}"))?;
            for c in &zone.cidrs {
                c.parse::<ipnet::IpNet>().map_err(|_| {
                    format!("zone {name:?}: {c:?} is not a CIDR block (10.0.1.0/24)")
                })?;
            }
            for t in &zone.tags {
                if !t.contains('=') {
                    return Err(format!("zone {name:?}: tag {t:?} is not key=value"));
                }
            }
            if zone.cidrs.is_empty() && zone.subnets.is_empty() && zone.tags.is_empty() {
                return Err(format!("zone {name:?} has no cidrs, subnets or tags"));
            }
            zones.push((name, zone));
        }
        let known = |z: &str| z == INTERNET || z == UNZONED || zones.iter().any(|(n, _)| n == z);
        let mut rules = Vec::new();
        for (i, r) in policy.allow.iter().enumerate() {
            let at = format!("allow rule {} ({} -> {})", i + 1, r.from, r.to);
            for z in [&r.from, &r.to] {
                if !known(z) {
                    return Err(format!(
                        "{at}: no zone named {z:?} (zones: {}, {INTERNET}, {UNZONED})",
                        zones
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            let protocol = match r.protocol.to_ascii_lowercase().as_str() {
                "tcp" => Some(6),
                "udp" => Some(17),
                "icmp" => Some(1),
                "icmpv6" => Some(58),
                "any" | "all" | "-1" => None,
                other => match other.parse::<u8>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        return Err(format!(
                            "{at}: protocol {other:?} is not tcp, udp, icmp, icmpv6, any or a number"
                        ));
                    }
                },
            };
            let mut ports = Vec::new();
            for p in &r.ports {
                let text = match p {
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::String(s) => s.clone(),
                    other => {
                        return Err(format!("{at}: port {other:?} is not a number or a range"));
                    }
                };
                let bad = || {
                    format!("{at}: port {text:?} is not a port (0-65535) or a range (8080-8089)")
                };
                let (lo, hi) = match text.split_once('-') {
                    Some((a, b)) => (a.trim().parse::<u16>(), b.trim().parse::<u16>()),
                    None => (text.trim().parse::<u16>(), text.trim().parse::<u16>()),
                };
                let (lo, hi) = (lo.map_err(|_| bad())?, hi.map_err(|_| bad())?);
                if lo > hi {
                    return Err(bad());
                }
                ports.push((lo, hi));
            }
            rules.push(CheckedRule {
                from: r.from.clone(),
                to: r.to.clone(),
                protocol,
                ports,
            });
        }
        let intra_zone_denied = match policy.intra_zone.as_str() {
            "allow" => false,
            "deny" => true,
            other => return Err(format!("intra_zone is allow or deny, not {other:?}")),
        };
        Ok(Checked {
            zones,
            rules,
            intra_zone_denied,
        })
    }
}

/// SQL text for a string literal.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Checked {
    /// Whether a zone needs `--eni-metadata` (subnets or tags) to know its addresses.
    pub fn needs_inventory(&self) -> Option<&str> {
        self.zones
            .iter()
            .find(|(_, z)| !z.subnets.is_empty() || !z.tags.is_empty())
            .map(|(n, _)| n.as_str())
    }

    /// The zone of the address column `col`, as a SQL expression. `members` holds the
    /// addresses of each zone's subnets and tags (from the inventory). The most specific
    /// match wins: an address a subnet or tag names, then the longest CIDR prefix (a /28
    /// carved out of a /16 zone is its own zone), then the zone's name.
    pub fn zone_of(&self, col: &str, members: &BTreeMap<String, Vec<String>>) -> String {
        // (bits of the prefix, zone, condition); named addresses rank above any prefix.
        let mut terms: Vec<(u8, &str, String)> = Vec::new();
        for (name, zone) in &self.zones {
            for c in &zone.cidrs {
                // IPv4 and IPv6 prefixes on one scale.
                let bits = c.parse::<ipnet::IpNet>().map_or(0, |n| {
                    if n.addr().is_ipv4() {
                        n.prefix_len() + 96
                    } else {
                        n.prefix_len()
                    }
                });
                terms.push((bits, name, format!("cidr_contains({}, {col})", quote(c))));
            }
            if let Some(addresses) = members.get(name).filter(|a| !a.is_empty()) {
                let list: Vec<String> = addresses.iter().map(|a| quote(a)).collect();
                terms.push((129, name, format!("{col} IN ({})", list.join(", "))));
            }
        }
        terms.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let mut sql = String::from("CASE");
        for (_, name, condition) in terms {
            let _ = write!(sql, " WHEN {condition} THEN {}", quote(name));
        }
        let _ = write!(
            sql,
            " WHEN is_private_ip({col}) THEN {} ELSE {} END",
            quote(UNZONED),
            quote(INTERNET)
        );
        sql
    }

    /// The SQL conditions, over `src_zone`, `dst_zone` and a flow's columns, under which
    /// a flow is allowed: `(allowed, portless_requests)`.
    ///
    /// `allowed` holds a rule's flows, flows inside one zone, and the replies of a rule
    /// with ports: from one of its ports back from the destination zone to the source
    /// zone (as a security group lets the answers of a connection out). A rule without
    /// ports (or for ICMP, which has none) cannot tell its replies by port, so
    /// `portless_requests` names its requests, and [`Checked::crossings_sql`] allows a flow
    /// whose reverse (addresses, ports and protocol swapped) is one of them: the reply of
    /// a connection the flow logs saw being opened. Flows inside `internet` or `unzoned`
    /// are never crossings: no zone of the policy is involved.
    pub fn allowed(&self) -> (String, Option<String>) {
        let mut terms = vec![if self.intra_zone_denied {
            format!(
                "(src_zone = dst_zone AND src_zone IN ({}, {}))",
                quote(INTERNET),
                quote(UNZONED)
            )
        } else {
            "src_zone = dst_zone".to_string()
        }];
        let mut portless_requests = Vec::new();
        for r in &self.rules {
            let portless = r.ports.is_empty() || matches!(r.protocol, Some(1 | 58));
            let ports = |col: &str| {
                (!portless).then(|| {
                    let any: Vec<String> = r
                        .ports
                        .iter()
                        .map(|(lo, hi)| format!("{col} BETWEEN {lo} AND {hi}"))
                        .collect();
                    format!("({})", any.join(" OR "))
                })
            };
            let base = |from: &str, to: &str| {
                let mut t = vec![
                    format!("src_zone = {}", quote(from)),
                    format!("dst_zone = {}", quote(to)),
                ];
                if let Some(p) = r.protocol {
                    t.push(format!("protocol = {p}"));
                }
                t
            };
            let mut request = base(&r.from, &r.to);
            request.extend(ports("dstport"));
            let request = format!("({})", request.join(" AND "));
            terms.push(request.clone());
            if portless {
                portless_requests.push(request);
            } else {
                let mut answer = base(&r.to, &r.from);
                answer.extend(ports("srcport"));
                terms.push(format!("({})", answer.join(" AND ")));
            }
        }
        (
            terms.join(" OR "),
            (!portless_requests.is_empty()).then(|| portless_requests.join(" OR ")),
        )
    }

    /// The crossings of `vpc_flow_logs` in `window`: every flow that no rule allows, with
    /// its zones. `vpc_flow_logs` must be the whole table: the request of a reply at the
    /// start of the window may have started before it (up to an hour is looked at).
    pub fn crossings_sql(
        &self,
        members: &BTreeMap<String, Vec<String>>,
        window: &TimeWindow,
    ) -> String {
        let (allowed, portless) = self.allowed();
        let flows = |since: Option<i64>| {
            let mut terms = vec![
                "srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND action IS NOT NULL".to_string(),
            ];
            if let Some(s) = since {
                terms.push(format!("\"start\" >= {s}"));
            }
            if let Some(u) = window.until {
                terms.push(format!("\"start\" < {u}"));
            }
            format!(
                "SELECT srcaddr, dstaddr, srcport, dstport, protocol, action, packets, bytes, \"start\", \
                 {} AS src_zone, {} AS dst_zone FROM vpc_flow_logs WHERE {}",
                self.zone_of("srcaddr", members),
                self.zone_of("dstaddr", members),
                terms.join(" AND ")
            )
        };
        let inside = flows(window.since);
        match portless {
            None => format!("SELECT * FROM ({inside}) f WHERE NOT ({allowed})"),
            Some(requests) => {
                let before = flows(window.since.map(|s| s.saturating_sub(REQUEST_BEFORE)));
                format!(
                    "WITH f AS ({inside}), \
                     requests AS (SELECT DISTINCT srcaddr, dstaddr, srcport, dstport, protocol \
                     FROM ({before}) b WHERE {requests}) \
                     SELECT c.* FROM (SELECT * FROM f WHERE NOT ({allowed})) c \
                     LEFT ANTI JOIN requests q ON q.srcaddr = c.dstaddr AND q.dstaddr = c.srcaddr \
                     AND (q.srcport IS NOT DISTINCT FROM c.dstport) \
                     AND (q.dstport IS NOT DISTINCT FROM c.srcport) \
                     AND (q.protocol IS NOT DISTINCT FROM c.protocol)"
                )
            }
        }
    }

    /// The security group rules the policy implies, as the `IpPermissions` of
    /// `aws ec2 authorize-security-group-ingress`, one list per destination zone that has
    /// CIDR blocks to allow from. Rules from `internet` allow `0.0.0.0/0` and `::/0`; zones
    /// known only by subnets or tags are named in `Description` for a security group
    /// reference to replace.
    pub fn security_groups(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for r in &self.rules {
            let mut v4 = Vec::new();
            let mut v6 = Vec::new();
            let source = self
                .zones
                .iter()
                .find(|(n, _)| *n == r.from)
                .map(|(_, z)| z);
            match source {
                None if r.from == INTERNET => {
                    v4.push(serde_json::json!({"CidrIp": "0.0.0.0/0", "Description": "internet"}));
                    v6.push(serde_json::json!({"CidrIpv6": "::/0", "Description": "internet"}));
                }
                None => {
                    // What `is_private_ip` calls private, as `check` does.
                    for c in PRIVATE_BLOCKS {
                        if c.contains(':') {
                            v6.push(serde_json::json!({"CidrIpv6": c, "Description": UNZONED}));
                        } else {
                            v4.push(serde_json::json!({"CidrIp": c, "Description": UNZONED}));
                        }
                    }
                }
                Some(zone) => {
                    for c in &zone.cidrs {
                        if c.contains(':') {
                            v6.push(serde_json::json!({"CidrIpv6": c, "Description": r.from}));
                        } else {
                            v4.push(serde_json::json!({"CidrIp": c, "Description": r.from}));
                        }
                    }
                    if !zone.subnets.is_empty() || !zone.tags.is_empty() {
                        v4.push(serde_json::json!({
                            "CidrIp": "0.0.0.0/32",
                            "Description": format!("replace with the security group of zone {} (its subnets or tags)", r.from)
                        }));
                    }
                }
            }
            let name = |p: u8| match p {
                6 => "tcp".to_string(),
                17 => "udp".to_string(),
                1 => "icmp".to_string(),
                58 => "icmpv6".to_string(),
                n => n.to_string(),
            };
            // (protocol, ports); a rule for every protocol with ports is TCP and UDP, since
            // a permission for all protocols ("-1") has no ports.
            let ranged = |p: String| -> Vec<(String, Option<(u16, u16)>)> {
                r.ports
                    .iter()
                    .map(|range| (p.clone(), Some(*range)))
                    .collect()
            };
            let permissions: Vec<(String, Option<(u16, u16)>)> =
                match (r.protocol, r.ports.is_empty()) {
                    // ICMP has no ports; a protocol without ports, every port.
                    (Some(p @ (1 | 58)), _) | (Some(p), true) => vec![(name(p), None)],
                    (None, true) => vec![("-1".to_string(), None)],
                    (None, false) => [ranged("tcp".into()), ranged("udp".into())].concat(),
                    (Some(p), false) => ranged(name(p)),
                };
            let list = out
                .entry(r.to.clone())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            for (protocol, range) in permissions {
                let mut p = serde_json::json!({
                    "IpProtocol": protocol,
                    "IpRanges": v4,
                    "Ipv6Ranges": v6,
                });
                if let Some((lo, hi)) = range {
                    p["FromPort"] = lo.into();
                    p["ToPort"] = hi.into();
                }
                if let serde_json::Value::Array(a) = list {
                    a.push(p);
                }
            }
        }
        serde_json::Value::Object(out)
    }

    /// Zones a network ACL cannot name: they have no CIDR blocks (only subnets or tags).
    pub fn zones_without_cidrs(&self) -> Vec<&str> {
        self.zones
            .iter()
            .filter(|(_, z)| z.cidrs.is_empty())
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Network ACL entries for the subnets of each zone of the policy.
    ///
    /// Network ACLs are stateless and take the first entry that matches, lowest number
    /// first, so each zone's ACL, in each direction, is built in tiers: the allowed flows
    /// with other zones (and inside its own blocks, unless `intra_zone = "deny"`); then a
    /// deny of every zone's blocks, so that what follows cannot reach them; the allowed
    /// flows with `unzoned` (the private ranges); a deny of the private ranges; the allowed
    /// flows with `internet` (`0.0.0.0/0`, `::/0`); and a deny of everything else. Each
    /// allowed flow takes four entries: the flow in and its replies out (to ports
    /// 1024-65535) in the destination's ACL, the flow out and its replies in at the
    /// source's. A rule for every protocol with ports becomes TCP and UDP entries (a
    /// network ACL entry for all protocols has no ports). Zones without CIDR blocks get
    /// none ([`Checked::zones_without_cidrs`]).
    pub fn network_acl(&self) -> Vec<AclEntry> {
        let all = || ("all".to_string(), "all".to_string());
        // (zone, egress) -> (tier, protocol, ports, cidr)
        let mut allows: BTreeMap<(String, bool), Vec<Allow>> = BTreeMap::new();
        let has_cidrs = |zone: &str| {
            self.zones
                .iter()
                .any(|(n, z)| n == zone && !z.cidrs.is_empty())
        };
        let peer = |zone: &str| -> (u8, Vec<String>) {
            match self.zones.iter().find(|(n, _)| n == zone) {
                Some((_, z)) => (0, z.cidrs.clone()),
                None if zone == INTERNET => (4, vec!["0.0.0.0/0".into(), "::/0".into()]),
                None => (2, PRIVATE_BLOCKS.iter().map(ToString::to_string).collect()),
            }
        };
        let mut add = |zone: &str,
                       egress: bool,
                       tier: u8,
                       protocol: &str,
                       ports: (String, String),
                       cidr: &str| {
            if has_cidrs(zone) {
                allows.entry((zone.to_string(), egress)).or_default().push((
                    tier,
                    protocol.to_string(),
                    ports,
                    cidr.to_string(),
                ));
            }
        };
        if !self.intra_zone_denied {
            for (zone, z) in &self.zones {
                for cidr in &z.cidrs {
                    add(zone, false, 0, "-1", all(), cidr);
                    add(zone, true, 0, "-1", all(), cidr);
                }
            }
        }
        for r in &self.rules {
            let icmp = matches!(r.protocol, Some(1 | 58));
            // (protocol, ports of the flow, ports of its replies)
            let mut kinds: Vec<(String, Ports, Ports)> = Vec::new();
            let ephemeral = || ("1024".to_string(), "65535".to_string());
            match r.protocol {
                _ if icmp || r.ports.is_empty() => {
                    let p = r.protocol.map_or("-1".to_string(), |p| p.to_string());
                    kinds.push((p, all(), all()));
                }
                None => {
                    for p in ["6", "17"] {
                        for (lo, hi) in &r.ports {
                            kinds.push((p.into(), (lo.to_string(), hi.to_string()), ephemeral()));
                        }
                    }
                }
                Some(p) => {
                    for (lo, hi) in &r.ports {
                        kinds.push((p.to_string(), (lo.to_string(), hi.to_string()), ephemeral()));
                    }
                }
            }
            let (from_tier, from_cidrs) = peer(&r.from);
            let (to_tier, to_cidrs) = peer(&r.to);
            for (protocol, ports, replies) in &kinds {
                for cidr in &from_cidrs {
                    add(&r.to, false, from_tier, protocol, ports.clone(), cidr);
                    add(&r.to, true, from_tier, protocol, replies.clone(), cidr);
                }
                for cidr in &to_cidrs {
                    add(&r.from, true, to_tier, protocol, ports.clone(), cidr);
                    add(&r.from, false, to_tier, protocol, replies.clone(), cidr);
                }
            }
        }
        let zone_cidrs: Vec<String> = self
            .zones
            .iter()
            .flat_map(|(_, z)| z.cidrs.clone())
            .collect();
        let mut out = Vec::new();
        for (zone, z) in &self.zones {
            if z.cidrs.is_empty() {
                continue;
            }
            for egress in [false, true] {
                let mut entries = allows.remove(&(zone.clone(), egress)).unwrap_or_default();
                let later = |tier: u8, entries: &[Allow]| entries.iter().any(|e| e.0 > tier);
                if later(1, &entries) {
                    for cidr in &zone_cidrs {
                        entries.push((1, "-1".into(), all(), cidr.clone()));
                    }
                }
                if later(3, &entries) {
                    for cidr in PRIVATE_BLOCKS {
                        entries.push((3, "-1".into(), all(), (*cidr).to_string()));
                    }
                }
                entries.sort_by_key(|e| e.0);
                entries.dedup();
                for (n, (tier, protocol, ports, cidr)) in entries.into_iter().enumerate() {
                    out.push(AclEntry {
                        zone: zone.clone(),
                        rule_number: 100 + 10 * u32::try_from(n).unwrap_or(u32::MAX / 20),
                        egress,
                        protocol,
                        ports,
                        cidr,
                        allow: tier != 1 && tier != 3,
                    });
                }
                for cidr in ["0.0.0.0/0", "::/0"] {
                    out.push(AclEntry {
                        zone: zone.clone(),
                        rule_number: 32766,
                        egress,
                        protocol: "-1".into(),
                        ports: all(),
                        cidr: cidr.into(),
                        allow: false,
                    });
                }
            }
        }
        out
    }
}

/// A port range of a network ACL entry, as text (`all`, or a number).
type Ports = (String, String);

/// An entry of a zone's network ACL before it is numbered: (tier, protocol, ports, CIDR).
type Allow = (u8, String, Ports, String);

/// One network ACL entry, as `aws ec2 create-network-acl-entry` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// The zone whose subnets the ACL is for.
    pub zone: String,
    pub rule_number: u32,
    pub egress: bool,
    /// IANA number, `-1` for all.
    pub protocol: String,
    /// From and to port (`all` for every port).
    pub ports: (String, String),
    pub cidr: String,
    pub allow: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
        [zones.web]
        cidrs = ["10.0.1.0/24"]
        [zones.app]
        cidrs = ["10.0.2.0/24"]
        [zones.db]
        cidrs = ["10.0.3.0/24"]

        [[allow]]
        from = "internet"
        to = "web"
        ports = [443, "80"]

        [[allow]]
        from = "web"
        to = "app"
        ports = ["8080-8089"]
    "#;

    #[test]
    fn a_policy_reads_with_its_rules() {
        let p = Policy::parse(POLICY).unwrap();
        assert_eq!(
            p.zones.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["app", "db", "web"]
        );
        assert_eq!(p.rules[0].ports, [(443, 443), (80, 80)]);
        assert_eq!(p.rules[1].ports, [(8080, 8089)]);
        assert_eq!(p.rules[1].protocol, Some(6));
        let any = Policy::parse(&format!(
            "{POLICY}\n[[allow]]\nfrom = \"app\"\nto = \"db\"\nprotocol = \"any\"\nports = [5432]\n"
        ))
        .unwrap();
        let sg = any.security_groups();
        let db: Vec<(String, u64)> = sg["db"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["IpProtocol"].as_str().unwrap().to_string(),
                    p["FromPort"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(db, [("tcp".to_string(), 5432), ("udp".to_string(), 5432)]);
        let sg = p.security_groups();
        assert_eq!(sg["web"][0]["FromPort"], 443);
        assert_eq!(sg["web"][0]["IpRanges"][0]["CidrIp"], "0.0.0.0/0");
        assert_eq!(sg["app"][0]["IpRanges"][0]["CidrIp"], "10.0.1.0/24");
        let acl = p.network_acl();
        let has = |zone: &str, egress: bool, ports: (&str, &str), cidr: &str| {
            acl.iter().any(|e| {
                e.zone == zone
                    && e.egress == egress
                    && e.protocol == "6"
                    && e.ports == (ports.0.to_string(), ports.1.to_string())
                    && e.cidr == cidr
                    && e.allow
            })
        };
        // web -> app on 8080-8089: four entries, as network ACLs are stateless.
        assert!(has("app", false, ("8080", "8089"), "10.0.1.0/24"));
        assert!(has("app", true, ("1024", "65535"), "10.0.1.0/24"));
        assert!(has("web", true, ("8080", "8089"), "10.0.2.0/24"));
        assert!(has("web", false, ("1024", "65535"), "10.0.2.0/24"));
        // From the internet, IPv6 too.
        assert!(has("web", false, ("443", "443"), "::/0"));
        // Each zone's own blocks, then a deny of the rest, in both directions.
        assert!(
            acl.iter()
                .any(|e| e.zone == "db" && e.rule_number == 100 && e.cidr == "10.0.3.0/24")
        );
        assert!(
            acl.iter()
                .any(|e| e.zone == "app" && e.rule_number == 32766 && e.egress && !e.allow)
        );
        assert!(!acl.iter().any(|e| e.zone == "internet"));
    }

    /// Whether the network ACLs of `policy` let a TCP flow through, as AWS evaluates them:
    /// out of the source's subnet (its zone's ACL, egress), into the destination's
    /// (ingress), each ACL's entries lowest number first, the first that matches decides.
    fn nacl_passes(acl: &[AclEntry], zones: &Checked, src: (&str, u16), dst: (&str, u16)) -> bool {
        let zone_of = |addr: &str| {
            let ip: std::net::IpAddr = addr.parse().unwrap();
            zones
                .zones
                .iter()
                .find(|(_, z)| {
                    z.cidrs
                        .iter()
                        .any(|c| c.parse::<ipnet::IpNet>().unwrap().contains(&ip))
                })
                .map(|(n, _)| n.clone())
        };
        let decide = |zone: &str, egress: bool, peer: &str, port: u16| {
            let ip: std::net::IpAddr = peer.parse().unwrap();
            let mut entries: Vec<&AclEntry> = acl
                .iter()
                .filter(|e| e.zone == zone && e.egress == egress)
                .collect();
            entries.sort_by_key(|e| e.rule_number);
            let hit = entries.into_iter().find(|e| {
                let cidr: ipnet::IpNet = e.cidr.parse().unwrap();
                let proto = e.protocol == "-1" || e.protocol == "6";
                let ports = e.ports.0 == "all"
                    || (e.ports.0.parse::<u16>().unwrap()..=e.ports.1.parse::<u16>().unwrap())
                        .contains(&port);
                cidr.contains(&ip) && proto && ports
            });
            hit.is_some_and(|e| e.allow)
        };
        let out = zone_of(src.0).is_none_or(|z| decide(&z, true, dst.0, dst.1));
        let inn = zone_of(dst.0).is_none_or(|z| decide(&z, false, src.0, dst.1));
        out && inn
    }

    #[test]
    fn network_acls_let_through_what_the_policy_allows_and_nothing_else() {
        let p = Policy::parse(POLICY).unwrap();
        let acl = p.network_acl();
        let pass = |src: (&str, u16), dst: (&str, u16)| nacl_passes(&acl, &p, src, dst);
        // internet -> web 443, and its reply.
        assert!(pass(("8.8.8.8", 50000), ("10.0.1.5", 443)));
        assert!(pass(("10.0.1.5", 443), ("8.8.8.8", 50000)));
        // web -> app 8080-8089, and its reply.
        assert!(pass(("10.0.1.5", 40000), ("10.0.2.5", 8081)));
        assert!(pass(("10.0.2.5", 8081), ("10.0.1.5", 40000)));
        // Not allowed: a private address in no zone, another zone, other ports, no rule.
        assert!(
            !pass(("10.1.0.5", 50000), ("10.0.1.5", 443)),
            "unzoned is not internet"
        );
        // Every range is_private_ip calls private is unzoned, not internet.
        assert!(!pass(("100.64.0.5", 50000), ("10.0.1.5", 443)));
        assert!(!pass(("169.254.169.254", 50000), ("10.0.1.5", 443)));
        assert!(
            !pass(("10.0.2.5", 50000), ("10.0.1.5", 443)),
            "app is not internet"
        );
        assert!(!pass(("10.0.1.5", 40000), ("10.0.2.5", 22)));
        assert!(!pass(("10.0.1.5", 40000), ("10.0.3.5", 5432)));
        assert!(!pass(("8.8.8.8", 50000), ("10.0.2.5", 8081)));
        // Inside a zone, allowed by default.
        assert!(pass(("10.0.3.5", 40000), ("10.0.3.6", 5432)));
        // A rule for every protocol with ports keeps its ports.
        let any = Policy::parse(&format!(
            "{POLICY}\n[[allow]]\nfrom = \"app\"\nto = \"db\"\nprotocol = \"any\"\nports = [5432]\n"
        ))
        .unwrap();
        let acl = any.network_acl();
        assert!(nacl_passes(
            &acl,
            &any,
            ("10.0.2.5", 40000),
            ("10.0.3.5", 5432)
        ));
        assert!(!nacl_passes(
            &acl,
            &any,
            ("10.0.2.5", 40000),
            ("10.0.3.5", 6379)
        ));
    }

    #[test]
    fn the_most_specific_zone_holds_an_address() {
        let p = Policy::parse(
            "[zones.a]\ncidrs = [\"10.0.0.0/16\"]\n[zones.b]\ncidrs = [\"10.0.5.0/24\"]",
        )
        .unwrap();
        let members = BTreeMap::from([("a".to_string(), vec!["10.0.5.9".to_string()])]);
        let sql = p.zone_of("x", &members);
        let named = sql.find("x IN ('10.0.5.9') THEN 'a'").unwrap();
        let b = sql
            .find("cidr_contains('10.0.5.0/24', x) THEN 'b'")
            .unwrap();
        let a = sql
            .find("cidr_contains('10.0.0.0/16', x) THEN 'a'")
            .unwrap();
        assert!(named < b && b < a, "{sql}");
        assert!(sql.ends_with("WHEN is_private_ip(x) THEN 'unzoned' ELSE 'internet' END"));
    }

    #[test]
    fn mistakes_are_named() {
        for (text, said) in [
            (
                "[[allow]]\nfrom = \"web\"\nto = \"x\"",
                "no zone named \"web\"",
            ),
            (
                "[zones.web]\ncidrs = [\"10.0.1.0/33\"]",
                "is not a CIDR block",
            ),
            (
                "[zones.web]\ncidrs = [\"10.0.1.0/24\"]\n[[allow]]\nfrom = \"internet\"\nto = \"web\"\nports = [\"90-80\"]",
                "is not a port",
            ),
            ("[zones.internet]\ncidrs = [\"1.0.0.0/8\"]", "is built in"),
            (
                "[zones.web]\ncidr = [\"10.0.1.0/24\"]",
                "unknown field `cidr`",
            ),
            ("intra_zone = \"maybe\"", "allow or deny"),
        ] {
            let e = Policy::parse(text).unwrap_err();
            assert!(e.contains(said), "{text}: {e}");
        }
    }
}
