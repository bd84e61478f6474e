//! Benign traffic that fools naive hunts (`flowlake gen --benign`): each pattern is
//! ordinary in a real estate and looks, to a hunt that counts without asking how, like a
//! scan, a sweep, a brute force, a beacon or an exfiltration.
//!
//! The noise budget of the hunt library is that every detection returns no rows on this
//! traffic (`crates/query/tests/noise.rs`).

use rand::Rng;
use rand::rngs::SmallRng;
use serde::Serialize;

use crate::model::{Addr, FlowLog, Rec, Role, Status, public_v4};
use crate::scenarios::{FLAGS_SERVER, FLAGS_SYN, TCP, conn, ephemeral, udp_exchange};

/// A named benign pattern, listed in the ground truth of a `--benign` tree.
#[derive(Debug, Clone, Serialize)]
pub struct Pattern {
    pub name: &'static str,
    pub description: &'static str,
}

/// The patterns, by the name a hunt's noise would be blamed on.
pub const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "cdn-saas-browsing",
        description: "20 desktops reach hundreds of CDN and SaaS addresses on 443 (TCP and QUIC), a fifth of them short preconnects of two or three packets",
    },
    Pattern {
        name: "nat-gateway",
        description: "A NAT gateway's address talks to thousands of internet addresses on 443, 80 and 123; 3% never answer",
    },
    Pattern {
        name: "load-balancer",
        description: "Two load balancer nodes take thousands of internet clients on 443 and 8443 and forward to the web tier on 8080",
    },
    Pattern {
        name: "health-checks",
        description: "The balancer checks every web server each 5 minutes; Route 53 health checkers on the internet check their 443",
    },
    Pattern {
        name: "public-web-dns",
        description: "Internet-facing DNS servers answer thousands of resolvers on 53 (UDP, some TCP), besides the web servers",
    },
    Pattern {
        name: "internet-scanners",
        description: "300 internet scanners probe every host on common ports: refused, except on the public services (443, 80, 53), which answer them",
    },
    Pattern {
        name: "ssh-bastion",
        description: "Admins from two office addresses keep long SSH sessions on the bastion; a CI runner deploys through it in bursts of 40 short sessions",
    },
    Pattern {
        name: "nightly-backup",
        description: "At 01:00 UTC each database host uploads 4-6 GB to S3 over many S3 addresses (multipart), every night",
    },
    Pattern {
        name: "scheduled-updates",
        description: "Every app host checks its vendor's update service every hour to the second",
    },
    Pattern {
        name: "kubernetes-fan-out",
        description: "Kubernetes nodes probe and route to 100 pods on many ports (8080, 9090, 10250, 3000, 5000, 8443, 9100, 15020)",
    },
    Pattern {
        name: "vpc-resolver-dns",
        description: "Every host sends DNS over 53 (UDP, some TCP) to the VPC's Route 53 Resolver endpoints",
    },
];

/// External peers of the benign patterns, shared by every window.
pub struct BenignPeers {
    cdn: Vec<Addr>,
    internet: Vec<Addr>,
    lb_clients: Vec<Addr>,
    resolvers: Vec<Addr>,
    scanners: Vec<Addr>,
    offices: [Addr; 2],
    ci: Addr,
    checkers: [Addr; 3],
    vendors: [Addr; 2],
}

impl BenignPeers {
    pub fn new(rng: &mut SmallRng) -> Self {
        let mut pool = |n: usize| (0..n).map(|_| public_v4(rng)).collect::<Vec<_>>();
        let cdn = pool(3000);
        let internet = pool(20_000);
        let lb_clients = pool(8000);
        let resolvers = pool(2000);
        let scanners = pool(300);
        let o = pool(10);
        Self {
            cdn,
            internet,
            lb_clients,
            resolvers,
            scanners,
            offices: [o[0], o[1]],
            ci: o[2],
            checkers: [o[3], o[4], o[5]],
            vendors: [o[6], o[7]],
        }
    }
}

fn of_role(log: &FlowLog, role: Role) -> Vec<usize> {
    log.hosts
        .iter()
        .enumerate()
        .filter(|(_, h)| h.role == role)
        .map(|(i, _)| i)
        .collect()
}

