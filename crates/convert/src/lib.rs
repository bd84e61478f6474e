//! Converts raw VPC Flow Logs (text, gzip or plain, any format) into date-partitioned
//! Parquet in the layout, column names and types of AWS's own Parquet delivery, with
//! exactly-once commits so a re-run or a killed run never duplicates or loses a row.
//!
//! ```no_run
//! use std::sync::Arc;
//! use flowlake_convert::{ConvertOptions, Progress, convert};
//!
//! let options = ConvertOptions::new(vec!["logs/".into()], std::path::PathBuf::from("lake"));
//! let summary = convert(&options, &Arc::new(Progress::default())).unwrap();
//! println!("{} records in {} files", summary.records_written, summary.files_written);
//! ```
//!
//! Inputs are read through `object_store`, and the lake's table log (Delta Lake, see
//! `flowlake_table`) is kept through it, so the same code serves local disk and S3:
//! `ConvertOptions::output` may be an `s3://` location. Any number of conversions and
//! compactions may write to one lake at once.

mod commit;
mod compact;
mod envelope;
mod error;
mod hints;
mod lease;
mod migrate;
mod partition;
mod pipeline;
mod progress;
mod source;
mod target;
mod writer;

pub use commit::{CommitRecord, InputRecord, InputStatus, META_DIR, RETIRE_GRACE};
pub use compact::{CompactOptions, CompactSummary, PartitionPlan, compact};
pub use error::{ConvertError, Result};
pub use flowlake_store::{Location, S3Options};
pub use flowlake_table::{HIVE_DEFAULT_PARTITION, PartitionBy};
pub use hints::PathHints;
pub use partition::PartitionKey;
pub use pipeline::{
    ConvertOptions, DEFAULT_COMMIT_EVERY, Failure, InputFormat, RejectSample, Summary, convert,
};
pub use progress::Progress;
pub use writer::{
    Codec, DEFAULT_MAX_OPEN_FILES, DEFAULT_MEMORY_BUDGET, DEFAULT_ROW_GROUP_ROWS,
    DEFAULT_TARGET_FILE_SIZE, MAX_TARGET_FILE_SIZE, StagedFile, WriteOptions,
};
