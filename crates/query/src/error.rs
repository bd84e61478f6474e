//! Errors of the query layer.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    #[error(
        "{0} is not a flowlake lake (no AWSLogs/ folder in it); convert flow logs into it with `flowlake convert INPUT --out {0}`"
    )]
    NotALake(PathBuf),
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
}

pub type Result<T, E = QueryError> = std::result::Result<T, E>;
