//! Errors of the query layer.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    #[error(
        "{0} is not a flowlake lake (no AWSLogs/ folder in it); convert flow logs into it with `flowlake convert INPUT --out {0}`"
    )]
    NotALake(String),
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
