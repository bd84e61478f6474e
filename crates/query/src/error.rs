//! Errors of the query layer.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    #[error(
        "{0} is not a flowlake lake (no AWSLogs/ folder in it); convert flow logs into it with `flowlake convert INPUT --out {0}`"
    )]
    NotALake(String),
    /// A local lake folder that does not exist (a typo, or the wrong directory).
    #[error(
        "{0} does not exist: give --lake the folder `flowlake convert --out` wrote, or convert flow logs into it with `flowlake convert INPUT --out {0}`"
    )]
    NoSuchLake(String),
    /// A folder of flow logs as AWS delivers them (text), not converted: querying it would
    /// find nothing, which must not pass for an all-clear.
    #[error(
        "{0} holds flow logs that are not converted (text files, no Parquet under AWSLogs/): query them where they are with `--raw {0}`, or convert them once, `flowlake convert {0} --out lake`, then use --lake lake"
    )]
    RawLogs(String),
    /// A lake folder with no data file at all.
    #[error(
        "{0} holds no flow-log data (no Parquet file under AWSLogs/); convert flow logs into it with `flowlake convert INPUT --out {0}`"
    )]
    EmptyLake(String),
    /// A storage problem, explained (no bucket, access denied, ...).
    #[error("{0}")]
    Store(String),
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a DATAFUSION_* environment variable has a value DataFusion cannot use: {0}")]
    Settings(String),
    /// An `--eni-metadata` file that cannot be read as AWS's inventory.
    #[error("--eni-metadata: {0}")]
    Inventory(String),
    /// A zone policy file that cannot be used.
    #[error("policy: {0}")]
    Policy(String),
    #[error("time window: {0}")]
    Window(String),
    #[error("{file}: {msg}")]
    Hunt { file: String, msg: String },
    #[error("no hunt named {name:?}; {hint}")]
    NoSuchHunt { name: String, hint: String },
    #[error("{0}")]
    Param(String),
    #[error("{file}:{line}: {msg}")]
    Ioc {
        file: PathBuf,
        line: usize,
        msg: String,
    },
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
}

pub type Result<T, E = QueryError> = std::result::Result<T, E>;
