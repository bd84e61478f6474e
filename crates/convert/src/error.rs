//! The converter's errors. Each names the path or location it concerns.

use std::path::PathBuf;

/// A failure that stops a conversion. Causes are in [`source`](std::error::Error::source),
/// not repeated in the message: print the chain (`{:#}` with anyhow) to see them. (as opposed to a rejected line or an unreadable input
/// file, which are reported in the [`Summary`](crate::Summary) and do not stop it).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("writing Parquet file {path}")]
    WriteParquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A storage request failed; the message names the location and, for the known S3
    /// errors (no bucket, access denied, bad keys), what to do.
    #[error("{message}")]
    Store { message: String },
    #[error(transparent)]
    Config(#[from] flowlake_store::StoreError),
    #[error("input {0} does not exist")]
    InputNotFound(String),
    #[error("{path}: {message}")]
    CommitLog { path: String, message: String },
    #[error(transparent)]
    Table(#[from] flowlake_table::TableError),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = ConvertError> = std::result::Result<T, E>;

impl ConvertError {
    #[allow(clippy::needless_pass_by_value)] // called as `map_err(|e| store(.., e))`
    pub(crate) fn store(location: impl AsRef<str>, source: object_store::Error) -> Self {
        ConvertError::Store {
            message: flowlake_store::explain(&source, location.as_ref()),
        }
    }

    /// A Parquet write error; an I/O error underneath (a full disk) is reported as such,
    /// with the file's path.
    pub(crate) fn parquet(path: PathBuf, source: parquet::errors::ParquetError) -> Self {
        match source {
            parquet::errors::ParquetError::External(e) => match e.downcast::<std::io::Error>() {
                Ok(io) => ConvertError::Io { path, source: *io },
                Err(e) => ConvertError::WriteParquet {
                    path,
                    source: parquet::errors::ParquetError::External(e),
                },
            },
            source => ConvertError::WriteParquet { path, source },
        }
    }
}