/// A record seen by `host` that the generic helpers do not make (a refusal, QUIC).
#[allow(clippy::too_many_arguments)]
fn rec(
    host: usize,
    protocol: u8,
    (src, srcport): (Addr, u16),
    (dst, dstport): (Addr, u16),
    start: i64,
    (packets, bytes): (u64, u64),
    accept: bool,
    tcp_flags: u8,
    ingress: bool,
) -> Rec {
    Rec {
        host,
        src,
        dst,
        srcport,
        dstport,
        protocol,
        packets,
        bytes,
        start,
        end: start + 1 + (packets as i64 % 50),
        accept,
        status: Status::Ok,
        tcp_flags,
        ingress,
        traffic_path: (!ingress).then_some(8),
        src_service: None,
        dst_service: None,
    }
}

/// The benign patterns of one flow log in the five-minute window starting at `window`;
/// `connections` scales the patterns that are a share of traffic, the scheduled ones
/// (health checks, updates, backups) keep their schedule.
pub fn benign(
    log: &FlowLog,
    peers: &BenignPeers,
    rng: &mut SmallRng,
    window: i64,
    connections: u64,
    out: &mut Vec<Rec>,
) {
    let hosts = &log.hosts;
    let pick = |rng: &mut SmallRng, v: &[usize]| v[rng.random_range(0..v.len())];
    let pick_addr = |rng: &mut SmallRng, v: &[Addr]| v[rng.random_range(0..v.len())];
    let desktops = of_role(log, Role::Workstation);
    let nat = of_role(log, Role::Nat);
    let balancers = of_role(log, Role::Balancer);
    let resolvers = of_role(log, Role::Resolver);
    let dns = of_role(log, Role::Dns);
    let nodes = of_role(log, Role::Node);
    let web = of_role(log, Role::Web);
    let app = of_role(log, Role::App);
    let db = of_role(log, Role::Db);
    let bastion = of_role(log, Role::Bastion);
    if desktops.is_empty() {
        return;
    }
    let at = |rng: &mut SmallRng| window + rng.random_range(0..240);
    let share = |f: f64| ((connections as f64) * f).ceil() as u64;
    let answered = |rng: &mut SmallRng, lo: u64, hi: u64| {
        Some((
            rng.random_range(lo..hi),
            rng.random_range(lo * 200..hi * 1200),
            FLAGS_SERVER,
        ))
    };

    // cdn-saas-browsing
    for _ in 0..share(0.25) {
        let h = pick(rng, &desktops);
        let me = hosts[h].ip;
        let dst = pick_addr(rng, &peers.cdn);
        let t = at(rng);
        match rng.random_range(0..10) {
            0 => {
                // QUIC.
                let sport = ephemeral(rng);
                let p = rng.random_range(10..200);
                udp_exchange(
                    out,
                    h,
                    (me, sport),
                    (dst, 443),
                    (t, t + 30),
                    ((p, p * 900), (p, p * 1100)),
                    true,
                );
            }
            1 | 2 => {
                // A preconnect never used: handshake and close, answered.
                let p = rng.random_range(2..4);
                conn(
                    out,
                    h,
                    (me, ephemeral(rng)),
                    (dst, 443),
                    t,
                    (p, p * 52),
                    Some((2, 104, FLAGS_SERVER)),
                    true,
                    8,
                    rng,
                );
            }
            _ => {
                let reply = answered(rng, 8, 400);
                conn(
                    out,
                    h,
                    (me, ephemeral(rng)),
                    (dst, 443),
                    t,
                    (rng.random_range(8..80), rng.random_range(1_500..30_000)),
                    reply,
                    true,
                    8,
                    rng,
                );
            }
        }
    }

    // nat-gateway
    if let Some(&n) = nat.first() {
        for _ in 0..share(0.25) {
            let me = hosts[n].ip;
            let dst = pick_addr(rng, &peers.internet);
            let t = at(rng);
            let roll = rng.random_range(0..100);
            if roll < 2 {
                let sport = ephemeral(rng);
                udp_exchange(
                    out,
                    n,
                    (me, sport),
                    (dst, 123),
                    (t, t + 1),
                    ((1, 76), (1, 76)),
                    true,
                );
                continue;
            }
            let port = if roll < 15 { 80 } else { 443 };
            if roll >= 97 {
                // A dead or filtered address: SYN and retransmissions, no answer.
                let p = rng.random_range(1..4);
                conn(
                    out,
                    n,
                    (me, ephemeral(rng)),
                    (dst, port),
                    t,
                    (p, p * 60),
                    None,
                    true,
                    8,
                    rng,
                );
            } else {
                let reply = answered(rng, 5, 300);
                conn(
                    out,
                    n,
                    (me, ephemeral(rng)),
                    (dst, port),
                    t,
                    (rng.random_range(5..60), rng.random_range(600..40_000)),
                    reply,
                    true,
                    8,
                    rng,
                );
            }
        }
    }

    // load-balancer: clients in, requests on to the web tier.
    for _ in 0..share(0.15) {
        let Some(&b) = balancers.first() else { break };
        let b = if rng.random_bool(0.5) {
            b
        } else {
            pick(rng, &balancers)
        };
        let me = hosts[b].ip;
        let client = pick_addr(rng, &peers.lb_clients);
        let port = if rng.random_bool(0.8) { 443 } else { 8443 };
        let t = at(rng);
        let reply = answered(rng, 5, 200);
        conn(
            out,
            b,
            (client, ephemeral(rng)),
            (me, port),
            t,
            (rng.random_range(5..40), rng.random_range(500..15_000)),
            reply,
            false,
            8,
            rng,
        );
        let w = pick(rng, &web);
        let reply = answered(rng, 5, 200);
        conn(
            out,
            b,
            (me, ephemeral(rng)),
            (hosts[w].ip, 8080),
            t,
            (rng.random_range(5..40), rng.random_range(500..15_000)),
            reply,
            true,
            1,
            rng,
        );
    }

    // health-checks: every web server, each window, from each balancer node; and from
    // three Route 53 health checkers on the internet to its 443.
    for &w in &web {
        for &b in &balancers {
            let t = window + 7 + (b as i64 * 13) % 60;
            conn(
                out,
                b,
                (hosts[b].ip, ephemeral(rng)),
                (hosts[w].ip, 8080),
                t,
                (5, 420),
                Some((4, 610, FLAGS_SERVER)),
                true,
                1,
                rng,
            );
        }
        for (k, &checker) in peers.checkers.iter().enumerate() {
            let t = window + 20 + k as i64 * 30;
            conn(
                out,
                w,
                (checker, ephemeral(rng)),
                (hosts[w].ip, 443),
                t,
                (6, 700),
                Some((5, 3900, FLAGS_SERVER)),
                false,
                8,
                rng,
            );
        }
    }

    // public-web-dns: resolvers on the internet query our authoritative servers.
    for _ in 0..share(0.15) {
        let Some(&d) = dns.first() else { break };
        let d = if rng.random_bool(0.5) {
            d
        } else {
            pick(rng, &dns)
        };
        let me = hosts[d].ip;
        let client = pick_addr(rng, &peers.resolvers);
        let t = at(rng);
        if rng.random_bool(0.95) {
            let sport = ephemeral(rng);
            let q = rng.random_range(1..4);
            udp_exchange(
                out,
                d,
                (client, sport),
                (me, 53),
                (t, t + 1),
                ((q, q * 72), (q, q * 180)),
                false,
            );
        } else {
            conn(
                out,
                d,
                (client, ephemeral(rng)),
                (me, 53),
                t,
                (4, 300),
                Some((4, 1400, FLAGS_SERVER)),
                false,
                8,
                rng,
            );
        }
    }

    // internet-scanners: a few probes per window from a known pool; refused on closed
    // ports, answered on the public services.
    for _ in 0..share(0.05).max(2) {
        let scanner = pick_addr(rng, &peers.scanners);
        let h = rng.random_range(0..hosts.len());
        let role = hosts[h].role;
        let t = at(rng);
        let open: &[u16] = match role {
            Role::Web | Role::Balancer => &[443, 80],
            Role::Dns => &[53],
            _ => &[],
        };
        let port = if !open.is_empty() && rng.random_bool(0.3) {
            open[rng.random_range(0..open.len())]
        } else {
            [22u16, 23, 445, 3389, 8080, 5900, 1433, 6379, 9200, 27017][rng.random_range(0..10)]
        };
        if open.contains(&port) {
            conn(
                out,
                h,
                (scanner, ephemeral(rng)),
                (hosts[h].ip, port),
                t,
                (3, 180),
                Some((2, 120, FLAGS_SERVER)),
                false,
                8,
                rng,
            );
        } else {
            out.push(rec(
                h,
                TCP,
                (scanner, ephemeral(rng)),
                (hosts[h].ip, port),
                t,
                (1, 44),
                false,
                FLAGS_SYN,
                true,
            ));
        }
    }

    // ssh-bastion: long admin sessions from the offices, a CI deploy burst now and then.
    if let Some(&b) = bastion.first() {
        let me = hosts[b].ip;
        for _ in 0..share(0.03).max(1) {
            let office = peers.offices[rng.random_range(0..2)];
            let t = at(rng);
            let fwd = (
                rng.random_range(100..3000),
                rng.random_range(20_000..2_000_000),
            );
            let reply = Some((
                rng.random_range(100..3000),
                rng.random_range(40_000..8_000_000),
                FLAGS_SERVER,
            ));
            conn(
                out,
                b,
                (office, ephemeral(rng)),
                (me, 22),
                t,
                fwd,
                reply,
                false,
                8,
                rng,
            );
        }
        // Deploys at 09:00, 13:00 and 17:00 UTC: 40 sessions over ten minutes.
        let hour = window.rem_euclid(86_400) / 3600;
        let minute = window.rem_euclid(3600) / 60;
        if matches!(hour, 9 | 13 | 17) && minute < 10 {
            for i in 0..20 {
                let t = window + i * 15;
                let fwd = (rng.random_range(20..60), rng.random_range(4_000..14_000));
                let reply = Some((
                    rng.random_range(20..60),
                    rng.random_range(6_000..40_000),
                    FLAGS_SERVER,
                ));
                conn(
                    out,
                    b,
                    (peers.ci, ephemeral(rng)),
                    (me, 22),
                    t,
                    fwd,
                    reply,
                    false,
                    8,
                    rng,
                );
            }
        }
    }

    // nightly-backup: 01:00-02:00 UTC, each database host, multipart uploads to S3.
    let hour = window.rem_euclid(86_400) / 3600;
    if hour == 1 {
        for &d in &db {
            // 4-6 GB a night in 12 windows, spread over 40 S3 addresses.
            let per_window = rng.random_range(330_000_000..500_000_000u64);
            let parts = 20;
            for _ in 0..parts {
                let s3 = Addr::v4(52, 217, rng.random_range(0..4), rng.random_range(1..11));
                let bytes = per_window / parts;
                let first = out.len();
                conn(
                    out,
                    d,
                    (hosts[d].ip, ephemeral(rng)),
                    (s3, 443),
                    at(rng),
                    (bytes / 1400, bytes),
                    Some((bytes / 2800, bytes / 100, FLAGS_SERVER)),
                    true,
                    8,
                    rng,
                );
                out[first].dst_service = Some("S3");
                if let Some(r) = out.get_mut(first + 1) {
                    r.src_service = Some("S3");
                }
            }
        }
    }

    // scheduled-updates: each app host, hourly at its own second, to one vendor address.
    for &a in &app {
        let phase = (a as i64 * 97 + i64::from(log.net) * 31) % 3600;
        let t = window - window.rem_euclid(3600) + phase;
        if t >= window && t < window + 300 {
            let vendor = peers.vendors[a % 2];
            conn(
                out,
                a,
                (hosts[a].ip, ephemeral(rng)),
                (vendor, 443),
                t,
                (9, 1100),
                Some((8, 5200, FLAGS_SERVER)),
                true,
                8,
                rng,
            );
        }
    }

    // kubernetes-fan-out: nodes to pods (10.x.5.100-199) on their ports.
    for &n in &nodes {
        let me = hosts[n].ip;
        for _ in 0..share(0.1).max(4) {
            let pod = Addr::v4(10, log.net, 5, rng.random_range(100..200));
            let port =
                [8080u16, 9090, 10250, 3000, 5000, 8443, 9100, 15020][rng.random_range(0..8)];
            let (src, dst) = if rng.random_bool(0.7) {
                ((me, ephemeral(rng)), (pod, port))
            } else {
                (
                    (pod, ephemeral(rng)),
                    (Addr::v4(10, log.net, 5, rng.random_range(100..200)), port),
                )
            };
            conn(
                out,
                n,
                src,
                dst,
                at(rng),
                (rng.random_range(4..20), rng.random_range(300..6000)),
                Some((4, 900, FLAGS_SERVER)),
                true,
                1,
                rng,
            );
        }
    }

    // vpc-resolver-dns: every kind of host asks the Resolver endpoints.
    if !resolvers.is_empty() {
        for _ in 0..share(0.2) {
            let r = pick(rng, &resolvers);
            let client = hosts[rng.random_range(0..hosts.len())].ip;
            let t = at(rng);
            let sport = ephemeral(rng);
            if rng.random_bool(0.97) {
                udp_exchange(
                    out,
                    r,
                    (client, sport),
                    (hosts[r].ip, 53),
                    (t, t + 1),
                    ((2, 140), (2, 360)),
                    false,
                );
            } else {
                conn(
                    out,
                    r,
                    (client, sport),
                    (hosts[r].ip, 53),
                    t,
                    (4, 300),
                    Some((4, 1600, FLAGS_SERVER)),
                    false,
                    1,
                    rng,
                );
            }
        }
    }
}
