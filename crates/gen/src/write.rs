//! Writing the tree: one gzipped file per flow log per five-minute window, in parallel.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Datelike, Timelike};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::benign::{BenignPeers, PATTERNS, benign};
use crate::ladder::ladders;
use crate::model::{FlowLog, Rec, flow_logs};
use crate::scenarios::{Peers, attacks, background};
use crate::{FlowLogInfo, GenError, GenOptions, GroundTruth};

const WINDOW: i64 = 300;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenError + '_ {
    move |source| GenError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn generate(out: &Path, options: &GenOptions) -> Result<GroundTruth, GenError> {
    let mut rng = SmallRng::seed_from_u64(options.seed);
    let logs = flow_logs(&mut rng, options.v2_only, options.benign);
    let peers = Peers::new(&mut rng);
    let first = options.start - options.start.rem_euclid(WINDOW);
    let windows = i64::from(options.hours) * 3600 / WINDOW;
    let end = first + windows * WINDOW;

    let (scenarios, attack_recs) = if options.intensities {
        ladders(&logs, &mut rng, first, end)
    } else if options.attacks {
        attacks(&logs, &mut rng, first, end)
    } else {
        (Vec::new(), Vec::new())
    };
    let benign_peers = options.benign.then(|| BenignPeers::new(&mut rng));
    // Each attack record goes to the file of the window its flow ended in.
    let mut buckets: Vec<Vec<Vec<Rec>>> = vec![vec![Vec::new(); windows as usize]; logs.len()];
    for (log, rec) in attack_recs {
        let w = ((rec.end - first).div_euclid(WINDOW)).clamp(0, windows - 1) as usize;
        buckets[log][w].push(rec);
    }

    let jobs: Vec<(usize, usize)> = (0..logs.len())
        .flat_map(|l| (0..windows as usize).map(move |w| (l, w)))
        .collect();
    // Two records per connection on average.
    let per_file = (options.records / 2).div_ceil(jobs.len() as u64).max(1);
    let next = AtomicUsize::new(0);
    let totals = Mutex::new((0u64, 0u64, 0u64));
    let failure: Mutex<Option<GenError>> = Mutex::new(None);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut recs = Vec::new();
                let mut text = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(l, w)) = jobs.get(i) else { break };
                    let log = &logs[l];
                    let window = first + w as i64 * WINDOW;
                    let seed = options.seed
                        ^ ((l as u64) << 48)
                        ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    let mut rng = SmallRng::seed_from_u64(seed);
                    recs.clear();
                    background(log, &peers, &mut rng, window, per_file, &mut recs);
                    if let Some(bp) = &benign_peers {
                        benign(log, bp, &mut rng, window, per_file, &mut recs);
                    }
                    recs.extend(buckets[l][w].iter().cloned());
                    recs.sort_by_key(|r| r.start);
                    text.clear();
                    text.extend_from_slice(log.header.as_bytes());
                    text.push(b'\n');
                    let mut bytes = 0;
                    for r in &recs {
                        r.write(log, &mut text);
                        if r.status == crate::model::Status::Ok {
                            bytes += r.bytes;
                        }
                    }
                    let path = out.join(file_path(log, window, rng.random()));
                    if let Err(e) = write_gz(&path, &text) {
                        failure.lock().expect("lock").get_or_insert(e);
                        break;
                    }
                    let mut t = totals.lock().expect("lock");
                    t.0 += recs.len() as u64;
                    t.1 += bytes;
                    t.2 += 1;
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("lock") {
        return Err(e);
    }
    let (records, bytes, files) = totals.into_inner().expect("lock");
    let truth = GroundTruth {
        seed: options.seed,
        start: first,
        end,
        records,
        bytes,
        files,
        flow_logs: logs
            .iter()
            .map(|l| FlowLogInfo {
                id: l.id.clone(),
                account: l.account.clone(),
                region: l.region.clone(),
                format: l.header.clone(),
                layout: if l.hive_hourly { "hive-hourly" } else { "aws" }.to_string(),
                vpc_cidr: format!("10.{}.0.0/16", l.net),
            })
            .collect(),
        scenarios,
        benign_patterns: if options.benign {
            PATTERNS.to_vec()
        } else {
            Vec::new()
        },
    };
    let path = out.join("_ground-truth.json");
    let json = serde_json::to_vec_pretty(&truth).expect("serializable");
    std::fs::write(&path, json).map_err(io_err(&path))?;
    Ok(truth)
}

