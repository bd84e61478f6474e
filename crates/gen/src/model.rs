//! The simulated estate: VPCs, hosts, flow logs, and a record with every field.

use std::fmt;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use flowlog::field_by_name;
use rand::Rng;
use rand::rngs::SmallRng;

/// An IPv4 or IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Addr {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Addr {
    pub fn v4(a: u8, b: u8, c: u8, d: u8) -> Self {
        Addr::V4(Ipv4Addr::new(a, b, c, d))
    }

    pub fn is_v6(self) -> bool {
        matches!(self, Addr::V6(_))
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::V4(a) => a.fmt(f),
            Addr::V6(a) => a.fmt(f),
        }
    }
}

/// A random public IPv4 address outside private, reserved and multicast ranges.
pub fn public_v4(rng: &mut SmallRng) -> Addr {
    loop {
        let a: u8 = rng.random_range(1..=223);
        if matches!(a, 10 | 100 | 127 | 169 | 172 | 192 | 198 | 203) {
            continue;
        }
        return Addr::v4(a, rng.random(), rng.random(), rng.random_range(1..=254));
    }
}

/// A host with a network interface in one of our VPCs.
#[derive(Debug, Clone)]
pub struct Host {
    pub role: Role,
    pub ip: Addr,
    pub ip6: Option<Addr>,
    pub eni: String,
    pub instance: String,
    pub subnet: String,
    pub az: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Web,
    App,
    Db,
    Bastion,
    Config,
    Windows,
    /// A NAT gateway: the instances of private subnets reach the internet through it.
    Nat,
    /// A load balancer node: internet clients in, health checks and requests to the web tier.
    Balancer,
    /// A Route 53 Resolver endpoint (flow logs never show the Amazon-provided resolver).
    Resolver,
    /// An internet-facing authoritative DNS server.
    Dns,
    /// A virtual desktop: browsers and agents.
    Workstation,
    /// A Kubernetes node; its pods have addresses on its interface.
    Node,
}

/// A flow log: one VPC, one account and region, one format.
#[derive(Debug, Clone)]
pub struct FlowLog {
    pub id: String,
    pub account: String,
    pub region: String,
    pub vpc: String,
    /// Second octet of the VPC's 10.x.0.0/16.
    pub net: u8,
    pub fields: Vec<usize>,
    pub header: String,
    pub hive_hourly: bool,
    pub hosts: Vec<Host>,
    /// The `version` value of its records: the highest version among its fields.
    pub version: u8,
}

fn hex_id(rng: &mut SmallRng, prefix: &str, len: usize) -> String {
    let mut s = String::with_capacity(prefix.len() + len);
    s.push_str(prefix);
    for _ in 0..len {
        s.push(char::from_digit(rng.random_range(0..16), 16).expect("digit"));
    }
    s
}

const V3: &str = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status";
const V5: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";

/// The three flow logs of the estate. `benign` adds the hosts of the benign patterns
/// that fool naive hunts (NAT gateway, load balancer, DNS servers, desktops, Kubernetes
/// nodes), after the others so the rest of the estate is the same either way.
pub fn flow_logs(rng: &mut SmallRng, v2_only: bool, benign: bool) -> Vec<FlowLog> {
    let specs = [
        (
            "111122223333",
            "us-east-1",
            0u8,
            flowlog::DEFAULT_FORMAT.join(" "),
            false,
        ),
        ("111122223333", "eu-west-1", 1, V3.to_string(), false),
        ("444455556666", "us-east-1", 2, V5.to_string(), true),
    ];
    specs
        .into_iter()
        .map(|(account, region, net, header, hive_hourly)| {
            let header = if v2_only {
                flowlog::DEFAULT_FORMAT.join(" ")
            } else {
                header
            };
            let fields: Vec<usize> = header
                .split(' ')
                .map(|n| field_by_name(n).expect("known field").id)
                .collect();
            let version = fields
                .iter()
                .map(|&f| flowlog::FIELDS[f].version)
                .max()
                .unwrap_or(2);
            let vpc = hex_id(rng, "vpc-", 17);
            let azs: Vec<String> = (1..=3)
                .map(|i| {
                    format!(
                        "{}-az{i}",
                        if region == "us-east-1" {
                            "use1"
                        } else {
                            "euw1"
                        }
                    )
                })
                .collect();
            let mut subnets: Vec<String> = (0..4).map(|_| hex_id(rng, "subnet-", 17)).collect();
            let mut hosts = Vec::new();
            let mut add = |role: Role,
                           subnet: u8,
                           first: u8,
                           n: u8,
                           subnets: &[String],
                           rng: &mut SmallRng| {
                for i in 0..n {
                    let host_octet = first + i;
                    hosts.push(Host {
                        role,
                        ip: Addr::v4(10, net, subnet, host_octet),
                        ip6: (role == Role::Web).then(|| {
                            Addr::V6(Ipv6Addr::new(
                                0x2600,
                                0x1f18,
                                0x4a2b,
                                u16::from(net),
                                0,
                                0,
                                0,
                                u16::from(host_octet),
                            ))
                        }),
                        eni: hex_id(rng, "eni-", 17),
                        instance: hex_id(rng, "i-", 17),
                        subnet: subnets[usize::from(subnet)].clone(),
                        az: azs[usize::from(i) % azs.len()].clone(),
                    });
                }
            };
            add(Role::Bastion, 0, 5, 1, &subnets, rng);
            add(Role::Config, 0, 6, 1, &subnets, rng);
            add(Role::Web, 1, 10, 4, &subnets, rng);
            add(Role::Windows, 1, 50, 1, &subnets, rng);
            add(Role::App, 2, 10, 40, &subnets, rng);
            add(Role::Db, 3, 10, 3, &subnets, rng);
            if benign {
                subnets.extend((0..2).map(|_| hex_id(rng, "subnet-", 17)));
                add(Role::Nat, 0, 20, 1, &subnets, rng);
                add(Role::Balancer, 0, 30, 2, &subnets, rng);
                add(Role::Resolver, 0, 53, 2, &subnets, rng);
                add(Role::Dns, 1, 60, 2, &subnets, rng);
                add(Role::Workstation, 4, 10, 20, &subnets, rng);
                add(Role::Node, 5, 10, 4, &subnets, rng);
            }
            FlowLog {
                id: hex_id(rng, "fl-", 17),
                account: account.to_string(),
                region: region.to_string(),
                vpc,
                net,
                fields,
                header,
                hive_hourly,
                hosts,
                version,
            }
        })
        .collect()
}

