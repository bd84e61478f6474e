//! A seeded generator of realistic VPC Flow Log trees, for tests, benchmarks and demos.
//!
//! It writes what AWS delivers to S3: gzipped text files with a header line, one every five
//! minutes per flow log, under AWS's folder layouts, from several flow logs with different
//! formats (the default v2, a custom v3 with TCP flags and packet addresses, and a custom
//! v5 with flow direction, traffic path and AWS service names). The traffic is a small
//! company's: web servers taking internet traffic over IPv4 and IPv6, app and database
//! tiers, a bastion and a configuration-management host that SSH to everything, egress to
//! SaaS APIs and AWS services, internet background noise, NODATA and SKIPDATA records.
//!
//! Attack scenarios are injected on top (unless disabled) and listed in a ground-truth
//! file, `_ground-truth.json`, at the root of the tree (hidden from converters and query
//! engines by its `_`).
//!
//! ```no_run
//! let opts = flowlake_gen::GenOptions { records: 100_000, ..Default::default() };
//! let truth = flowlake_gen::generate(std::path::Path::new("logs"), &opts).unwrap();
//! assert!(truth.records >= 100_000);
//! ```

mod benign;
mod ladder;
mod model;
mod scenarios;
mod write;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use benign::{PATTERNS, Pattern};
pub use scenarios::Scenario;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// About how many records in all (background traffic; scenarios add a few thousand).
    pub records: u64,
    pub seed: u64,
    /// Unix seconds of the first five-minute window (rounded down to one).
    pub start: i64,
    /// Hours of traffic.
    pub hours: u32,
    /// Inject the attack scenarios.
    pub attacks: bool,
    /// Write every flow log in the default v2 format (for comparisons with tools that read
    /// one fixed format), instead of a mix of v2, v3 and v5.
    pub v2_only: bool,
    /// Add the benign patterns that fool naive hunts ([`PATTERNS`]): CDN browsing, a NAT
    /// gateway, load balancers, health checks, public web and DNS servers, internet
    /// scanners, a busy bastion, nightly backups, scheduled updates, Kubernetes, DNS to
    /// the VPC's resolvers.
    pub benign: bool,
    /// Inject every measured attack at three intensities (fast, moderate, slow), each by
    /// its own actor, instead of the attack scenarios.
    pub intensities: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            records: 100_000,
            seed: 42,
            start: 1_772_323_200, // 2026-03-01T00:00:00Z
            hours: 24,
            attacks: true,
            v2_only: false,
            benign: false,
            intensities: false,
        }
    }
}

/// One flow log of the generated tree.
#[derive(Debug, Clone, Serialize)]
pub struct FlowLogInfo {
    pub id: String,
    pub account: String,
    pub region: String,
    /// The header line of its files.
    pub format: String,
    /// `aws` (`AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/`) or `hive-hourly`.
    pub layout: String,
    pub vpc_cidr: String,
}

/// The ground truth of a generated tree, written as `_ground-truth.json`.
#[derive(Debug, Clone, Serialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub start: i64,
    pub end: i64,
    /// Records written in all (header lines excluded).
    pub records: u64,
    /// Sum of the `bytes` field over all records that have one.
    pub bytes: u64,
    pub files: u64,
    pub flow_logs: Vec<FlowLogInfo>,
    pub scenarios: Vec<Scenario>,
    /// The benign patterns of the traffic (`--benign`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub benign_patterns: Vec<Pattern>,
}

/// Errors writing the tree.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Generate a tree under `out`.
pub fn generate(out: &Path, options: &GenOptions) -> Result<GroundTruth, GenError> {
    if options.hours == 0 {
        return Err(GenError::Invalid("--hours must be at least 1".into()));
    }
    write::generate(out, options)
}
