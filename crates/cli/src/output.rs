//! Human-readable reports on standard error.

use bytesize::ByteSize;
use flowlake_convert::Summary;

fn size(bytes: u64) -> String {
    ByteSize(bytes).display().iec().to_string()
}

/// The end-of-run report of `convert`: problems first, then the totals.
pub fn print_summary(s: &Summary) {
    for notice in &s.notices {
        eprintln!("note: {notice}");
    }
    for f in &s.failures {
        if f.records_kept > 0 {
            eprintln!(
                "error: {}: {} ({} records before it were kept)",
                f.location, f.error, f.records_kept
            );
        } else {
            eprintln!("error: {}: {}", f.location, f.error);
        }
    }
    if s.records_rejected > 0 {
        let shown = s.reject_samples.len() as u64;
        let file = s.rejects_file.as_deref().unwrap_or("the rejects file");
        eprintln!(
            "warning: {} line(s) rejected{}; all of them are in {file}",
            s.records_rejected,
            if shown < s.records_rejected {
                format!(" (first {shown} shown)")
            } else {
                String::new()
            }
        );
        for r in &s.reject_samples {
            eprintln!("  {}:{}: {}", r.location, r.line, r.reason);
        }
    }
    eprintln!(
        "converted {} of {} input(s) ({} already converted, {} failed): {} records read, {} written, {} rejected",
        s.inputs_converted,
        s.inputs,
        s.inputs_skipped,
        s.inputs_failed,
        s.records_read,
        s.records_written,
        s.records_rejected
    );
    eprintln!(
        "read {} ({} of text) in {:.2} s ({:.0} records/s, {}/s of text); wrote {} Parquet file(s), {}, in {} commit(s) to {}",
        size(s.bytes_read),
        size(s.text_bytes),
        s.elapsed_seconds,
        s.records_per_second,
        size((s.text_bytes as f64 / s.elapsed_seconds.max(1e-9)) as u64),
        s.files_written,
        size(s.bytes_written),
        s.commits,
        s.output
    );
}