/// One flow-log record, with a value for every field a format may ask for.
#[derive(Debug, Clone)]
pub struct Rec {
    /// Index of the host (in its flow log) whose interface recorded the flow.
    pub host: usize,
    pub src: Addr,
    pub dst: Addr,
    pub srcport: u16,
    pub dstport: u16,
    pub protocol: u8,
    pub packets: u64,
    pub bytes: u64,
    pub start: i64,
    pub end: i64,
    pub accept: bool,
    pub status: Status,
    pub tcp_flags: u8,
    pub ingress: bool,
    /// Egress only: 1 same VPC, 8 internet gateway, ...
    pub traffic_path: Option<u8>,
    pub src_service: Option<&'static str>,
    pub dst_service: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    NoData,
    SkipData,
}

impl Rec {
    /// A NODATA or SKIPDATA record for an interface.
    pub fn no_data(host: usize, start: i64, end: i64, status: Status) -> Self {
        Rec {
            host,
            src: Addr::v4(0, 0, 0, 0),
            dst: Addr::v4(0, 0, 0, 0),
            srcport: 0,
            dstport: 0,
            protocol: 0,
            packets: 0,
            bytes: 0,
            start,
            end,
            accept: false,
            status,
            tcp_flags: 0,
            ingress: true,
            traffic_path: None,
            src_service: None,
            dst_service: None,
        }
    }

    /// Append the record as a line of `log`'s format.
    pub fn write(&self, log: &FlowLog, out: &mut Vec<u8>) {
        let host = &log.hosts[self.host];
        let ok = self.status == Status::Ok;
        for (i, &field) in log.fields.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            let _ = match field {
                0 => write!(out, "{}", log.version),
                1 => write!(out, "{}", log.account),
                2 => write!(out, "{}", host.eni),
                3 | 19 if ok => write!(out, "{}", self.src),
                4 | 20 if ok => write!(out, "{}", self.dst),
                5 if ok => write!(out, "{}", self.srcport),
                6 if ok => write!(out, "{}", self.dstport),
                7 if ok => write!(out, "{}", self.protocol),
                8 if ok => write!(out, "{}", self.packets),
                9 if ok => write!(out, "{}", self.bytes),
                10 => write!(out, "{}", self.start),
                11 => write!(out, "{}", self.end),
                12 if ok => out.write_all(if self.accept { b"ACCEPT" } else { b"REJECT" }),
                13 => out.write_all(match self.status {
                    Status::Ok => b"OK",
                    Status::NoData => b"NODATA",
                    Status::SkipData => b"SKIPDATA",
                }),
                14 => write!(out, "{}", log.vpc),
                15 => write!(out, "{}", host.subnet),
                16 => write!(out, "{}", host.instance),
                17 if ok => write!(out, "{}", self.tcp_flags),
                18 if ok => out.write_all(if self.src.is_v6() { b"IPv6" } else { b"IPv4" }),
                21 => write!(out, "{}", log.region),
                22 => write!(out, "{}", host.az),
                25 if ok && self.src_service.is_some() => {
                    out.write_all(self.src_service.unwrap_or_default().as_bytes())
                }
                26 if ok && self.dst_service.is_some() => {
                    out.write_all(self.dst_service.unwrap_or_default().as_bytes())
                }
                27 if ok => out.write_all(if self.ingress { b"ingress" } else { b"egress" }),
                28 if ok && self.traffic_path.is_some() => {
                    write!(out, "{}", self.traffic_path.unwrap_or_default())
                }
                _ => out.write_all(b"-"),
            };
        }
        out.push(b'\n');
    }
}
