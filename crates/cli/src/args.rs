//! Command-line arguments.

use std::path::PathBuf;

use bytesize::ByteSize;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Amazon VPC Flow Logs, offline: convert raw logs to Athena-compatible Parquet.
#[derive(Debug, Parser)]
#[command(name = "flowlake", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Convert(ConvertArgs),
    Gen(GenArgs),
}

const CONVERT_HELP: &str = "\
Examples:
  Convert a folder of downloaded logs (any depth, .log.gz or plain):
    flowlake convert ~/flowlogs --out lake/

  Header-less logs from CloudWatch Logs, in a custom format:
    aws logs tail my-group --format short | cut -d' ' -f2- | \\
      flowlake convert - --out lake/ --log-format '${version} ${srcaddr} ${dstaddr} ...'

  Per-hour partitions, exactly like AWS's own Parquet delivery:
    flowlake convert AWSLogs/ --out lake/ --partition hour

Output:
  DIR/AWSLogs/aws-account-id=A/aws-service=vpcflowlogs/aws-region=R/year=YYYY/month=MM/day=DD/[hour=HH/]*.parquet
  Every file has all 54 flow-log columns (AWS's names and types), whatever the input format.
  Account and region come from the input's AWS path, else the record, else --account/--region.

Re-running is safe: inputs already converted into DIR are skipped, and a run that was
killed is completed or rolled back; no row is ever written twice.

Exit status: 0 all converted; 2 some lines or files rejected (the rest is written, details in
the summary and DIR/_flowlake/rejects/); 1 fatal error (nothing new published).";

/// Convert raw flow logs (text, gzip or plain, any format) into date-partitioned Parquet.
#[derive(Debug, Args)]
#[command(after_long_help = CONVERT_HELP)]
pub struct ConvertArgs {
    /// Files or folders (read recursively; names starting with `.` or `_` are skipped),
    /// or `-` for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Output folder (the lake); created if missing.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,

    /// Format of input without a header line: `${version} ${srcaddr} ...` as in AWS, or plain
    /// field names. Files with a header line always use their header. [default: the v2
    /// default format]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,

    /// Time partitioning: by day, or by hour as AWS's Parquet delivery does.
    #[arg(long, value_enum, default_value_t = Partition::Day)]
    pub partition: Partition,

    /// Account for records whose path and fields name none.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,

    /// Region for records whose path and fields name none.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

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
}
