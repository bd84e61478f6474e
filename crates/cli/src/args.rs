//! Command-line arguments.
// These doc comments are `--help` text, where URLs and variable names read better bare.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;

use bytesize::ByteSize;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Amazon VPC Flow Logs, offline: convert raw logs to Athena-compatible Parquet, query
/// them with SQL and run saved threat hunts.
#[derive(Debug, Parser)]
#[command(name = "flowlake", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Convert(ConvertArgs),
    Compact(CompactArgs),
    Sql(SqlArgs),
    #[command(subcommand)]
    Hunt(HuntCommand),
    #[command(subcommand)]
    Ddl(DdlCommand),
    #[command(subcommand)]
    Export(ExportCommand),
    Report(ReportArgs),
    Investigate(InvestigateArgs),
    #[command(subcommand)]
    Segmentation(SegmentationCommand),
    Gen(GenArgs),
}

const INVESTIGATE_HELP: &str = r"Examples:
  flowlake investigate 10.0.2.23                      # an address a finding named
  flowlake investigate eni-0a1b2c3d4e5f60718 --since 7d
  flowlake investigate i-0123456789abcdef0 --lake s3://bucket/lake/ --no-hunts

The page: first and last seen, bytes in and out, the connections it opened and that were
opened to it, by peer (flows, accepted and rejected, the ports, the bytes each way; who
opened a connection is told by its ports, as the hunts do), accepted against rejected by
direction, the ports opened to it from public addresses, its activity per hour, every hunt
finding that names it, and the commands to go deeper. An interface's or instance's own
addresses are the fewest that are an end of (nearly) every flow logged on it. Instance ids
are in flow logs of version 3 and later.

Every section is a query over vpc_flow_logs; --show-sql prints them.";

/// The page an analyst builds when a finding names a host: peers, ports, activity, findings.
#[derive(Debug, Args)]
#[command(after_long_help = INVESTIGATE_HELP)]
pub struct InvestigateArgs {
    /// An IP address, a network interface id (eni-...) or an instance id (i-...).
    #[arg(value_name = "IP|ENI|INSTANCE")]
    pub subject: String,

    /// Rows per table of peers and ports.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub top: u16,

    /// Leave out the hunt findings (which run every detection over the window).
    #[arg(long)]
    pub no_hunts: bool,

    /// Print each section's SQL before it.
    #[arg(long)]
    pub show_sql: bool,

    #[command(flatten)]
    pub lake: LakeArgs,
}

const SEGMENTATION_HELP: &str = r#"A zone policy (TOML):

  [zones.web]
  cidrs = ["10.0.1.0/24"]
  [zones.db]
  cidrs = ["10.0.3.0/24"]
  subnets = ["subnet-0abc"]       # with --eni-metadata
  tags = ["tier=db"]              # interface or instance tags, with --eni-metadata

  [[allow]]
  from = "internet"               # public addresses in no zone ("unzoned": private ones)
  to = "web"
  protocol = "tcp"                # tcp (default), udp, icmp, icmpv6, any
  ports = [443, "8080-8089"]      # omitted: every port

  intra_zone = "allow"            # or "deny": flows inside one zone

Rules are stateful, as security groups are: the replies of an allowed connection are
allowed (from the rule's ports back; for a rule without ports, the flows whose request the
logs hold). An address is in the zone that holds it most specifically (an address a
subnet or tag names, then the longest CIDR prefix).

Examples:
  flowlake segmentation check --policy zones.toml --since 30d
  flowlake segmentation check --policy zones.toml --eni-metadata enis.json
  flowlake segmentation rules --policy zones.toml --format security-groups

Exit status (check): 0 no crossing was ACCEPTed; 4 some were (the policy is not enforced);
1 an error."#;

/// Validate network segmentation: which flows crossed zones no rule allows.
#[derive(Debug, Subcommand)]
#[command(after_long_help = SEGMENTATION_HELP)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum SegmentationCommand {
    /// Check the lake's flows against a zone policy: crossings ACCEPTed (findings) and
    /// REJECTed (evidence), by zone pair.
    Check(SegmentationCheckArgs),
    /// Print the security group or network ACL rules the policy implies.
    Rules(SegmentationRulesArgs),
}

#[derive(Debug, Args)]
#[command(after_long_help = SEGMENTATION_HELP)]
pub struct SegmentationCheckArgs {
    /// The zone policy (TOML; `flowlake segmentation --help` shows one).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,

