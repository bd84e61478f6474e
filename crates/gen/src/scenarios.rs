//! Background traffic and the injected attack scenarios.

use rand::Rng;
use rand::rngs::SmallRng;
use serde::Serialize;

use crate::model::{Addr, FlowLog, Rec, Role, Status, public_v4};

pub(crate) const TCP: u8 = 6;
pub(crate) const UDP: u8 = 17;
/// AWS's tcp-flags: SYN+FIN for a whole client-side connection, SYN-ACK+FIN for the server
/// side, SYN alone for an unanswered attempt, RST for a refusal.
pub(crate) const FLAGS_CLIENT: u8 = 3;
pub(crate) const FLAGS_SERVER: u8 = 19;
pub(crate) const FLAGS_SYN: u8 = 2;
pub(crate) const FLAGS_RST: u8 = 4;

/// An injected attack: what a hunt should find.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// The hunt that should find it (`port-scan`, `ssh-brute-force`, ...).
    pub name: String,
    pub description: String,
    pub mitre: Vec<String>,
    /// The address a hunt should single out.
    pub actor: String,
    /// The victim (a host, or a description of many).
    pub target: String,
    pub flow_log: String,
    pub account: String,
    pub region: String,
    pub start: i64,
    pub end: i64,
    pub records: u64,
    /// How strong the attack is, for the injections of `--intensities`
    /// ("200 ports over 1 hour").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intensity: Option<String>,
}

/// A record with the flow log it belongs to.
pub type Tagged = (usize, Rec);

pub(crate) fn host_index(log: &FlowLog, ip: Addr) -> usize {
    log.hosts
        .iter()
        .position(|h| h.ip == ip)
        .expect("scenario host exists")
}

/// The start of the `i`-th of a series of events one `step` apart on average, at a random
/// point of its step: a person or a program doing something now and then, not a timer
/// (only the beaconing scenario is periodic).
fn jittered(t0: i64, i: i64, step: i64, rng: &mut SmallRng) -> i64 {
    t0 + i * step + rng.random_range(0..step.max(1))
}

pub(crate) fn ephemeral(rng: &mut SmallRng) -> u16 {
    rng.random_range(32768..=60999)
}

/// A TCP connection seen from the local host `host`: the outbound (or inbound) record
/// and, when answered, the reply.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conn(
    recs: &mut Vec<Rec>,
    host: usize,
    (src, sport): (Addr, u16),
    (dst, dport): (Addr, u16),
    start: i64,
    (packets, bytes): (u64, u64),
    reply: Option<(u64, u64, u8)>,
    local_is_src: bool,
    path: u8,
    rng: &mut SmallRng,
) {
    let end = start + rng.random_range(1..60);
    recs.push(Rec {
        host,
        src,
        dst,
        srcport: sport,
        dstport: dport,
        protocol: TCP,
        packets,
        bytes,
        start,
        end,
        accept: true,
        status: Status::Ok,
        tcp_flags: if reply.is_some() {
            FLAGS_CLIENT
        } else {
            FLAGS_SYN
        },
        ingress: !local_is_src,
        traffic_path: local_is_src.then_some(path),
        src_service: None,
        dst_service: None,
    });
    if let Some((p, b, flags)) = reply {
        recs.push(Rec {
            host,
            src: dst,
            dst: src,
            srcport: dport,
            dstport: sport,
            protocol: TCP,
            packets: p,
            bytes: b,
            start,
            end,
            accept: true,
            status: Status::Ok,
            tcp_flags: flags,
            ingress: local_is_src,
            traffic_path: (!local_is_src).then_some(path),
            src_service: None,
            dst_service: None,
        });
    }
}

/// One record of any protocol, from `src` to `dst`, as the interface of `host` saw it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn one_way(
    recs: &mut Vec<Rec>,
    host: usize,
    protocol: u8,
    (src, sport): (Addr, u16),
    (dst, dport): (Addr, u16),
    (start, end): (i64, i64),
    (packets, bytes): (u64, u64),
    local_is_src: bool,
) {
    recs.push(Rec {
        host,
        src,
        dst,
        srcport: sport,
        dstport: dport,
        protocol,
        packets,
        bytes,
        start,
        end,
        accept: true,
        status: Status::Ok,
        tcp_flags: if protocol == TCP { FLAGS_SYN } else { 0 },
        ingress: !local_is_src,
        traffic_path: local_is_src.then_some(8),
        src_service: None,
        dst_service: None,
    });
}

