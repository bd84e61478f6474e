//! `flowlake segmentation`: check the lake's traffic against a zone policy, and print the
//! security group and network ACL rules a policy implies.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Result, bail};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use flowlake_query::segmentation::{Checked, Policy};

use crate::Outcome;
use crate::args::{RulesFormat, SegmentationCheckArgs, SegmentationCommand, SegmentationRulesArgs};
use crate::engine::{Engine, terminal_width};
use crate::results::{Destination, text_rows, write_table};

pub fn run(cmd: &SegmentationCommand) -> Result<Outcome> {
    match cmd {
        SegmentationCommand::Check(a) => check(a),
        SegmentationCommand::Rules(a) => rules(a),
    }
}

/// The addresses of each zone that names subnets or tags, from `network_interfaces`.
fn members(engine: &Engine, policy: &Checked) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    let Some(zone) = policy.needs_inventory() else {
        return Ok(out);
    };
    if engine.hosts.is_empty() {
        bail!(
            "zone {zone:?} names subnets or tags, whose addresses only AWS's inventory knows: \
             give --eni-metadata FILE (the output of `aws ec2 describe-network-interfaces`)"
        );
    }
    let batches = engine.collect(
        "SELECT address, subnet_id, tags FROM network_interfaces WHERE address IS NOT NULL",
    )?;
    for (name, z) in &policy.zones {
        let mut addresses = Vec::new();
        for b in &batches {
            let (addr, subnet, tags) = (
                b.column(0).as_string::<i32>(),
                b.column(1).as_string::<i32>(),
                b.column(2).as_string::<i32>(),
            );
            for r in 0..b.num_rows() {
                let in_subnet =
                    !subnet.is_null(r) && z.subnets.iter().any(|s| s == subnet.value(r));
                let tagged = !tags.is_null(r)
                    && tags
                        .value(r)
                        .split("; ")
                        .any(|t| z.tags.iter().any(|want| want == t));
                if in_subnet || tagged {
                    addresses.push(addr.value(r).to_string());
                }
            }
        }
        addresses.sort();
        addresses.dedup();
        out.insert(name.clone(), addresses);
    }
    Ok(out)
}