    /// Rows per list of crossings.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=10000))]
    pub top: u16,

    #[command(flatten)]
    pub lake: LakeArgs,
}

#[derive(Debug, Args)]
#[command(after_long_help = SEGMENTATION_HELP)]
pub struct SegmentationRulesArgs {
    /// The zone policy (TOML).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,

    /// security-groups: the IpPermissions of each zone's ingress, as JSON for
    /// `aws ec2 authorize-security-group-ingress`; network-acl: numbered entries per zone.
    #[arg(long, value_enum, default_value = "security-groups")]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    SecurityGroups,
    NetworkAcl,
}

const EXPORT_HELP: &str = r"Examples:
  flowlake export ocsf --lake lake --out security-lake
  flowlake export ocsf --lake lake --out security-lake --since 1d      # yesterday and today
  flowlake sql --lake security-lake -e 'SELECT action, count(*) FROM vpc_flow_logs GROUP BY 1'
  flowlake hunt run --all --lake security-lake

Output: OUT/ext/SOURCE/region=R/accountId=A/eventDay=YYYYMMDD/*.parquet, the layout of an
Amazon Security Lake custom source: OCSF Network Activity (class 4001) rows as nested
Parquet (zstd, sorted by time), with a Delta Lake table log in OUT/ext/SOURCE/_delta_log.
An export rewrites whole UTC days (the window is widened to midnight): run it again over
the same days and each day is replaced in one commit, never duplicated. docs/soc.md has
the field mapping and the Security Lake setup.";

/// Write the lake in another shape for the rest of a security stack.
#[derive(Debug, Subcommand)]
#[command(after_long_help = EXPORT_HELP)]
pub enum ExportCommand {
    /// OCSF Network Activity (class 4001) in an Amazon Security Lake custom source's layout.
    Ocsf(ExportOcsfArgs),
}

#[derive(Debug, Args)]
pub struct ExportOcsfArgs {
    /// The lake to read: the folder or S3 prefix `flowlake convert --out` wrote.
    #[arg(
        short,
        long,
        value_name = "DIR|S3_URI",
        default_value = "lake",
        env = "FLOWLAKE_LAKE"
    )]
    pub lake: String,

    /// The output folder (local); OUT/ext/SOURCE/ is written.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,

    /// The custom source's name in Security Lake (letters, digits, '-', '_').
    #[arg(long, value_name = "NAME", default_value = "flowlake_vpc_flow")]
    pub source: String,

    /// OCSF version written in metadata.version (1.1.0, as Security Lake's own VPC flow
    /// source; or 1.5.0).
    #[arg(long, value_name = "VERSION", default_value = "1.1.0", value_parser = ["1.1.0", "1.5.0"])]
    pub ocsf_version: String,

    /// Only the lake's days from this time's UTC day on: 1d (yesterday and today),
    /// 2026-03-01, 2026-03-01T12:00:00Z (that whole day), ...
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only the lake's days before this time, widened to the next UTC midnight (a bare
    /// date includes that whole day).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Export every day in the window, even those whose lake files are the ones they were
    /// last exported from (skipped otherwise).
    #[arg(long)]
    pub force: bool,

    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub s3: S3Args,
}

/// What `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    /// AWS's own Parquet delivery: its layout, column names and types.
    Aws,
    /// OCSF Network Activity in a Security Lake custom source's layout (as `export ocsf`),
    /// the converted lake kept beside it in OUT/_flowlake/lake.
    Ocsf,
}

const REPORT_HELP: &str = r"Examples:
  flowlake report --lake lake --out report.html
  flowlake report --lake lake --since 1d --ioc threat-list.txt --out daily.html

One self-contained HTML file (inline SVG charts, no scripts or fonts fetched): traffic by
hour, top talkers, rejected traffic, accepted traffic to admin ports, the findings of every
detection hunt with their pivots, and the lake's coverage (accounts, regions, interfaces,
time span, versions, gaps in delivery). Computed by queries over the lake.

Exit status: 0 written, every detection looked; 3 written, but some detection could not
look (skipped or inconclusive: the report says why; without --ioc the threat-list hunts
always are); 1 an error, also after writing the page when a detection failed.";

/// A self-contained HTML report of the lake: traffic, talkers, rejects, findings, coverage.
#[derive(Debug, Args)]
#[command(after_long_help = REPORT_HELP)]
pub struct ReportArgs {
    /// Where to write the HTML file.
    #[arg(short, long, value_name = "FILE")]
    pub out: PathBuf,

    /// Rows per top-N table (1 to 100).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub top: u16,

    #[command(flatten)]
    pub lake: LakeArgs,
}

const CONVERT_HELP: &str = "\
Examples:
  Convert a folder of downloaded logs (any depth, .log.gz or plain):
    flowlake convert ~/flowlogs --out lake/

  A whole logging bucket: only AWSLogs/<account>/vpcflowlogs/ folders are read; other
  services' folders (CloudTrail, Config, elasticloadbalancing ...) are not even listed:
    flowlake convert s3://central-logs/AWSLogs/ --out lake/

  A CloudWatch Logs export (aws logs create-export-task) of a log group in a custom
  format: the event time that starts each line is recognised and dropped:
    flowlake convert export/ --out lake/ --log-format '${version} ${srcaddr} ${dstaddr} ...'

  CloudWatch Logs subscription envelopes delivered to S3 by Firehose (JSON), and AWS's
  own Parquet delivery: recognised by their content, converted like text.

  Per-hour partitions, exactly like AWS's own Parquet delivery:
    flowlake convert AWSLogs/ --out lake/ --partition hour

  From S3 to S3, last week only (only the day folders in range are listed):
    flowlake convert s3://logs-bucket/AWSLogs/ --out s3://lake-bucket/flowlake/ --since 7d

  A local S3-compatible server (plain http is fine on loopback):
    flowlake convert s3://raw/ --out lake/ --endpoint-url http://127.0.0.1:9000

Output:
  DIR/AWSLogs/aws-account-id=A/aws-service=vpcflowlogs/aws-region=R/year=YYYY/month=MM/day=DD/[hour=HH/]*.parquet
  Every file has all 54 flow-log columns (AWS's names and types), whatever the input format.
  The account partition is the flow log owner's: the input's AWS path, else
  --default-account, else the record's account_id. Region: the path, else the record,
  else --default-region.

S3: credentials, region and endpoint come from the AWS environment as the AWS CLI finds them
(AWS_PROFILE, ~/.aws/credentials, AWS_ACCESS_KEY_ID, ...); see docs/s3.md. Files bound for S3
are written to a local spool folder first and uploaded as they are finished.

Re-running is safe: inputs already converted into DIR are skipped (also under another name:
a renamed or copied input is recognised by its size and content fingerprint), and a run
that was killed is completed or rolled back; no row is ever written twice. An input that
changed since it was converted is reported (exit 2); --convert-appended converts what was
appended to it. Standard input has no name or content to be known by: the same data piped
in twice is converted twice.

Exit status: 0 all converted; 2 some lines or files rejected (the rest is written, details in
the summary and DIR/_flowlake/rejects/); 1 fatal error (nothing new published).";

/// Convert raw flow logs (text, gzip or plain, any format) into date-partitioned Parquet.
#[derive(Debug, Args)]
#[command(after_long_help = CONVERT_HELP)]
pub struct ConvertArgs {
    /// Files or folders (read recursively; names starting with `.` or `_` are skipped),
    /// S3 objects or prefixes (s3://bucket/prefix/), or `-` for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// The lake: a folder (created if missing) or an S3 prefix (s3://bucket/prefix/).
    #[arg(short, long, value_name = "DIR|S3_URI")]
    pub out: String,

    /// The output's shape: AWS's Parquet layout (the lake), or OCSF for Security Lake (a
    /// local folder: OUT/ext/SOURCE/..., with the lake it is made from in
    /// OUT/_flowlake/lake). `flowlake export ocsf` has the details.
    #[arg(long, value_enum, default_value = "aws", value_name = "FORMAT")]
    pub out_format: OutFormat,

    /// With --out-format ocsf: the Security Lake custom source's name.
    /// [default: flowlake_vpc_flow]
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,

    /// With --out-format ocsf: the OCSF version. [default: 1.1.0]
    #[arg(long, value_name = "VERSION", value_parser = ["1.1.0", "1.5.0"])]
    pub ocsf_version: Option<String>,

    /// Only inputs in dated folders of an AWS layout (.../2026/03/01/ or year=2026/...) on
    /// or after this day or time: 7d, 36h, 2026-03-01. Other folders are not even listed.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only inputs in dated folders (and AWS objects named with their time) before this
    /// time, and up to an hour after it: AWS files records by their delivery, which comes
    /// after they start. A bare date includes that day.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Format of input without a header line: `${version} ${srcaddr} ...` as in AWS, or plain
    /// field names. Files with a header line always use their header. [default: the v2
    /// default format]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,

    /// What the inputs hold. `auto` tells by content: gzip or not, Parquet, CloudWatch Logs
    /// subscription envelopes (JSON), CloudWatch Logs export lines (an event time before
    /// each record), flow-log text.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    pub input_format: InputFormatArg,

    /// Reject lines longer than this (they are never held whole in memory).
    #[arg(long, value_name = "SIZE", default_value = "1MiB")]
    pub max_line_length: ByteSize,

    /// Follow symbolic links in input folders (a file reached twice is still read once).
    #[arg(long)]
    pub follow: bool,

    /// Convert what was appended to inputs that grew since they were converted (a plain
    /// file appended to, a gzip converted while it was still being written), from where
    /// that conversion stopped. Without it, such inputs are reported (exit 2) and left as
    /// they were converted.
    #[arg(long)]
    pub convert_appended: bool,

    /// Time partitioning of a new lake: by day (the default), or by hour as AWS's Parquet
    /// delivery does. A lake keeps the scheme it was created with; asking an existing lake
    /// for the other one is an error.
    #[arg(long, value_enum)]
    pub partition: Option<Partition>,

    /// Account for records whose path and fields name none.
    #[arg(long, value_name = "ID")]
    pub default_account: Option<String>,

    /// Region for records whose path and fields name none.
    #[arg(long, value_name = "REGION")]
    pub default_region: Option<String>,

    /// Where files bound for S3 are written before upload. [default: the temporary folder]
    #[arg(long, value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,

    #[command(flatten)]
    pub s3: S3Args,

    /// Parquet compression.
    #[arg(long, value_enum, default_value_t = CompressionArg::Zstd)]
    pub compression: CompressionArg,

    /// Close an output file and start another past this size.
    #[arg(long, value_name = "SIZE", default_value = "128MiB")]
    pub target_file_size: ByteSize,

    /// Rows per Parquet row group.
    #[arg(long, value_name = "ROWS", default_value_t = flowlake_convert::DEFAULT_ROW_GROUP_ROWS)]
    pub row_group_rows: usize,

    /// Decoded rows held in memory before they are written, across all partitions.
    ///
    /// Peak memory is about this plus one row group being sorted and encoded per thread
    /// (`-j`), during the run and when the last row groups are written at its end.
    #[arg(long, value_name = "SIZE", default_value = "256MiB")]
    pub memory_limit: ByteSize,

    /// Commit (publish) after about this much input, so a killed run loses little work.
    #[arg(long, value_name = "SIZE", default_value = "1GiB")]
    pub commit_every: ByteSize,

    /// Write rejected lines (as JSON lines) here instead of DIR/_flowlake/rejects/.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// Worker threads. [default: the number of CPUs]
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar and no summary (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,

    /// Print the summary as JSON on standard output, for batch jobs.
    #[arg(long)]
    pub json: bool,
}

const COMPACT_HELP: &str = "\
Examples:
  flowlake compact --lake lake/ --dry-run
  flowlake compact --lake s3://lake-bucket/flowlake/ --target-file-size 256MiB

Each partition (day or hour folder) with two or more files under half the target size has
them rewritten into files of the target size, rows sorted by start time. Files are read
whatever wrote them (flowlake, or AWS's own Parquet delivery) and rewritten with all 54
columns.

The new files are published before the old ones are deleted, and the old ones only after
--grace, so no reader misses a row. flowlake's own queries never count a row twice; a plain
folder reader (Athena, DuckDB) can see both copies between the publish and the delete. A
compaction that is killed is finished or rolled back by the next compact or convert.

Exit status: 0 done (or nothing to do); 1 error (nothing half-done is visible).";

/// Rewrite each partition's small Parquet files into fewer, larger, sorted ones.
#[derive(Debug, Args)]
#[command(after_long_help = COMPACT_HELP)]
pub struct CompactArgs {
    /// The lake: a folder or an S3 prefix.
    #[arg(
        short,
        long,
        value_name = "DIR|S3_URI",
        default_value = "lake",
        env = "FLOWLAKE_LAKE"
    )]
    pub lake: String,

    /// Size of the files written; files under half of it are compacted.
    #[arg(long, value_name = "SIZE", default_value = "128MiB")]
    pub target_file_size: ByteSize,

    /// Show what would be rewritten, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Compact a folder that has no table log and was not written by flowlake (AWS's own
    /// Parquet delivery): it gets a table log, and from then on files that AWS delivers
    /// into it are not part of the table. Without this, such a folder is refused.
    #[arg(long)]
    pub adopt: bool,

    /// Seconds the replaced files stay after the new ones are published, for queries
    /// already reading them.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub grace: f64,

    /// Where files bound for S3 are written before upload. [default: the temporary folder]
    #[arg(long, value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,

    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub s3: S3Args,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// Decide for each input from its content.
    Auto,
    /// Flow-log text (S3 delivery, Firehose direct delivery), header line or not.
    Text,
    /// CloudWatch Logs export: `<ISO-8601 event time> <record>` per line.
    CloudwatchExport,
    /// CloudWatch Logs subscription envelopes written to S3 by Firehose (JSON).
    CloudwatchSubscription,
    /// AWS's Parquet delivery.
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Partition {
    Day,
    Hour,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressionArg {
    Zstd,
    Snappy,
    Gzip,
    None,
}

const GEN_HELP: &str = "\
Examples:
  flowlake gen --out logs/ --records 2000000
  flowlake gen --out quiet/ --no-attacks --hours 6
  Benign traffic that fools naive hunts, to check a hunt of yours stays quiet:
    flowlake gen --out noise/ --benign --no-attacks --hours 48
  Attacks at three intensities over that traffic, to see what a hunt can find:
    flowlake gen --out ladder/ --benign --intensities --hours 48

The tree has three flow logs (default v2 format; custom v3 with tcp-flags and packet
addresses; custom v5 with flow direction and traffic path, in AWS's Hive-style hourly
folders). Injected attacks are listed in logs/_ground-truth.json.";

/// Generate realistic flow logs in AWS's S3 layout, with injected attack scenarios.
#[derive(Debug, Args)]
#[command(after_long_help = GEN_HELP)]
pub struct GenArgs {
    /// Output folder.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,

    /// About how many records (the attack scenarios add a few thousand).
    #[arg(short = 'n', long, default_value_t = 100_000)]
    pub records: u64,

    /// Random seed: the same seed and options give the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// First day (or time, RFC 3339) of traffic.
    #[arg(long, value_name = "DATE", default_value = "2026-03-01")]
    pub start: String,

    /// Hours of traffic.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,

    /// Background traffic only.
    #[arg(long)]
    pub no_attacks: bool,

    /// Write every flow log in the default v2 format instead of a mix of v2, v3 and v5.
    #[arg(long)]
    pub v2_only: bool,

    /// Add the benign traffic that fools naive hunts: CDN browsing, a NAT gateway, load
    /// balancers and health checks, public web and DNS servers, internet scanners, a busy
    /// SSH bastion, nightly backups, hourly updates, Kubernetes, DNS to the VPC's
    /// resolvers. With --no-attacks, every detection hunt should stay quiet on it.
    #[arg(long)]
    pub benign: bool,

    /// Instead of the attack scenarios, inject each measured attack at three intensities
    /// (fast, moderate, slow), each by its own actor; the ground truth lists them.
    #[arg(long, conflicts_with = "no_attacks")]
    pub intensities: bool,
}

/// S3 settings; each defaults to the AWS environment (see docs/s3.md).
#[derive(Debug, Clone, Default, Args)]
pub struct S3Args {
    /// The S3 bucket's region. [default: AWS_REGION, the profile's, else asked of S3]
    #[arg(long, value_name = "REGION", help_heading = "S3")]
    pub region: Option<String>,

    /// An S3-compatible server, e.g. http://127.0.0.1:9000 (plain http only to loopback
    /// unless AWS_ALLOW_HTTP=true). [default: AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL", help_heading = "S3")]
    pub endpoint_url: Option<String>,

    /// A profile of ~/.aws/config and ~/.aws/credentials. [default: AWS_PROFILE]
    #[arg(long, value_name = "NAME", help_heading = "S3")]
    pub profile: Option<String>,
}

impl LakeArgs {
    /// `--lake L` and the window and lists given, as a command repeating the run would
    /// take them (the S3 settings stay in the environment).
    pub fn command_arguments(&self) -> Vec<String> {
        let mut words = match &self.raw {
            Some(raw) => vec!["--raw".to_string(), raw.clone()],
            None => vec!["--lake".to_string(), self.lake.clone()],
        };
        for (flag, value) in [("--since", &self.since), ("--until", &self.until)] {
            if let Some(v) = value {
                words.extend([flag.to_string(), v.clone()]);
            }
        }
        if let Some(ioc) = &self.ioc {
            words.extend(["--ioc".to_string(), ioc.display().to_string()]);
        }
        for q in &self.queries {
            words.extend(["--queries".to_string(), q.display().to_string()]);
        }
        for f in &self.eni_metadata {
            words.extend(["--eni-metadata".to_string(), f.display().to_string()]);
        }
        words
    }
}

impl S3Args {
    pub fn options(&self) -> flowlake_query::S3Options {
        flowlake_query::S3Options {
            region: self.region.clone(),
            endpoint: self.endpoint_url.clone(),
            profile: self.profile.clone(),
        }
    }
}

/// The lake a query reads, and what limits or extends it.
#[derive(Debug, Clone, Args)]
pub struct LakeArgs {
    /// The lake: the folder or S3 prefix `flowlake convert --out` wrote (holding `AWSLogs/`).
    #[arg(
        short,
        long,
        value_name = "DIR|S3_URI",
        default_value = "lake",
        env = "FLOWLAKE_LAKE"
    )]
    pub lake: String,

    /// Query raw flow logs where they are instead of a lake: text files (gzip or plain,
    /// any format), folders of them as AWS delivers them, or an S3 prefix. They are decoded
    /// for this run only, into a temporary folder deleted at exit, with the dated folders
    /// outside --since/--until skipped. For repeated queries, convert them once.
    #[arg(long, value_name = "DIR|FILE|S3_URI")]
    pub raw: Option<String>,

    /// Only flows that start at or after this time: 7d, 36h, 2026-03-01, 2026-03-01T12:00:00Z.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only flows that start before this time (a bare date includes that whole day).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Threat-intelligence list for the hunts that need one: one IP or CIDR per line, then
    /// optionally a category (tor, c2, mining, drop-point, blackhole). Table `ioc`.
    #[arg(long, value_name = "FILE")]
    pub ioc: Option<PathBuf>,

    /// A folder of your own hunts (*.sql) to add to the built-in ones; repeatable.
    #[arg(long = "queries", value_name = "DIR")]
    pub queries: Vec<PathBuf>,

    /// AWS's inventory: the JSON `aws ec2 describe-network-interfaces` prints (and
    /// describe-instances, -subnets, -vpcs, -security-groups); repeatable. Adds the table
    /// network_interfaces, and a `hosts` column (instance names, subnets) to hunt results.
    #[arg(long = "eni-metadata", value_name = "FILE")]
    pub eni_metadata: Vec<PathBuf>,

    #[command(flatten)]
    pub s3: S3Args,
}

/// Where results go.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Result format. [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::results::Format>,

    /// Write results to FILE instead; the format follows the extension: .csv, .json,
    /// .ndjson, .parquet. Text formats collect the results of every statement; a Parquet
    /// file holds the last one.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const SQL_HELP: &str = r#"Examples:
  flowlake sql                                   # interactive shell over ./lake
  flowlake sql --lake lake -e "SELECT action, count(*) FROM vpc_flow_logs GROUP BY action"
  flowlake sql --since 7d -f weekly.sql --output weekly.parquet
  echo "SELECT count(*) FROM vpc_flow_logs;" | flowlake sql --format json
  flowlake sql --raw s3://logs/AWSLogs/ --since 2h   # today's raw logs, not converted

The table vpc_flow_logs has every flow-log column (srcaddr, dstport, bytes, start, action,
...) and the partition columns "aws-account-id", "aws-region", year, month, day (and hour),
as strings. Filters on them, and --since/--until, skip whole folders.

Functions as on Athena: from_unixtime, to_iso8601, date_format, day_of_week, date_trunc,
split_part, approx_distinct, regexp_like, count_if; and cidr_contains('10.0.0.0/8', srcaddr),
is_private_ip(addr), protocol_name(protocol), tcp_flags_names(tcp_flags).

In the shell, \? lists its commands (\d, \x, \timing, \o FILE, \run HUNT, ...).

Exit status: 0 success; 1 an error (the message names the statement's line and points at the place in it)."#;

/// Query the lake with SQL: one-shot (-e, -f, standard input) or an interactive shell.
#[derive(Debug, Args)]
#[command(after_long_help = SQL_HELP)]
pub struct SqlArgs {
    #[command(flatten)]
    pub lake: LakeArgs,

    /// SQL to run (several statements separated by `;`); repeatable, run in order.
    #[arg(short = 'e', long = "execute", value_name = "SQL")]
    pub execute: Vec<String>,

    /// A file of SQL statements (and shell commands such as \timing) to run.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Print how long each statement took, on standard error.
    #[arg(long)]
    pub timing: bool,
}

const HUNT_HELP: &str = r"Examples:
  flowlake hunt list
  flowlake hunt show ssh-brute-force
  flowlake hunt run ssh-brute-force --param min_sessions=20 --since 7d
  flowlake hunt run traffic-from-src-addr --param ip=10.0.2.23
  flowlake hunt run --all --ioc threat-list.txt
  flowlake hunt run --all --format json --details > findings.json
  flowlake hunt run --all --ioc threat-list.txt --findings findings.ocsf.ndjson
  flowlake hunt run --all --findings asff.ndjson --findings-format asff \
      --account 123456789012 --securityhub-region us-east-1
  flowlake hunt run port-scan --param window_minutes=1440    # slow scans: a day's window
  flowlake hunt export --dialect athena --out athena-hunts/

`quiet` means a detection looked at data that could have shown its finding and found
nothing. One that could not look says so instead: `skipped` (it needs a threat list, --ioc
FILE, a parameter, or fields of a newer flow-log version than the lake's) or `inconclusive`
(the lake is shorter than the history its baseline needs, or the time window holds no
records). `not-applicable`: the lake has no flow logs of the hunt's kind (transit gateway).
Every finding row ends with a `pivot`: the flowlake command that follows it up. A detection
that found nothing on only part of the records (flow logs of several formats, one without
a field it reads) is `inconclusive` too. `--all` writes a table unless --format or --output
asks for CSV, JSON or NDJSON (JSON with --details also holds the rows of each finding).

Exit status of `hunt run`: 0 every detection ran; 3 every hunt that ran succeeded but some
detection was skipped or inconclusive (see its status; for one hunt, on standard error);
1 an error.";

/// Saved threat hunts: list, show, run, export.
#[derive(Debug, Subcommand)]
#[command(after_long_help = HUNT_HELP)]
pub enum HuntCommand {
    /// The hunts: name, severity, ATT&CK techniques, description.
    List(HuntListArgs),
    /// A hunt's metadata, parameters and SQL.
    Show(HuntShowArgs),
    /// Run one hunt, or all of them (a summary).
    Run(Box<HuntRunArgs>),
    /// Write the library as SQL for another engine.
    Export(HuntExportArgs),
}

#[derive(Debug, Args)]
pub struct HuntListArgs {
    /// Folders of your own hunts to include.
    #[arg(long = "queries", value_name = "DIR")]
    pub queries: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HuntShowArgs {
    pub name: String,

    /// Print only the SQL, with the parameters filled in (defaults, or --param), ready
    /// to paste into another engine.
    #[arg(long)]
    pub sql: bool,

    /// With --sql: a parameter, name=value; repeatable.
    #[arg(short, long = "param", value_name = "NAME=VALUE", requires = "sql")]
    pub params: Vec<String>,

    #[arg(long = "queries", value_name = "DIR")]
    pub queries: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HuntRunArgs {
    /// The hunt to run (`flowlake hunt list` names them).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub name: Option<String>,

    /// Run every hunt that needs no parameter and print a summary: hunt, severity, rows,
    /// time.
    #[arg(long)]
    pub all: bool,

    /// With --all: also print the rows of every hunt that found something.
    #[arg(long, requires = "all")]
    pub details: bool,

    /// A parameter: name=value (see `flowlake hunt show NAME`); repeatable.
    #[arg(short, long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Also write every detection row as a finding to FILE, one JSON object per line:
    /// OCSF Detection Findings, or ASFF `BatchImportFindings` request bodies (see
    /// --findings-format). The same evidence gets the same id on every run.
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,

    /// Format of --findings.
    #[arg(long, value_enum, default_value = "ocsf", requires = "findings")]
    pub findings_format: FindingsFormat,

    /// ASFF: the AWS account that imports the findings (its custom-integration product
    /// ARN, and each finding's AwsAccountId).
    #[arg(long, value_name = "ACCOUNT_ID", requires = "findings")]
    pub account: Option<String>,

    /// ASFF: the Security Hub region the findings are imported into (`--region` is the
    /// S3 lake's).
    #[arg(long, value_name = "REGION", requires = "findings")]
    pub securityhub_region: Option<String>,

    #[command(flatten)]
    pub lake: LakeArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// The shape of `hunt run --findings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FindingsFormat {
    /// OCSF 1.1.0 Detection Finding (class 2004), one per line (Security Lake, SIEMs).
    Ocsf,
    /// AWS Security Finding Format: one `{"Findings": [...]}` request body (at most 100
    /// findings) per line, for `aws securityhub batch-import-findings --cli-input-json`.
    Asff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// Amazon Athena (Trino): flowlake's functions become Trino expressions.
    Athena,
}

#[derive(Debug, Args)]
pub struct HuntExportArgs {
    #[arg(long, value_enum)]
    pub dialect: Dialect,

    /// Write one NAME.sql per hunt here instead of everything to standard output.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Only these hunts (default: all).
    #[arg(value_name = "HUNT")]
    pub names: Vec<String>,

    #[arg(long = "queries", value_name = "DIR")]
    pub queries: Vec<PathBuf>,
}

/// Table definitions for other engines.
#[derive(Debug, Subcommand)]
pub enum DdlCommand {
    /// CREATE EXTERNAL TABLE for Athena, with partition projection (no crawler, no MSCK
    /// REPAIR TABLE).
    Athena(DdlAthenaArgs),
}

const DDL_HELP: &str = "Examples:
  flowlake ddl athena --location s3://my-bucket/flowlake/
  flowlake ddl athena --location s3://my-bucket/flowlake/ --table-type hive --lake lake
  flowlake ddl athena --location s3://my-bucket/flowlake/ --table-type hive --account 111122223333 --region us-east-1 --partition hour

The Delta table (the default) reads the lake's table log: one committed version per
query. The Hive table reads the folders with partition projection (accounts and regions
from --lake or --account/--region): it can see a commit being published, and both sides
of a compaction for its grace period.

Upload the lake (the folder holding AWSLogs/) to the location first, for example with
`aws s3 sync lake/ s3://my-bucket/flowlake/ --exclude '_flowlake/*'`.";

/// The kind of Athena table `ddl athena` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableType {
    Delta,
    Hive,
}

#[derive(Debug, Args)]
#[command(after_long_help = DDL_HELP)]
pub struct DdlAthenaArgs {
    /// Where the lake is in S3: the prefix that holds `AWSLogs/` and `_delta_log/`.
    #[arg(long, value_name = "S3_URI")]
    pub location: String,

    /// `delta`: a Delta Lake table over the lake's table log (one committed version per
    /// query). `hive`: a Hive table over the folders, with partition projection.
    #[arg(long, value_enum, default_value_t = TableType::Delta)]
    pub table_type: TableType,

    /// Hive table: read accounts, regions and the partitioning from the lake (a folder, or
    /// s3:// with the S3 settings of the AWS environment).
    #[arg(short, long, value_name = "DIR|S3_URI")]
    pub lake: Option<String>,

    /// Accounts to project (added to those of --lake); repeatable or comma-separated.
    #[arg(long = "account", value_name = "ID", value_delimiter = ',')]
    pub accounts: Vec<String>,

    /// Regions to project (added to those of --lake); repeatable or comma-separated.
    #[arg(long = "region", value_name = "REGION", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Time partitioning of the lake. [default: what --lake has, else day]
    #[arg(long, value_enum)]
    pub partition: Option<Partition>,

    /// The transit gateway flow-log table (`tgw_flow_logs`, in the lake's
    /// `_tgw_flow_logs/` folder) instead of the VPC one.
    #[arg(long)]
    pub tgw: bool,

    /// Table name. [default: vpc_flow_logs, or tgw_flow_logs with --tgw]
    #[arg(long)]
    pub table: Option<String>,
}
