//! Attacks at several intensities (`flowlake gen --intensities`), for measuring what each
//! detection can see: the same attack fast and loud, moderate, and slow, each by its own
//! actor so a hunt's rows say which ones it found.

use rand::Rng;
use rand::rngs::SmallRng;

use crate::model::{Addr, FlowLog, Rec, Role, Status};
use crate::scenarios::{
    FLAGS_RST, FLAGS_SERVER, FLAGS_SYN, Scenario, TCP, Tagged, UDP, conn, ephemeral, one_way,
};

/// One rung: the hunt that should find it, how strong it is, and how many events over
/// how long.
struct Rung {
    hunt: &'static str,
    label: String,
    count: i64,
    secs: i64,
}

fn rungs(span: i64) -> Vec<Rung> {
    let day = span.min(86_400);
    let r = |hunt, label: &str, count, secs: i64| Rung {
        hunt,
        label: label.to_string(),
        count,
        secs: secs.min(day),
    };
    vec![
        r("port-scan", "1000 ports in 1 minute", 1000, 60),
        r("port-scan", "200 ports over 1 hour", 200, 3600),
        r("port-scan", "50 ports over 1 day", 50, 86_400),
        r("port-sweep", "400 addresses in 15 minutes", 400, 900),
        r("port-sweep", "100 addresses over 1 hour", 100, 3600),
        r("port-sweep", "50 addresses over 1 day", 50, 86_400),
        r("inbound-port-scan", "1000 ports in 1 minute", 1000, 60),
        r("inbound-port-scan", "200 ports over 1 hour", 200, 3600),
        r("inbound-port-scan", "50 ports over 1 day", 50, 86_400),
        r("inbound-port-sweep", "60 hosts in 1 minute", 60, 60),
        r("inbound-port-sweep", "30 hosts over 1 hour", 30, 3600),
        r("inbound-port-sweep", "15 hosts over 1 day", 15, 86_400),
        r("ssh-brute-force", "600 attempts in 1 hour", 600, 3600),
        r("ssh-brute-force", "100 attempts in 1 hour", 100, 3600),
        r("ssh-brute-force", "60 attempts over 1 day", 60, 86_400),
        r("rdp-brute-force", "400 attempts in 45 minutes", 400, 2700),
        r("rdp-brute-force", "100 attempts in 1 hour", 100, 3600),
        r("rdp-brute-force", "60 attempts over 1 day", 60, 86_400),
        r(
            "port-probe-unprotected-port",
            "40 scanners over 4 hours",
            40,
            4 * 3600,
        ),
        r(
            "port-probe-unprotected-port",
            "10 scanners over 1 hour",
            10,
            3600,
        ),
        r(
            "port-probe-unprotected-port",
            "3 scanners over 1 day",
            3,
            86_400,
        ),
        r("lateral-movement", "60 hosts in 15 minutes", 60, 900),
        r("lateral-movement", "20 hosts over 1 hour", 20, 3600),
        r("lateral-movement", "10 hosts over 1 day", 10, 86_400),
        r("data-exfiltration", "5 GB in 30 minutes", 5000, 1800),
        r("data-exfiltration", "1.5 GB over 1 day", 1500, 86_400),
        r("data-exfiltration", "500 MB over 1 day", 500, 86_400),
        r("beaconing", "every 300 s +-3 s", 300, 3),
        r("beaconing", "every 60 s +-20 s", 60, 20),
        r("beaconing", "every 3600 s +-30 s", 3600, 30),
        r(
            "dos-tcp",
            "300,000 packets a minute for 5 minutes",
            300_000,
            300,
        ),
        r(
            "dos-tcp",
            "80,000 packets a minute for 5 minutes",
            80_000,
            300,
        ),
        r(
            "dos-tcp",
            "30,000 packets a minute for 5 minutes",
            30_000,
            300,
        ),
        r("winrm-brute-force", "300 attempts in 30 minutes", 300, 1800),
        r("winrm-brute-force", "100 attempts in 1 hour", 100, 3600),
        r("winrm-brute-force", "60 attempts over 1 day", 60, 86_400),
        r(
            "dos-udp",
            "200,000 packets a minute for 3 minutes",
            200_000,
            180,
        ),
        r(
            "dos-udp",
            "80,000 packets a minute for 3 minutes",
            80_000,
            180,
        ),
        r(
            "dos-udp",
            "30,000 packets a minute for 3 minutes",
            30_000,
            180,
        ),
        r(
            "crypto-mining",
            "a pool connection for 6 hours",
            360,
            6 * 3600,
        ),
        r("crypto-mining", "a pool connection for 1 hour", 60, 3600),
        r(
            "crypto-mining",
            "a pool connection for 20 minutes",
            20,
            1200,
        ),
        r(
            "unusual-dns-resolver",
            "30 queries over 6 hours",
            30,
            6 * 3600,
        ),
        r("unusual-dns-resolver", "3 queries over 1 day", 3, 86_400),
        r("unusual-dns-resolver", "1 query", 1, 60),
        r("spambot", "120 mail servers in 1 hour", 120, 3600),
        r("spambot", "10 mail servers in 1 hour", 10, 3600),
        r("spambot", "3 mail servers over 1 day", 3, 86_400),
    ]
}