/// Where AWS would deliver the file of the five-minute window starting at `window`: the
/// folder of its start, the name of its end.
fn file_path(log: &FlowLog, window: i64, hash: u32) -> PathBuf {
    let t = DateTime::from_timestamp(window, 0).expect("valid time");
    let dir = if log.hive_hourly {
        format!(
            "AWSLogs/aws-account-id={}/aws-service=vpcflowlogs/aws-region={}/year={:04}/month={:02}/day={:02}/hour={:02}",
            log.account,
            log.region,
            t.year(),
            t.month(),
            t.day(),
            t.hour()
        )
    } else {
        format!(
            "AWSLogs/{}/vpcflowlogs/{}/{:04}/{:02}/{:02}",
            log.account,
            log.region,
            t.year(),
            t.month(),
            t.day()
        )
    };
    let w = DateTime::from_timestamp(window + WINDOW, 0).expect("valid time");
    PathBuf::from(format!(
        "{dir}/{}_vpcflowlogs_{}_{}_{}_{hash:08x}.log.gz",
        log.account,
        log.region,
        log.id,
        w.format("%Y%m%dT%H%MZ")
    ))
}

fn write_gz(path: &Path, text: &[u8]) -> Result<(), GenError> {
    std::fs::create_dir_all(path.parent().expect("has a parent")).map_err(io_err(path))?;
    let file = std::fs::File::create(path).map_err(io_err(path))?;
    let mut gz = GzEncoder::new(std::io::BufWriter::new(file), Compression::default());
    gz.write_all(text).map_err(io_err(path))?;
    gz.finish()
        .and_then(|mut w| w.flush())
        .map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn read_tree(dir: &Path) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "gz") {
                    let mut s = String::new();
                    flate2::read::MultiGzDecoder::new(std::fs::File::open(&p).unwrap())
                        .read_to_string(&mut s)
                        .unwrap();
                    out.push((p, s));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn seeded_tree_is_reproducible_and_matches_its_ground_truth() {
        let opts = GenOptions {
            records: 3000,
            hours: 1,
            ..GenOptions::default()
        };
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let ta = generate(a.path(), &opts).unwrap();
        generate(b.path(), &opts).unwrap();
        let (fa, fb) = (read_tree(a.path()), read_tree(b.path()));
        assert_eq!(fa.len(), 36, "3 flow logs x 12 windows");
        assert_eq!(
            fa.iter()
                .map(|(p, s)| (p.strip_prefix(a.path()).unwrap(), s))
                .collect::<Vec<_>>(),
            fb.iter()
                .map(|(p, s)| (p.strip_prefix(b.path()).unwrap(), s))
                .collect::<Vec<_>>()
        );
        let lines: u64 = fa.iter().map(|(_, s)| s.lines().count() as u64 - 1).sum();
        assert_eq!(lines, ta.records);
        assert!(ta.records >= 3000);
        let names: Vec<&str> = ta.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "port-scan",
                "port-sweep",
                "ssh-brute-force",
                "rdp-brute-force",
                "data-exfiltration",
                "beaconing",
                "crypto-mining",
                "lateral-movement",
                "winrm-brute-force",
                "spambot",
                "dos-tcp",
                "dos-udp",
                "dos-dns",
                "dos-udp-on-tcp-ports",
                "dos-unusual-protocol",
                "unusual-dns-resolver",
                "unusual-doh-activity",
                "unusual-dot-activity",
                "port-probe-unprotected-port",
                "unusual-port"
            ]
        );
        // Every scenario fits in the generated period, even a short one.
        for s in &ta.scenarios {
            assert!(
                s.start >= ta.start && s.end <= ta.end,
                "{} runs {}..{} outside {}..{}",
                s.name,
                s.start,
                s.end,
                ta.start,
                ta.end
            );
        }
        // Every file starts with its flow log's header, and every record has its field count.
        for (path, text) in &fa {
            let mut it = text.lines();
            let header = it.next().unwrap();
            let n = header.split(' ').count();
            assert!(
                ta.flow_logs.iter().any(|l| l.format == header),
                "{}",
                path.display()
            );
            assert!(it.all(|l| l.split(' ').count() == n));
        }
        let hive = fa
            .iter()
            .filter(|(p, _)| p.to_str().unwrap().contains("aws-account-id=444455556666"))
            .count();
        assert_eq!(hive, 12);
        assert!(fa.iter().any(|(_, s)| s.contains(" NODATA")));
        assert!(fa.iter().any(|(_, s)| s.contains("2600:1f18:")));
    }

    #[test]
    fn v2_only_writes_the_default_format_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenOptions {
            records: 500,
            hours: 1,
            v2_only: true,
            ..GenOptions::default()
        };
        let t = generate(dir.path(), &opts).unwrap();
        let v2 = flowlog::DEFAULT_FORMAT.join(" ");
        assert!(t.flow_logs.iter().all(|l| l.format == v2));
        for (_, text) in read_tree(dir.path()) {
            assert_eq!(text.lines().next().unwrap(), v2);
            assert!(text.lines().skip(1).all(|l| l.split(' ').count() == 14));
        }
    }

    #[test]
    fn without_attacks_there_are_no_scenarios() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenOptions {
            records: 500,
            hours: 1,
            attacks: false,
            ..GenOptions::default()
        };
        let t = generate(dir.path(), &opts).unwrap();
        assert!(t.scenarios.is_empty());
        assert!(
            !read_tree(dir.path())
                .iter()
                .any(|(_, s)| s.contains("198.51.100.77"))
        );
    }
}