fn check(a: &SegmentationCheckArgs) -> Result<Outcome> {
    let policy = Policy::load(&a.policy)?;
    // The whole table, and the window applied here: a reply at the window's start may
    // answer a request from before it.
    let window = flowlake_query::TimeWindow::parse(
        a.lake.since.as_deref(),
        a.lake.until.as_deref(),
        chrono::Utc::now(),
    )?;
    let whole = crate::args::LakeArgs {
        since: None,
        until: None,
        ..a.lake.clone()
    };
    let engine = Engine::open(&whole, Destination::resolve(None, None, false)?)?;
    let members = members(&engine, &policy)?;
    let crossings = policy.crossings_sql(&members, &window);
    let mut out = std::io::stdout().lock();
    let width = terminal_width();
    writeln!(
        out,
        "policy {}: {} zone(s), {} rule(s); {}, {}",
        a.policy.display(),
        policy.zones.len(),
        policy.rules.len(),
        engine.source,
        if window.is_unbounded() {
            "all of it".to_string()
        } else {
            window.describe()
        }
    )?;
    let in_window: String = [
        window.since.map(|s| format!(" AND \"start\" >= {s}")),
        window.until.map(|u| format!(" AND \"start\" < {u}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let total = engine.collect(&format!(
        "SELECT count(*) FROM vpc_flow_logs WHERE action IS NOT NULL{in_window}"
    ))?;
    let total = total.first().filter(|b| b.num_rows() > 0).map_or(0, |b| {
        b.column(0)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .value(0)
    });
    if total == 0 {
        bail!("no flow-log records with an action in the lake's time window: nothing to check");
    }
    let pairs = engine.collect(&format!(
        "SELECT src_zone AS from_zone, dst_zone AS to_zone, \
         count_if(action = 'ACCEPT') AS accepted, \
         CAST(coalesce(sum(CASE WHEN action = 'ACCEPT' THEN bytes END), 0) AS BIGINT) AS accepted_bytes, \
         count_if(action = 'REJECT') AS rejected, \
         count(DISTINCT srcaddr) AS sources, count(DISTINCT dstaddr) AS destinations \
         FROM ({crossings}) c GROUP BY 1, 2 ORDER BY accepted DESC, rejected DESC, 1, 2"
    ))?;
    let pair_rows = text_rows(&pairs, &[])?;
    let accepted: i64 = pair_rows
        .iter()
        .map(|r| r[2].parse::<i64>().unwrap_or(0))
        .sum();
    let rejected: i64 = pair_rows
        .iter()
        .map(|r| r[4].parse::<i64>().unwrap_or(0))
        .sum();
    writeln!(
        out,
        "{total} flows checked: {accepted} crossed zones without a rule and were ACCEPTed (the policy is not enforced), \
         {rejected} were REJECTed (a control enforced it)"
    )?;
    if !pair_rows.is_empty() {
        writeln!(out, "\n## Crossings no rule allows, by zone pair")?;
        write_table(&mut out, &headers(&pairs), &pair_rows, width)?;
    }
    for (action, title) in [
        (
            "ACCEPT",
            "ACCEPTed crossings: findings (the policy is not enforced)",
        ),
        (
            "REJECT",
            "REJECTed crossings: evidence (a security group or network ACL stopped them)",
        ),
    ] {
        let rows = engine.collect(&format!(
            "SELECT src_zone AS from_zone, dst_zone AS to_zone, srcaddr, dstaddr, dstport, \
             protocol_name(protocol) AS protocol, count(*) AS flows, sum(bytes) AS bytes, \
             to_iso8601(from_unixtime(min(\"start\"))) AS first_seen \
             FROM ({crossings}) c WHERE action = '{action}' \
             GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY flows DESC, 1, 2, 3, 4, 5 LIMIT {}",
            a.top
        ))?;
        let text = text_rows(&rows, &[])?;
        if text.is_empty() {
            continue;
        }
        writeln!(out, "\n## {title}")?;
        write_table(&mut out, &headers(&rows), &text, width)?;
    }
    out.flush()?;
    Ok(if accepted > 0 {
        Outcome::Violations
    } else {
        Outcome::Success
    })
}

fn rules(a: &SegmentationRulesArgs) -> Result<Outcome> {
    let policy = Policy::load(&a.policy)?;
    let mut out = std::io::stdout().lock();
    match a.format {
        RulesFormat::SecurityGroups => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&policy.security_groups())?
            )?;
        }
        RulesFormat::NetworkAcl => {
            for zone in policy.zones_without_cidrs() {
                eprintln!(
                    "warning: zone {zone} has no CIDR blocks (only subnets or tags): network ACLs \
                     name addresses by CIDR, so no entry allows its flows; give it `cidrs` (its \
                     subnets' blocks) to export them"
                );
            }
            let acl = policy.network_acl();
            let mut per_acl: BTreeMap<(&str, bool), usize> = BTreeMap::new();
            for e in &acl {
                *per_acl.entry((e.zone.as_str(), e.egress)).or_default() += 1;
            }
            for ((zone, egress), n) in per_acl {
                if n > 20 {
                    eprintln!(
                        "warning: zone {zone}'s network ACL has {n} {} entries; AWS allows 20 per \
                         direction unless the quota is raised (up to 40)",
                        if egress { "egress" } else { "ingress" }
                    );
                }
            }
            let rows: Vec<Vec<String>> = acl
                .into_iter()
                .map(|e| {
                    vec![
                        e.zone,
                        e.rule_number.to_string(),
                        if e.egress { "egress" } else { "ingress" }.to_string(),
                        e.protocol,
                        e.ports.0,
                        e.ports.1,
                        e.cidr,
                        if e.allow { "allow" } else { "deny" }.to_string(),
                    ]
                })
                .collect();
            let headers = [
                "zone",
                "rule",
                "direction",
                "protocol",
                "from_port",
                "to_port",
                "cidr",
                "action",
            ]
            .map(String::from);
            write_table(&mut out, &headers, &rows, None)?;
        }
    }
    Ok(Outcome::Success)
}

fn headers(batches: &[RecordBatch]) -> Vec<String> {
    batches.first().map_or_else(Vec::new, |b| {
        b.schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    })
}