/// Every rung of every ladder, placed in `[start, end)`.
pub fn ladders(
    logs: &[FlowLog],
    rng: &mut SmallRng,
    start: i64,
    end: i64,
) -> (Vec<Scenario>, Vec<Tagged>) {
    let span = end - start;
    // Local actors: app servers in turn across the flow logs; outside actors: one /24 each.
    let locals: Vec<(usize, usize)> = logs
        .iter()
        .enumerate()
        .flat_map(|(l, log)| {
            log.hosts
                .iter()
                .enumerate()
                .filter(|(_, h)| h.role == Role::App)
                .map(move |(i, _)| (l, i))
        })
        .collect();
    let mut scenarios = Vec::new();
    let mut all = Vec::new();
    for (k, rung) in rungs(span).into_iter().enumerate() {
        let (log, local) = locals[(k * 7) % locals.len()];
        let l = &logs[log];
        let me = l.hosts[local].ip;
        let outside = Addr::v4(45, 83, k as u8, 10);
        let victim_out = Addr::v4(45, 84, k as u8, 20);
        // Start late enough that slow rungs fit, spread so rungs do not overlap much.
        let room = (span - rung.secs).max(1);
        let t0 = start + (k as i64 * 7919 + 3600) % room;
        let step = |i: i64, n: i64| t0 + i * rung.secs / n.max(1);
        let mut recs: Vec<Rec> = Vec::new();
        let (actor, target): (Addr, String);
        match rung.hunt {
            "port-scan" => {
                for i in 0..rung.count {
                    let reply = rng.random_bool(0.9).then_some((1, 40, FLAGS_RST));
                    conn(
                        &mut recs,
                        local,
                        (me, ephemeral(rng)),
                        (victim_out, (i + 1) as u16),
                        step(i, rung.count),
                        (1, 44),
                        reply,
                        true,
                        8,
                        rng,
                    );
                }
                (actor, target) = (me, victim_out.to_string());
            }
            "port-sweep" => {
                for i in 0..rung.count {
                    let dst = Addr::v4(
                        46,
                        (i / 250) as u8 + 10 * (k as u8 % 20),
                        (i % 250) as u8,
                        7,
                    );
                    let reply = rng.random_bool(0.1).then_some((1, 40, FLAGS_RST));
                    conn(
                        &mut recs,
                        local,
                        (me, ephemeral(rng)),
                        (dst, 6379),
                        step(i, rung.count),
                        (1, 44),
                        reply,
                        true,
                        8,
                        rng,
                    );
                }
                (actor, target) = (me, format!("{} addresses, port 6379", rung.count));
            }
            "inbound-port-scan" => {
                for i in 0..rung.count {
                    let t = step(i, rung.count);
                    let port = (i * 37 % 65_000 + 1) as u16;
                    if rng.random_bool(0.95) {
                        recs.push(refused(local, (outside, ephemeral(rng)), (me, port), t));
                    } else {
                        conn(
                            &mut recs,
                            local,
                            (outside, ephemeral(rng)),
                            (me, port),
                            t,
                            (1, 44),
                            Some((1, 40, FLAGS_RST)),
                            false,
                            8,
                            rng,
                        );
                    }
                }
                (actor, target) = (outside, me.to_string());
            }
            "inbound-port-sweep" => {
                let everyone: Vec<(usize, usize)> = logs
                    .iter()
                    .enumerate()
                    .flat_map(|(l, log)| (0..log.hosts.len()).map(move |i| (l, i)))
                    .collect();
                for i in 0..rung.count {
                    let (hl, h) = everyone[(i as usize * 5) % everyone.len()];
                    let t = step(i, rung.count);
                    let rec = refused(
                        h,
                        (outside, ephemeral(rng)),
                        (logs[hl].hosts[h].ip, 5432),
                        t,
                    );
                    all.push((hl, rec));
                }
                (actor, target) = (outside, format!("{} hosts, port 5432", rung.count));
            }
            "ssh-brute-force" | "rdp-brute-force" | "winrm-brute-force" => {
                let port = match rung.hunt {
                    "ssh-brute-force" => 22,
                    "rdp-brute-force" => 3389,
                    _ => 5985,
                };
                for i in 0..rung.count {
                    let fwd = (rng.random_range(10..18), rng.random_range(1800..3500));
                    let reply = Some((
                        rng.random_range(10..18),
                        rng.random_range(2500..4000),
                        FLAGS_SERVER,
                    ));
                    conn(
                        &mut recs,
                        local,
                        (outside, ephemeral(rng)),
                        (me, port),
                        step(i, rung.count),
                        fwd,
                        reply,
                        false,
                        8,
                        rng,
                    );
                }
                (actor, target) = (outside, me.to_string());
            }
            "port-probe-unprotected-port" => {
                for i in 0..rung.count {
                    let scanner = Addr::v4(45, 85, k as u8, 10 + i as u8);
                    let t = step(i, rung.count);
                    // The scanner tries a closed port first (refused), then the open one.
                    recs.push(refused(local, (scanner, ephemeral(rng)), (me, 22), t));
                    conn(
                        &mut recs,
                        local,
                        (scanner, ephemeral(rng)),
                        (me, 9200),
                        t + 2,
                        (4, 320),
                        Some((3, 700, FLAGS_SERVER)),
                        false,
                        8,
                        rng,
                    );
                }
                (actor, target) = (me, "port 9200".to_string());
            }
            "lateral-movement" => {
                for i in 0..rung.count {
                    let dst = Addr::v4(10, l.net, 2 + (i / 40) as u8, 10 + (i % 40) as u8);
                    for (p, &port) in [445u16, 3389, 5985, 22, 135].iter().enumerate() {
                        let t = step(i * 5 + p as i64, rung.count * 5);
                        let reply = Some((1, 40, FLAGS_RST));
                        conn(
                            &mut recs,
                            local,
                            (me, ephemeral(rng)),
                            (dst, port),
                            t,
                            (2, 120),
                            reply,
                            true,
                            1,
                            rng,
                        );
                    }
                }
                (actor, target) = (me, format!("{} internal hosts", rung.count));
            }
            "data-exfiltration" => {
                let total = rung.count as u64 * 1_000_000;
                let n = 25;
                for i in 0..n {
                    let bytes = total / n as u64;
                    conn(
                        &mut recs,
                        local,
                        (me, ephemeral(rng)),
                        (victim_out, 443),
                        step(i, n),
                        (bytes / 1400, bytes),
                        Some((bytes / 2800, bytes / 50, FLAGS_SERVER)),
                        true,
                        8,
                        rng,
                    );
                }
                (actor, target) = (me, victim_out.to_string());
            }
            "beaconing" => {
                let (interval, jitter) = (rung.count, rung.secs);
                let mut t = start + 11 + k as i64;
                while t < end - 60 {
                    conn(
                        &mut recs,
                        local,
                        (me, ephemeral(rng)),
                        (victim_out, 443),
                        t,
                        (4, rng.random_range(600..700)),
                        Some((3, rng.random_range(300..400), FLAGS_SERVER)),
                        true,
                        8,
                        rng,
                    );
                    t += interval + rng.random_range(-jitter..=jitter);
                }
                (actor, target) = (me, victim_out.to_string());
            }
            "dos-tcp" => {
                let t1 = t0 / 60 * 60;
                for m in 0..5 {
                    let packets = rung.count as u64;
                    one_way(
                        &mut recs,
                        local,
                        TCP,
                        (me, ephemeral(rng)),
                        (victim_out, 80),
                        (t1 + m * 60, t1 + m * 60 + 59),
                        (packets, packets * 40),
                        true,
                    );
                }
                (actor, target) = (me, victim_out.to_string());
            }
            "dos-udp" => {
                let t1 = t0 / 60 * 60;
                for m in 0..rung.secs / 60 {
                    let packets = rung.count as u64;
                    one_way(
                        &mut recs,
                        local,
                        UDP,
                        (me, ephemeral(rng)),
                        (victim_out, 27015),
                        (t1 + m * 60, t1 + m * 60 + 59),
                        (packets, packets * 512),
                        true,
                    );
                }
                (actor, target) = (me, victim_out.to_string());
            }
            "crypto-mining" => {
                // One long stratum connection, a record a minute.
                let sport = ephemeral(rng);
                for m in 0..rung.count {
                    let t = t0 + m * 60;
                    conn(
                        &mut recs,
                        local,
                        (me, sport),
                        (victim_out, 3333),
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
                }
                (actor, target) = (me, victim_out.to_string());
            }
            "unusual-dns-resolver" => {
                for i in 0..rung.count {
                    let t = step(i, rung.count);
                    let sport = ephemeral(rng);
                    one_way(
                        &mut recs,
                        local,
                        UDP,
                        (me, sport),
                        (victim_out, 53),
                        (t, t + 1),
                        (1, 70),
                        true,
                    );
                    one_way(
                        &mut recs,
                        local,
                        UDP,
                        (victim_out, 53),
                        (me, sport),
                        (t, t + 1),
                        (1, 150),
                        false,
                    );
                }
                (actor, target) = (me, victim_out.to_string());
            }
            "spambot" => {
                for i in 0..rung.count {
                    let server = Addr::v4(47, k as u8, (i / 200) as u8, (i % 200) as u8 + 1);
                    let reply = Some((
                        rng.random_range(8..15),
                        rng.random_range(800..1500),
                        FLAGS_SERVER,
                    ));
                    conn(
                        &mut recs,
                        local,
                        (me, ephemeral(rng)),
                        (server, 25),
                        step(i, rung.count),
                        (rng.random_range(10..40), rng.random_range(3000..40_000)),
                        reply,
                        true,
                        8,
                        rng,
                    );
                }
                (actor, target) = (me, format!("{} mail servers, port 25", rung.count));
            }
            other => unreachable!("no ladder for {other}"),
        }
        let first = recs.iter().map(|r| r.start).min().unwrap_or(t0);
        let last = recs.iter().map(|r| r.end).max().unwrap_or(t0);
        let (first, last, n) = if rung.hunt == "inbound-port-sweep" {
            (t0, t0 + rung.secs, rung.count as u64)
        } else {
            (first, last, recs.len() as u64)
        };
        scenarios.push(Scenario {
            name: rung.hunt.to_string(),
            description: format!("{}: {}", rung.hunt, rung.label),
            mitre: Vec::new(),
            actor: actor.to_string(),
            target,
            flow_log: l.id.clone(),
            account: l.account.clone(),
            region: l.region.clone(),
            start: first,
            end: last,
            records: n,
            intensity: Some(rung.label),
        });
        all.extend(recs.into_iter().map(|r| (log, r)));
    }
    (scenarios, all)
}

/// An inbound TCP probe refused by the security group.
pub(crate) fn refused(
    host: usize,
    (src, srcport): (Addr, u16),
    (dst, dstport): (Addr, u16),
    t: i64,
) -> Rec {
    Rec {
        host,
        src,
        dst,
        srcport,
        dstport,
        protocol: TCP,
        packets: 1,
        bytes: 44,
        start: t,
        end: t + 1,
        accept: false,
        status: Status::Ok,
        tcp_flags: FLAGS_SYN,
        ingress: true,
        traffic_path: None,
        src_service: None,
        dst_service: None,
    }
}
