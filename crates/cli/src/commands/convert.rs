//! `flowlake convert`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use flowlake_convert::{
    Codec, ConvertOptions, InputFormat, Location, PartitionBy, Progress, WriteOptions, convert,
};
use flowlog::Format;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::Outcome;
use crate::args::{
    CompressionArg, ConvertArgs, InputFormatArg, LakeArgs, OutFormat, Partition, S3Args,
};
use crate::output::print_summary;
use flowlake_soc::export::ExportOptions;

pub fn run(args: ConvertArgs) -> Result<Outcome> {
    let format = args
        .log_format
        .as_deref()
        .map(Format::parse)
        .transpose()
        .context("--log-format")?;
    if args.max_line_length.0 < 1024 {
        anyhow::bail!(
            "--max-line-length must be at least 1KiB (a flow-log record can be a few KiB long)"
        );
    }
    if let Some(f) = &format
        && !f.unknown_fields().is_empty()
    {
        eprintln!(
            "note: --log-format: {} not a field of {} flow logs; their values are skipped",
            f.unknown_fields().join(", "),
            match f.kind() {
                flowlog::RecordKind::Vpc => "VPC",
                flowlog::RecordKind::TransitGateway => "transit gateway",
            }
        );
    }
    if args.row_group_rows == 0 {
        anyhow::bail!("--row-group-rows must be at least 1");
    }
    let now = chrono::Utc::now();
    let window =
        flowlake_query::TimeWindow::parse(args.since.as_deref(), args.until.as_deref(), now)?;
    // OCSF: the lake is kept inside the output, and exported after the conversion.
    let ocsf_out = match args.out_format {
        OutFormat::Aws => {
            if args.source.is_some() || args.ocsf_version.is_some() {
                anyhow::bail!("--source and --ocsf-version are for --out-format ocsf");
            }
            let out = std::path::Path::new(&args.out);
            let is_ocsf_output = out
                .join("_flowlake")
                .join("lake")
                .join("_delta_log")
                .exists()
                || std::fs::read_dir(out.join("ext")).is_ok_and(|mut d| {
                    d.any(|e| e.is_ok_and(|e| e.path().join("_delta_log").exists()))
                });
            if is_ocsf_output {
                anyhow::bail!(
                    "--out {}: an OCSF output (ext/<source>/); convert into a folder of its own, or add --out-format ocsf if `convert --out-format ocsf` made it",
                    args.out
                );
            }
            None
        }
        OutFormat::Ocsf => {
            let out = Location::parse(&args.out).context("--out")?;
            let Location::Local(dir) = out else {
                anyhow::bail!(
                    "--out-format ocsf writes a local folder (copy it to Security Lake's bucket with `aws s3 sync`, docs/soc.md): {} is not one",
                    args.out
                );
            };
            crate::commands::export::check_ocsf_out(&dir, None)?;
            flowlake_soc::export::check_source(source_of(&args))?;
            Some(dir)
        }
    };
    let ocsf_source = source_of(&args).to_string();
    let ocsf_version = version_of(&args).to_string();
    let lake_dir = ocsf_out
        .as_ref()
        .map(|d| d.join("_flowlake").join("lake").display().to_string());
    let output = Location::parse(lake_dir.as_deref().unwrap_or(&args.out)).context("--out")?;
    let options = ConvertOptions {
        format,
        account: args.default_account,
        region: args.default_region,
        s3: args.s3.options(),
        since: window.since,
        until: window.until,
        spool: args.spool_dir,
        write: WriteOptions {
            partition_by: args.partition.map(|p| match p {
                Partition::Day => PartitionBy::Day,
                Partition::Hour => PartitionBy::Hour,
            }),
            codec: match args.compression {
                CompressionArg::Zstd => Codec::Zstd,
                CompressionArg::Snappy => Codec::Snappy,
                CompressionArg::Gzip => Codec::Gzip,
                CompressionArg::None => Codec::None,
            },
            target_file_size: args.target_file_size.0,
            row_group_rows: args.row_group_rows,
            memory_budget: usize::try_from(args.memory_limit.0).unwrap_or(usize::MAX),
            ..WriteOptions::default()
        },
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1),
        commit_every: args.commit_every.0,
        rejects: args.rejects,
        input_format: match args.input_format {
            InputFormatArg::Auto => InputFormat::Auto,
            InputFormatArg::Text => InputFormat::Text,
            InputFormatArg::CloudwatchExport => InputFormat::CloudwatchExport,
            InputFormatArg::CloudwatchSubscription => InputFormat::CloudwatchSubscription,
            InputFormatArg::Parquet => InputFormat::Parquet,
        },
        max_line: usize::try_from(args.max_line_length.0).unwrap_or(usize::MAX),
        follow: args.follow,
        convert_appended: args.convert_appended,
        ..ConvertOptions::new(args.inputs, output)
    };

    let progress = Arc::new(Progress::default());
    let show_bar = !args.quiet && !args.json && std::io::stderr().is_terminal();
    let done = Arc::new(AtomicBool::new(false));
    let ticker = show_bar.then(|| {
        let progress = Arc::clone(&progress);
        let done = Arc::clone(&done);
        std::thread::spawn(move || draw_progress(&progress, &done))
    });
    let result = convert(&options, &progress);
    done.store(true, Ordering::Relaxed);
    if let Some(t) = ticker {
        let _ = t.join();
    }
    let summary = result.with_context(|| format!("converting into {}", options.output))?;

    if args.json {
        // With --out-format ocsf, one document with the export's summary too (below).
        if ocsf_out.is_none() {
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
    } else if !args.quiet {
        print_summary(&summary);
    } else {
        // Quiet still says what went wrong.
        for f in &summary.failures {
            eprintln!("error: {}: {}", f.location, f.error);
        }
        if summary.records_rejected > 0 {
            eprintln!("warning: {} lines rejected", summary.records_rejected);
        }
    }
    if let (Some(out), Some(lake)) = (ocsf_out, lake_dir) {
        let started = std::time::Instant::now();
        let lake_args = LakeArgs {
            lake,
            raw: None,
            eni_metadata: Vec::new(),
            since: None,
            until: None,
            ioc: None,
            queries: Vec::new(),
            s3: S3Args {
                region: None,
                endpoint_url: None,
                profile: None,
            },
        };
        let exported = crate::commands::export::export_lake(
            &lake_args,
            ExportOptions {
                out,
                source: ocsf_source,
                version: ocsf_version.clone(),
                since: None,
                until: None,
                sources: None,
                force: false,
                lake: String::new(),
            },
        )?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"convert": summary, "ocsf": exported})
                )?
            );
        } else if !args.quiet {
            crate::commands::export::print_summary(
                &exported,
                &ocsf_version,
                &flowlake_query::TimeWindow::default(),
                started,
            );
        }
    }
    Ok(if summary.is_partial() {
        Outcome::Partial
    } else {
        Outcome::Success
    })
}

fn draw_progress(progress: &Progress, done: &AtomicBool) {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    while !done.load(Ordering::Relaxed) {
        let total = Progress::get(&progress.bytes_total);
        if total > 0 {
            bar.set_length(total);
        }
        bar.set_position(Progress::get(&progress.bytes_read));
        bar.set_message(format!(
            "files {}/{}  records {}  rejected {}",
            Progress::get(&progress.files_done),
            Progress::get(&progress.files_total),
            Progress::get(&progress.records),
            Progress::get(&progress.rejected),
        ));
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

fn source_of(args: &ConvertArgs) -> &str {
    args.source
        .as_deref()
        .unwrap_or(flowlake_soc::ocsf::DEFAULT_SOURCE)
}

fn version_of(args: &ConvertArgs) -> &str {
    args.ocsf_version
        .as_deref()
        .unwrap_or(flowlake_soc::ocsf::VERSIONS[0])
}