/// A UDP request from `client` to `server` and its answer, as the interface of `host`
/// saw them (`local_is_client`: the host asked).
pub(crate) fn udp_exchange(
    recs: &mut Vec<Rec>,
    host: usize,
    client: (Addr, u16),
    server: (Addr, u16),
    span: (i64, i64),
    (request, answer): ((u64, u64), (u64, u64)),
    local_is_client: bool,
) {
    one_way(
        recs,
        host,
        UDP,
        client,
        server,
        span,
        request,
        local_is_client,
    );
    one_way(
        recs,
        host,
        UDP,
        server,
        client,
        span,
        answer,
        !local_is_client,
    );
}

/// The attack scenarios, placed in `[start, end)`.
pub fn attacks(
    logs: &[FlowLog],
    rng: &mut SmallRng,
    start: i64,
    end: i64,
) -> (Vec<Scenario>, Vec<Tagged>) {
    let span = end - start;
    let at = |fraction: f64| start + (span as f64 * fraction) as i64;
    let len = |secs: i64| secs.min(span / 4).max(60);
    let mut scenarios = Vec::new();
    let mut all = Vec::new();
    let mut add = |log: usize,
                   name: &str,
                   description: &str,
                   mitre: &[&str],
                   actor: Addr,
                   target: String,
                   recs: Vec<Rec>| {
        let l = &logs[log];
        scenarios.push(Scenario {
            name: name.to_string(),
            description: description.to_string(),
            mitre: mitre.iter().map(ToString::to_string).collect(),
            actor: actor.to_string(),
            target,
            flow_log: l.id.clone(),
            account: l.account.clone(),
            region: l.region.clone(),
            start: recs.iter().map(|r| r.start).min().unwrap_or(start),
            end: recs.iter().map(|r| r.end).max().unwrap_or(start),
            records: recs.len() as u64,
            intensity: None,
        });
        all.extend(recs.into_iter().map(|r| (log, r)));
    };

    // Recon:EC2/Portscan: a compromised app server scans the first 1024 ports of one host.
    {
        let actor = Addr::v4(10, 0, 2, 23);
        let target = Addr::v4(198, 51, 100, 77);
        let host = host_index(&logs[0], actor);
        let t0 = at(0.20);
        let d = len(600);
        let mut recs = Vec::new();
        for port in 1..=1024u16 {
            let t = t0 + i64::from(port) * d / 1024;
            let reply = rng.random_bool(0.9).then_some((1, 40, FLAGS_RST));
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (target, port),
                t,
                (1, 44),
                reply,
                true,
                8,
                rng,
            );
        }
        add(
            0,
            "port-scan",
            "An app server scans ports 1-1024 of one external host",
            &["T1046"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // Impact:EC2/PortSweep: one port (Redis) across hundreds of public addresses.
    {
        let actor = Addr::v4(10, 1, 2, 31);
        let host = host_index(&logs[1], actor);
        let t0 = at(0.30);
        let d = len(900);
        let mut recs = Vec::new();
        for i in 0..400 {
            let reply = rng.random_bool(0.1).then_some((1, 40, FLAGS_RST));
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (public_v4(rng), 6379),
                t0 + i * d / 400,
                (1, 44),
                reply,
                true,
                8,
                rng,
            );
        }
        add(
            1,
            "port-sweep",
            "An app server probes port 6379 on 400 public addresses",
            &["T1046"],
            actor,
            "400 public addresses, port 6379".into(),
            recs,
        );
    }

    // UnauthorizedAccess:EC2/SSHBruteForce: many short SSH sessions from one address.
    {
        let actor = Addr::v4(203, 0, 113, 66);
        let target = Addr::v4(10, 0, 1, 11);
        let host = host_index(&logs[0], target);
        let t0 = at(0.40);
        let d = len(3600);
        let mut recs = Vec::new();
        for i in 0..600 {
            let reply = Some((
                rng.random_range(10..18),
                rng.random_range(2500..4000),
                FLAGS_SERVER,
            ));
            let fwd = (rng.random_range(12..20), rng.random_range(2000..3500));
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (target, 22),
                t0 + i * d / 600,
                fwd,
                reply,
                false,
                8,
                rng,
            );
        }
        add(
            0,
            "ssh-brute-force",
            "600 short SSH sessions from one internet address to a web server",
            &["T1110"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // UnauthorizedAccess:EC2/RDPBruteForce.
    {
        let actor = Addr::v4(192, 0, 2, 200);
        let target = Addr::v4(10, 1, 1, 50);
        let host = host_index(&logs[1], target);
        let t0 = at(0.50);
        let d = len(2700);
        let mut recs = Vec::new();
        for i in 0..400 {
            let reply = Some((
                rng.random_range(8..14),
                rng.random_range(2000..4500),
                FLAGS_SERVER,
            ));
            let fwd = (rng.random_range(8..15), rng.random_range(1500..4000));
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (target, 3389),
                t0 + i * d / 400,
                fwd,
                reply,
                false,
                8,
                rng,
            );
        }
        add(
            1,
            "rdp-brute-force",
            "400 short RDP sessions from one internet address to a Windows host",
            &["T1110"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // Exfiltration: a database server uploads gigabytes to one external address.
    {
        let actor = Addr::v4(10, 2, 3, 10);
        let target = Addr::v4(45, 77, 12, 34);
        let host = host_index(&logs[2], actor);
        let t0 = at(0.60);
        let d = len(1800);
        let mut recs = Vec::new();
        for i in 0..25 {
            let bytes = rng.random_range(80_000_000..200_000_000u64);
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (target, 443),
                jittered(t0, i, d / 25, rng),
                (bytes / 1400, bytes),
                Some((bytes / 2800, bytes / 50, FLAGS_SERVER)),
                true,
                8,
                rng,
            );
        }
        add(
            2,
            "data-exfiltration",
            "A database server sends several GB to one external address over HTTPS",
            &["T1048", "T1041"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // Beaconing: a small HTTPS check-in every five minutes, with seconds of jitter, all along.
    {
        let actor = Addr::v4(10, 0, 2, 44);
        let target = Addr::v4(185, 220, 101, 5);
        let host = host_index(&logs[0], actor);
        let mut recs = Vec::new();
        let mut t = start + 17;
        while t < end - 60 {
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (target, 443),
                t,
                (4, rng.random_range(600..700)),
                Some((3, rng.random_range(300..400), FLAGS_SERVER)),
                true,
                8,
                rng,
            );
            t += 300 + rng.random_range(-3..=3);
        }
        add(
            0,
            "beaconing",
            "An app server checks in with one external address every 300 s (+-3 s)",
            &["T1071", "T1573"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // CryptoCurrency:EC2/BitcoinTool.B: a long-lived stratum connection, one record a minute.
    {
        let actor = Addr::v4(10, 1, 2, 45);
        let target = Addr::v4(94, 130, 12, 30);
        let host = host_index(&logs[1], actor);
        let t0 = at(0.10);
        let d = len(6 * 3600);
        let sport = ephemeral(rng);
        let mut recs = Vec::new();
        let mut t = t0;
        while t < t0 + d {
            conn(
                &mut recs,
                host,
                (actor, sport),
                (target, 3333),
                t,
                (rng.random_range(40..60), rng.random_range(4000..8000)),
                Some((
                    rng.random_range(40..60),
                    rng.random_range(4000..8000),
                    FLAGS_SERVER,
                )),
                true,
                8,
                rng,
            );
            t += 60;
        }
        add(
            1,
            "crypto-mining",
            "An app server holds a stratum connection to a mining pool on port 3333",
            &["T1496"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // Lateral movement: one app server fans out to 60 internal hosts on admin ports.
    {
        let actor = Addr::v4(10, 2, 2, 15);
        let host = host_index(&logs[2], actor);
        let t0 = at(0.70);
        let d = len(900);
        let ports = [445u16, 3389, 5985, 22, 135];
        let mut recs = Vec::new();
        for i in 0..60u8 {
            let target = Addr::v4(10, 2, 2 + i / 30, 10 + i % 30 * 3);
            for (k, &port) in ports.iter().enumerate() {
                let t = t0 + (i64::from(i) * 5 + k as i64) * d / 300;
                let reply = rng
                    .random_bool(0.3)
                    .then_some((2, 120, FLAGS_SERVER))
                    .or(Some((1, 40, FLAGS_RST)));
                conn(
                    &mut recs,
                    host,
                    (actor, ephemeral(rng)),
                    (target, port),
                    t,
                    (2, 120),
                    reply,
                    true,
                    1,
                    rng,
                );
            }
        }
        add(
            2,
            "lateral-movement",
            "An app server connects to 60 internal hosts on SMB, RDP, WinRM, SSH and RPC",
            &["T1021"],
            actor,
            "60 internal hosts".into(),
            recs,
        );
    }

    // Impact:EC2/WinRMBruteForce: short WinRM sessions against the Windows host.
    {
        let actor = Addr::v4(198, 51, 100, 23);
        let target = Addr::v4(10, 1, 1, 50);
        let host = host_index(&logs[1], target);
        let t0 = at(0.15);
        let d = len(1800);
        let mut recs = Vec::new();
        for i in 0..300 {
            let reply = Some((
                rng.random_range(6..12),
                rng.random_range(1500..3000),
                FLAGS_SERVER,
            ));
            let fwd = (rng.random_range(6..12), rng.random_range(1200..3500));
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (target, 5985),
                t0 + i * d / 300,
                fwd,
                reply,
                false,
                8,
                rng,
            );
        }
        add(
            1,
            "winrm-brute-force",
            "300 short WinRM sessions from one internet address to a Windows host",
            &["T1110"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // Backdoor:EC2/Spambot: an app server delivers mail to many mail servers.
    {
        let actor = Addr::v4(10, 2, 2, 33);
        let host = host_index(&logs[2], actor);
        let t0 = at(0.05);
        let d = len(3600);
        let mut recs = Vec::new();
        for i in 0..120 {
            let server = public_v4(rng);
            let reply = Some((
                rng.random_range(8..15),
                rng.random_range(800..1500),
                FLAGS_SERVER,
            ));
            let fwd = (rng.random_range(10..40), rng.random_range(3000..40_000));
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (server, 25),
                t0 + i * d / 120,
                fwd,
                reply,
                true,
                8,
                rng,
            );
        }
        add(
            2,
            "spambot",
            "An app server sends SMTP to 120 public mail servers",
            &["T1496"],
            actor,
            "120 mail servers, port 25".into(),
            recs,
        );
    }

    // Backdoor:EC2/DenialOfService.*: an instance floods one outside target, one record a
    // minute: (flow log, actor, target, port, protocol, minutes, packets a minute, bytes a
    // packet, start as a fraction of the period, hunt, description).
    for (log, actor, target, port, protocol, minutes, rate, size, at_fraction, name, description) in [
        (
            1,
            Addr::v4(10, 1, 2, 38),
            Addr::v4(203, 0, 113, 150),
            80u16,
            TCP,
            5i64,
            250_000..350_000u64,
            40u64,
            0.25,
            "dos-tcp",
            "An app server floods one web server with SYN packets for five minutes",
        ),
        (
            0,
            Addr::v4(10, 0, 2, 36),
            Addr::v4(203, 0, 113, 201),
            27015,
            UDP,
            3,
            150_000..250_000,
            512,
            0.12,
            "dos-udp",
            "An app server floods one game server with UDP for three minutes",
        ),
        (
            2,
            Addr::v4(10, 2, 2, 41),
            Addr::v4(203, 0, 113, 53),
            53,
            UDP,
            3,
            100_000..150_000,
            80,
            0.08,
            "dos-dns",
            "An app server floods one DNS server for three minutes",
        ),
        (
            1,
            Addr::v4(10, 1, 2, 42),
            Addr::v4(203, 0, 113, 80),
            80,
            UDP,
            3,
            80_000..120_000,
            512,
            0.18,
            "dos-udp-on-tcp-ports",
            "An app server sends a UDP flood to a web server's port 80",
        ),
        (
            0,
            Addr::v4(10, 0, 2, 39),
            Addr::v4(203, 0, 113, 99),
            0,
            253,
            3,
            100_000..150_000,
            100,
            0.22,
            "dos-unusual-protocol",
            "An app server floods one target with IP protocol 253",
        ),
    ] {
        let host = host_index(&logs[log], actor);
        let t0 = at(at_fraction) / 60 * 60;
        let mut recs = Vec::new();
        for m in 0..minutes {
            let packets = rng.random_range(rate.clone());
            let sport = if port == 0 { 0 } else { ephemeral(rng) };
            one_way(
                &mut recs,
                host,
                protocol,
                (actor, sport),
                (target, port),
                (t0 + m * 60, t0 + m * 60 + 59),
                (packets, packets * size),
                true,
            );
        }
        add(
            log,
            name,
            description,
            &["T1498"],
            actor,
            target.to_string(),
            recs,
        );
    }

    // DefenseEvasion:EC2/UnusualDNSResolver, UnusualDoHActivity, UnusualDoTActivity.
    for (log, actor, resolver, port, protocol, count, name, description) in [
        (
            1,
            Addr::v4(10, 1, 2, 40),
            Addr::v4(77, 88, 8, 8),
            53u16,
            UDP,
            30i64,
            "unusual-dns-resolver",
            "An app server resolves names with an outside DNS server",
        ),
        (
            0,
            Addr::v4(10, 0, 2, 30),
            Addr::v4(1, 1, 1, 1),
            443,
            TCP,
            20,
            "unusual-doh-activity",
            "An app server uses a public DNS-over-HTTPS resolver",
        ),
        (
            2,
            Addr::v4(10, 2, 2, 20),
            Addr::v4(9, 9, 9, 9),
            853,
            TCP,
            15,
            "unusual-dot-activity",
            "An app server uses a public DNS-over-TLS resolver",
        ),
    ] {
        let host = host_index(&logs[log], actor);
        let t0 = at(0.02);
        let d = len(6 * 3600);
        let mut recs = Vec::new();
        for i in 0..count {
            let t = jittered(t0, i, d / count, rng);
            if protocol == UDP {
                let sport = ephemeral(rng);
                one_way(
                    &mut recs,
                    host,
                    UDP,
                    (actor, sport),
                    (resolver, port),
                    (t, t + 1),
                    (1, 70),
                    true,
                );
                one_way(
                    &mut recs,
                    host,
                    UDP,
                    (resolver, port),
                    (actor, sport),
                    (t, t + 1),
                    (1, 150),
                    false,
                );
            } else {
                conn(
                    &mut recs,
                    host,
                    (actor, ephemeral(rng)),
                    (resolver, port),
                    t,
                    (12, 1800),
                    Some((10, 4200, FLAGS_SERVER)),
                    true,
                    8,
                    rng,
                );
            }
        }
        add(
            log,
            name,
            description,
            &["T1071.004"],
            actor,
            resolver.to_string(),
            recs,
        );
    }

    // Recon:EC2/PortProbeUnprotectedPort: Elasticsearch open to the internet, probed by many.
    {
        let target = Addr::v4(10, 2, 3, 11);
        let host = host_index(&logs[2], target);
        let t0 = at(0.35);
        let d = len(4 * 3600);
        let mut recs = Vec::new();
        for i in 0..40 {
            let reply = Some((3, rng.random_range(400..900), FLAGS_SERVER));
            let (scanner, sport) = (public_v4(rng), ephemeral(rng));
            let t = t0 + i * d / 40;
            conn(
                &mut recs,
                host,
                (scanner, sport),
                (target, 9200),
                t,
                (4, 320),
                reply,
                false,
                8,
                rng,
            );
            // Scanners try more than one port: SSH, just before, is refused.
            recs.push(crate::ladder::refused(
                host,
                (scanner, sport.wrapping_sub(1).max(1024)),
                (target, 22),
                t - 1,
            ));
        }
        add(
            2,
            "port-probe-unprotected-port",
            "A database host's Elasticsearch port accepts connections from 40 internet scanners, refused on SSH",
            &["T1595"],
            target,
            "port 9200".into(),
            recs,
        );
    }

    // Behavior:EC2/NetworkPortUnusual: late in the period, an app server starts talking IRC.
    {
        let actor = Addr::v4(10, 0, 2, 27);
        let target = Addr::v4(162, 243, 10, 20);
        let host = host_index(&logs[0], actor);
        let t0 = at(0.72);
        let d = len(3600);
        let mut recs = Vec::new();
        for i in 0..50 {
            conn(
                &mut recs,
                host,
                (actor, ephemeral(rng)),
                (target, 6667),
                jittered(t0, i, d / 50, rng),
                (6, 900),
                Some((5, 1400, FLAGS_SERVER)),
                true,
                8,
                rng,
            );
        }
        add(
            0,
            "unusual-port",
            "An app server starts using IRC (port 6667), never used before",
            &["T1571"],
            actor,
            target.to_string(),
            recs,
        );
    }

    (scenarios, all)
}

/// Pools of external peers shared by every window, so the same SaaS endpoints recur.
pub struct Peers {
    saas: Vec<Addr>,
    ntp: Vec<Addr>,
    clients: Vec<Addr>,
}

impl Peers {
    pub fn new(rng: &mut SmallRng) -> Self {
        Self {
            saas: (0..150).map(|_| public_v4(rng)).collect(),
            ntp: (0..8).map(|_| public_v4(rng)).collect(),
            clients: (0..5000).map(|_| public_v4(rng)).collect(),
        }
    }
}

/// Ordinary traffic of one flow log in the five-minute window starting at `window`: flows
/// that start in its first four minutes and end within it.
pub fn background(
    log: &FlowLog,
    peers: &Peers,
    rng: &mut SmallRng,
    window: i64,
    connections: u64,
    out: &mut Vec<Rec>,
) {
    let hosts = &log.hosts;
    let of_role = |role: Role| -> Vec<usize> {
        hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.role == role)
            .map(|(i, _)| i)
            .collect()
    };
    let web = of_role(Role::Web);
    let app = of_role(Role::App);
    let db = of_role(Role::Db);
    let bastion = of_role(Role::Bastion);
    let config = of_role(Role::Config);
    let windows = of_role(Role::Windows);
    let pick = |rng: &mut SmallRng, v: &[usize]| v[rng.random_range(0..v.len())];
    let pick_addr = |rng: &mut SmallRng, v: &[Addr]| v[rng.random_range(0..v.len())];

    for _ in 0..connections {
        let start = window + rng.random_range(0..240);
        let roll = rng.random_range(0..100);
        match roll {
            // Internet clients to the web servers, some over IPv6.
            0..35 => {
                let h = pick(rng, &web);
                let v6 = rng.random_bool(0.1);
                let (client, server) = match (v6, hosts[h].ip6) {
                    (true, Some(ip6)) => {
                        let c = Addr::V6(std::net::Ipv6Addr::new(
                            0x2a02,
                            0xcf40,
                            rng.random(),
                            rng.random(),
                            0,
                            0,
                            0,
                            rng.random_range(1..0xffff),
                        ));
                        (c, ip6)
                    }
                    _ => (pick_addr(rng, &peers.clients), hosts[h].ip),
                };
                let port = if rng.random_bool(0.9) { 443 } else { 80 };
                let fwd = (rng.random_range(5..40), rng.random_range(500..20_000));
                let reply = Some((
                    rng.random_range(5..60),
                    rng.random_range(2_000..500_000),
                    FLAGS_SERVER,
                ));
                conn(
                    out,
                    h,
                    (client, ephemeral(rng)),
                    (server, port),
                    start,
                    fwd,
                    reply,
                    false,
                    8,
                    rng,
                );
            }
            // App tier to the databases.
            35..55 => {
                let h = pick(rng, &app);
                let d = pick(rng, &db);
                let fwd = (rng.random_range(4..30), rng.random_range(400..12_000));
                let reply = Some((
                    rng.random_range(4..60),
                    rng.random_range(1_000..200_000),
                    FLAGS_SERVER,
                ));
                conn(
                    out,
                    h,
                    (hosts[h].ip, ephemeral(rng)),
                    (hosts[d].ip, 5432),
                    start,
                    fwd,
                    reply,
                    true,
                    1,
                    rng,
                );
            }
            // Egress to SaaS APIs and AWS services.
            55..70 => {
                let h = if rng.random_bool(0.8) {
                    pick(rng, &app)
                } else {
                    pick(rng, &web)
                };
                let s3 = rng.random_bool(0.25);
                let dst = if s3 {
                    Addr::v4(52, 216, rng.random(), rng.random_range(1..255))
                } else {
                    pick_addr(rng, &peers.saas)
                };
                let fwd = (rng.random_range(5..40), rng.random_range(800..60_000));
                let reply = Some((
                    rng.random_range(5..80),
                    rng.random_range(1_000..900_000),
                    FLAGS_SERVER,
                ));
                let first = out.len();
                conn(
                    out,
                    h,
                    (hosts[h].ip, ephemeral(rng)),
                    (dst, 443),
                    start,
                    fwd,
                    reply,
                    true,
                    8,
                    rng,
                );
                if s3 {
                    out[first].dst_service = Some("S3");
                    if let Some(r) = out.get_mut(first + 1) {
                        r.src_service = Some("S3");
                    }
                }
            }
            // NTP.
            70..78 => {
                let h = pick(rng, &app);
                let dst = pick_addr(rng, &peers.ntp);
                let end = start + rng.random_range(1..60);
                for (src, dst, sport, dport, ingress) in [
                    (hosts[h].ip, dst, 123u16, 123u16, false),
                    (dst, hosts[h].ip, 123, 123, true),
                ] {
                    out.push(Rec {
                        host: h,
                        src,
                        dst,
                        srcport: sport,
                        dstport: dport,
                        protocol: UDP,
                        packets: 1,
                        bytes: 76,
                        start,
                        end,
                        accept: true,
                        status: Status::Ok,
                        tcp_flags: 0,
                        ingress,
                        traffic_path: (!ingress).then_some(8),
                        src_service: None,
                        dst_service: None,
                    });
                }
            }
            // Administration: the bastion and the configuration host SSH to everything.
            78..88 => {
                let h = if rng.random_bool(0.5) {
                    pick(rng, &bastion)
                } else {
                    pick(rng, &config)
                };
                let d = rng.random_range(0..hosts.len());
                let fwd = (rng.random_range(20..400), rng.random_range(4_000..80_000));
                let reply = Some((
                    rng.random_range(20..400),
                    rng.random_range(4_000..200_000),
                    FLAGS_SERVER,
                ));
                conn(
                    out,
                    h,
                    (hosts[h].ip, ephemeral(rng)),
                    (hosts[d].ip, 22),
                    start,
                    fwd,
                    reply,
                    true,
                    1,
                    rng,
                );
            }
            // Internet background noise: one probe each, refused by the security group.
            88..95 => {
                let h = rng.random_range(0..hosts.len());
                let ports = [22u16, 23, 445, 3389, 8080, 5900, 1433];
                let port = if rng.random_bool(0.7) {
                    ports[rng.random_range(0..ports.len())]
                } else {
                    rng.random_range(1..65535)
                };
                out.push(Rec {
                    host: h,
                    src: public_v4(rng),
                    dst: hosts[h].ip,
                    srcport: ephemeral(rng),
                    dstport: port,
                    protocol: TCP,
                    packets: 1,
                    bytes: rng.random_range(40..60),
                    start,
                    end: start + rng.random_range(1..60),
                    accept: false,
                    status: Status::Ok,
                    tcp_flags: FLAGS_SYN,
                    ingress: true,
                    traffic_path: None,
                    src_service: None,
                    dst_service: None,
                });
            }
            // App to app.
            95..98 => {
                let h = pick(rng, &app);
                let d = pick(rng, &app);
                let fwd = (rng.random_range(4..30), rng.random_range(400..10_000));
                let reply = Some((
                    rng.random_range(4..30),
                    rng.random_range(400..50_000),
                    FLAGS_SERVER,
                ));
                conn(
                    out,
                    h,
                    (hosts[h].ip, ephemeral(rng)),
                    (hosts[d].ip, 8080),
                    start,
                    fwd,
                    reply,
                    true,
                    1,
                    rng,
                );
            }
            // The Windows host fetches updates.
            _ => {
                let h = pick(rng, &windows);
                let fwd = (rng.random_range(10..40), rng.random_range(2_000..20_000));
                let reply = Some((
                    rng.random_range(100..2000),
                    rng.random_range(100_000..3_000_000),
                    FLAGS_SERVER,
                ));
                conn(
                    out,
                    h,
                    (hosts[h].ip, ephemeral(rng)),
                    (pick_addr(rng, &peers.saas), 443),
                    start,
                    fwd,
                    reply,
                    true,
                    8,
                    rng,
                );
            }
        }
    }
    // Now and then an interface has nothing to report, or the capture was skipped.
    if rng.random_bool(0.05) {
        out.push(Rec::no_data(
            rng.random_range(0..hosts.len()),
            window,
            window + 60,
            Status::NoData,
        ));
    }
    if rng.random_bool(0.01) {
        out.push(Rec::no_data(
            rng.random_range(0..hosts.len()),
            window + 60,
            window + 120,
            Status::SkipData,
        ));
    }
}
